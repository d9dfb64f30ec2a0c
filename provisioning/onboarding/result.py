"""What an onboarding import reports: every error by sheet, row and column, and counts."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"

# What the counts are of, in the order a summary lists them.
ENTITIES = [
    "catalogue products",
    "plans",
    "plan rates",
    "customers",
    "services",
    "identifiers",
    "ranges",
    "features",
]


@dataclass(frozen=True)
class RowError:
    """One problem, where the person finds it in their spreadsheet.

    ``row`` is the row number the spreadsheet shows (the header is usually row
    1), ``None`` for a problem with the whole file or sheet; ``column`` is the
    header as written in the file, empty when no one column is at fault."""

    sheet: str
    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.sheet}:{self.row or ''}:{self.column}: {self.message}"


class ErrorList(list):
    """The first ``ERRORS_LISTED_MAX`` errors, and a count of the rest (``more``): a
    file of a million bad rows must not make a million messages."""

    def __init__(self, limit: int | None = None) -> None:
        super().__init__()
        self.limit = settings.ERRORS_LISTED_MAX if limit is None else limit
        self.more = 0

    def append(self, error: RowError) -> None:
        if len(self) < self.limit:
            super().append(error)
        else:
            self.more += 1

    def extend(self, errors) -> None:
        for error in errors:
            self.append(error)

    def __iadd__(self, errors):
        self.extend(errors)
        return self

    @property
    def total(self) -> int:
        return len(self) + self.more

    def __reduce__(self):
        # The worker's result is pickled: a list subclass is rebuilt by appending its
        # items before its attributes are set, and append() needs ``limit``.
        return (_error_list, (self.limit, list(self), self.more))


def _error_list(limit: int, errors: list[RowError], more: int) -> ErrorList:
    rebuilt = ErrorList(limit)
    list.extend(rebuilt, errors)
    rebuilt.more = more
    return rebuilt


@dataclass
class OnboardingResult:
    dry_run: bool
    file_name: str = ""
    errors: ErrorList = field(default_factory=ErrorList)
    # entity → {"created": n, "updated": n, "unchanged": n}
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    rows: int = 0

    @property
    def committed(self) -> bool:
        return not self.dry_run and not self.errors

    def add(self, entity: str, outcome: str) -> None:
        bucket = self.counts.setdefault(entity, {CREATED: 0, UPDATED: 0, UNCHANGED: 0})
        bucket[outcome] += 1

    def count(self, entity: str, outcome: str) -> int:
        return self.counts.get(entity, {}).get(outcome, 0)

    def summary_rows(self) -> list[tuple[str, int, int, int]]:
        """(entity, created, updated, unchanged) for every entity the file touched."""
        return [
            (
                name,
                self.count(name, CREATED),
                self.count(name, UPDATED),
                self.count(name, UNCHANGED),
            )
            for name in ENTITIES
            if name in self.counts
        ]

    def summary(self) -> str:
        """One line: ``customers: 3 created, 1 unchanged; services: 2 created``."""
        parts = []
        for name, *numbers in self.summary_rows():
            outcomes = zip((CREATED, UPDATED, UNCHANGED), numbers, strict=True)
            parts.append(f"{name}: " + ", ".join(f"{n} {outcome}" for outcome, n in outcomes if n))
        return "; ".join(parts) or "no rows"
