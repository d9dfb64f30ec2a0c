"""What every section of the reconciliation shares: the shapes of the report
(columns, lines, sections, summary items), the context each section is built
from (the provider, the period, its notes and its counted charges), and the
helpers that stream and measure a section's lines."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Max, Q, QuerySet
from django.db.models.functions import Length
from django.utils import timezone

from providers.models import BillPeriod, Provider
from provisioning.choices import FeatureProductKindChoices as ProductKind
from ssaas.common.formats import day, to_cent
from usage.broadworks.choices import BroadWorksReportStatusChoices
from usage.broadworks.models import BroadWorksReport
from usage.coce.choices import OtherChargeExceptionChoices as ChargeException
from usage.coce.choices import OtherChargeStatusChoices as ChargeStatus
from usage.coce.choices import OtherChargeTypeChoices as ChargeType
from usage.coce.models import OtherCharge
from usage.reconciliation.models import ReconciliationNote

ZERO = Decimal(0)
ITERATOR_CHUNK = 2000


def cents(value: Decimal | None) -> Decimal:
    return to_cent(value or ZERO)


def quantity_text(value: Decimal) -> str:
    return str(value.normalize()) if value == value.to_integral_value() else str(value)


# ---------------------------------------------------------------------------
# Shapes
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = "text"  # text, money, quantity, int, date
    width: int = 0  # the width it needs at least, in characters


@dataclass
class Line:
    values: list
    key: str = ""  # names the line for an explanation; empty: it cannot differ
    differs: bool = False
    explanation: str = ""  # the note, who wrote it and when
    label: str = ""  # how an explanation records the line
    note: str = ""

    @property
    def explained(self) -> bool:
        return self.differs and bool(self.explanation)


@dataclass
class Section:
    name: str  # the sheet's title
    title: str
    columns: list[Column]
    produce: Callable[[int | None], Iterator[Line]]
    intro: str = ""
    measure: Callable[[], dict[int, int]] = dict  # widest text per column, when known ahead

    def lines(self, limit: int | None = None) -> Iterator[Line]:
        return self.produce(limit)


@dataclass
class SummaryItem:
    label: str
    value: object = ""
    amount: Decimal | None = None
    highlight: bool = False


@dataclass
class ReconciliationReport:
    provider: Provider
    period: BillPeriod
    summary: list[SummaryItem]
    sections: list[Section]
    notes: dict[str, ReconciliationNote] = field(default_factory=dict)

    @property
    def file_name(self) -> str:
        return f"reconciliation_{self.provider.slug}_{self.period.start_date:%Y-%m}.xlsx"


# ---------------------------------------------------------------------------
# What the sections are built from
# ---------------------------------------------------------------------------


class Context:
    """What every section needs: the provider, the period, the notes, the lines."""

    def __init__(self, provider: Provider, period: BillPeriod) -> None:
        self.provider = provider
        self.period = period
        self.start, self.end = period.start_date, period.end_date
        self.notes = {
            n.key: n
            for n in ReconciliationNote.objects.filter(
                provider=provider, period_start=period.start_date
            ).select_related("explained_by")
        }
        self.charges = OtherCharge.objects.filter(
            provider=provider,
            status=ChargeStatus.COUNTED,
            charged_from__gte=self.start,
            charged_from__lte=self.end,
        )
        unknown = Q(exception=ChargeException.UNKNOWN_ELEMENT)
        adjustment = ~unknown & (Q(type_code__in=[ChargeType.ONE_OFF, ChargeType.ADJUSTMENT]) | Q(amount__lt=0))
        self.unknown = unknown
        self.adjustment = adjustment
        self.ranges = ~unknown & ~adjustment & Q(product__kind=ProductKind.NUMBER_RANGE)
        self.recurring = ~unknown & ~adjustment & Q(product__isnull=False) & ~Q(product__kind=ProductKind.NUMBER_RANGE)
        self.report = (
            BroadWorksReport.objects.filter(
                provider=provider,
                period_start=period.start_date,
                status=BroadWorksReportStatusChoices.CURRENT,
            )
            .select_related("uploaded_by")
            .first()
        )

    def line(self, values: list, *, key: str = "", differs: bool = False, label: str = "") -> Line:
        note = self.notes.get(key) if key else None
        if note is None:
            return Line(values + [""], key, differs, label=label)
        when = day(timezone.localtime(note.explained_at))
        explanation = f"{note.note} ({note.explained_by or 'staff'}, {when})"
        return Line(values + [explanation], key, differs, explanation, label, note.note)

    def in_period_days(self, first: datetime.date, last: datetime.date) -> int:
        return (min(last, self.end) - max(first, self.start)).days + 1


def stream(queryset: QuerySet, limit: int | None) -> Iterator:
    if limit is not None:
        return iter(queryset[:limit])
    return queryset.iterator(chunk_size=ITERATOR_CHUNK)


def widest(queryset: QuerySet, columns: dict[int, str | tuple[str, ...]]) -> dict[int, int]:
    """The longest text of each column, measured by the database."""
    aggregates = {}
    for index, fields in columns.items():
        for n, name in enumerate(fields if isinstance(fields, tuple) else (fields,)):
            aggregates[f"c{index}_{n}"] = Max(Length(name))
    found = queryset.aggregate(**aggregates)
    widths: dict[int, int] = defaultdict(int)
    for name, value in found.items():
        index = int(name[1:].partition("_")[0])
        widths[index] += (value or 0) + (3 if widths[index] else 0)
    return dict(widths)
