"""The charges with an element id not in the feature catalogue."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from usage.reconciliation.report.base import Column, Context, Line, Section, stream, widest

UNKNOWN_COLUMNS = [
    Column("Element id"),
    Column("NRC type id"),
    Column("Type"),
    Column("Description"),
    Column("External id"),
    Column("From", "date"),
    Column("To", "date"),
    Column("Amount", "money"),
    Column("File"),
    Column("Line", "int"),
    Column("Explanation"),
]


def unknown_section(context: Context) -> Section:
    return Section(
        "Unknown elements",
        "Charges with an element id not in the catalogue",
        UNKNOWN_COLUMNS,
        partial(unknown_lines, context),
        intro="Add the element id to the feature catalogue, then classify the charges again (Other charge exceptions).",
        measure=partial(measure_unknown, context),
    )


def unknown_lines(context: Context, limit: int | None) -> Iterator[Line]:
    charges = (
        context.charges.filter(context.unknown)
        .select_related("carrier_file")
        .order_by("element_id", "charged_from", "pk")
    )
    for c in stream(charges, limit):
        yield context.line(
            [
                c.element_id,
                c.nrc_type_id,
                c.get_type_code_display(),
                c.description,
                c.external_id,
                c.charged_from,
                c.charged_to,
                c.amount,
                c.carrier_file.name,
                c.line_number,
            ],
            key=f"unknown:{c.coce_record_id}",
            differs=True,
            label=f"Unknown element id {c.element_id or c.nrc_type_id or '(none)'} ({c.coce_record_id})",
        )


def measure_unknown(context: Context) -> dict[int, int]:
    return widest(
        context.charges.filter(context.unknown),
        {3: "description", 4: "external_id", 8: "carrier_file__name"},
    )
