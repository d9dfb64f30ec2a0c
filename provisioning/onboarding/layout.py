"""The column layout of onboarding files: one sheet (or CSV file) per kind of row.

docs/onboarding.md describes the same layout for people; a test keeps the two
in step.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import openpyxl
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from provisioning.choices import (
    FeatureProductKindChoices,
    PlanRateCategoryChoices,
    ServiceFeatureStatusChoices,
    ServiceIdentifierKindChoices,
    ServiceStatusChoices,
)

from . import cells


@dataclass(frozen=True)
class Column:
    name: str
    parse: Callable[[Any], Any] = cells.text
    required: bool = False


@dataclass(frozen=True)
class SheetLayout:
    kind: str
    columns: tuple[Column, ...]

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


def _choice(choices) -> Callable[[Any], Any]:
    return lambda raw: cells.choice(raw, choices)


CATALOGUE = "catalogue"
PLANS = "plans"
CUSTOMERS = "customers"
SERVICES = "services"
IDENTIFIERS = "identifiers"
RANGES = "ranges"
FEATURES = "features"

# In the order they are imported: each kind may refer to rows of the kinds before it.
LAYOUTS: dict[str, SheetLayout] = {
    layout.kind: layout
    for layout in [
        SheetLayout(
            CATALOGUE,
            (
                Column("element_id", required=True),
                Column("name", required=True),
                Column("kind", _choice(FeatureProductKindChoices), required=True),
                Column("unit_cost", cells.decimal, required=True),
            ),
        ),
        SheetLayout(
            PLANS,
            (
                Column("plan", required=True),
                Column("category", _choice(PlanRateCategoryChoices)),
                Column("flagfall", cells.decimal),
                Column("rate_per_minute", cells.decimal),
                Column("increments", cells.increments),
            ),
        ),
        SheetLayout(
            CUSTOMERS,
            (
                Column("reference", required=True),
                Column("name", required=True),
                Column("contact_name"),
                Column("contact_email"),
                Column("contact_phone"),
            ),
        ),
        SheetLayout(
            SERVICES,
            (
                Column("reference", required=True),
                Column("customer_reference", required=True),
                Column("plan", required=True),
                Column("status", _choice(ServiceStatusChoices)),
                Column("start_date", cells.date),
                Column("end_date", cells.date),
                Column("label"),
            ),
        ),
        SheetLayout(
            IDENTIFIERS,
            (
                Column("service_reference", required=True),
                Column("kind", _choice(ServiceIdentifierKindChoices), required=True),
                Column("value", required=True),
                Column("active_from", cells.date),
                Column("active_to", cells.date),
            ),
        ),
        SheetLayout(
            RANGES,
            (
                Column("service_reference", required=True),
                Column("first", cells.phone_text, required=True),
                Column("last", cells.phone_text, required=True),
                Column("active_from", cells.date),
                Column("active_to", cells.date),
            ),
        ),
        SheetLayout(
            FEATURES,
            (
                Column("service_reference", required=True),
                Column("element_id", required=True),
                Column("quantity", cells.whole_number),
                Column("status", _choice(ServiceFeatureStatusChoices)),
                Column("active_from", cells.date),
                Column("active_to", cells.date),
            ),
        ),
    ]
}

KINDS: list[str] = list(LAYOUTS)


def header_key(header: Any) -> str:
    """``Customer Reference``, ``customer-reference`` and ``customer_reference`` are one column."""
    return re.sub(r"[\s\-_]+", "_", cells.text(header).lower()).strip("_")


def kind_from_name(name: str) -> str | None:
    """The kind a CSV file name names: ``services.csv``, ``harbour-services-2026.csv``.

    ``None`` unless exactly one kind is among the words of the name."""
    stem = re.sub(r"\.[^.]*$", "", name.rsplit("/", 1)[-1]).lower()
    found = {word for word in re.split(r"[^a-z]+", stem) if word in LAYOUTS}
    return found.pop() if len(found) == 1 else None


_TEXT_PARSERS = (cells.text, cells.phone_text, cells.increments)


def write_workbook(sheets: dict[str, Iterable[Sequence[Any]]]) -> bytes:
    """An XLSX workbook with one sheet per entry (rows of cells, headers first).

    On a sheet named after a kind, the columns of text (references, numbers,
    increments) are formatted as Text, so that Excel keeps ``0290001000`` and
    ``60/30`` as typed."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
        for cell in sheet[1] if sheet.max_row else ():
            cell.font = Font(bold=True)
        layout = LAYOUTS.get(title)
        for index, column in enumerate(layout.columns if layout else (), start=1):
            dimension = sheet.column_dimensions[get_column_letter(index)]
            dimension.width = 20
            if column.parse in _TEXT_PARSERS:
                dimension.number_format = "@"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_workbook() -> bytes:
    """An empty onboarding workbook: one sheet per kind with its header row."""
    return write_workbook({kind: [layout.column_names] for kind, layout in LAYOUTS.items()})
