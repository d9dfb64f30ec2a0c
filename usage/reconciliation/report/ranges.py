"""The hosted number ranges AAPT charged for: matched to the range a service
holds here, or owned by no service (with the nearest range and its owner)."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from django.db.models import QuerySet

from usage.reconciliation.report.base import Column, Context, Line, Section, stream, widest

RANGE_COLUMNS = [
    Column("Charged range"),
    Column("Numbers", "int"),
    Column("Product"),
    Column("From", "date"),
    Column("To", "date"),
    Column("Amount", "money"),
    Column("Status"),
    Column("Service"),
    Column("Customer"),
    Column("Service's range"),
    Column("Nearest range"),
    Column("Nearest range's service"),
    Column("Explanation"),
]


def ranges_section(context: Context) -> Section:
    return Section(
        "Hosted ranges",
        "Hosted number ranges",
        RANGE_COLUMNS,
        partial(range_lines, context),
        measure=partial(measure_ranges, context),
    )


def range_charges(context: Context) -> QuerySet:
    return (
        context.charges.filter(context.ranges)
        .select_related("product", "service__customer", "matched_range", "nearest_range__service__customer")
        .order_by("number_first", "charged_from", "pk")
    )


def range_lines(context: Context, limit: int | None) -> Iterator[Line]:
    for c in stream(range_charges(context), limit):
        matched = c.service_id is not None
        nearest = c.nearest_range
        owner = ""
        if nearest is not None:
            owner = f"{nearest.service.reference} ({nearest.service.customer.name})"
        numbers = None
        if c.number_first:
            numbers = int(c.number_last) - int(c.number_first) + 1
        yield context.line(
            [
                c.charged_range,
                numbers,
                c.product.name,
                c.charged_from,
                c.charged_to,
                c.amount,
                "Matched" if matched else "Owned by no service",
                c.service.reference if matched else "",
                c.service.customer.name if matched else "",
                c.matched_range.value if c.matched_range_id else "",
                nearest.value if nearest is not None else "",
                owner,
            ],
            key=f"range:{c.coce_record_id}",
            differs=not matched,
            label=f"Range {c.charged_range} owned by no service",
        )


def measure_ranges(context: Context) -> dict[int, int]:
    return widest(
        context.charges.filter(context.ranges),
        {
            0: "external_id",
            2: "product__name",
            7: "service__reference",
            8: "service__customer__name",
            9: "matched_range__value",
            10: "nearest_range__value",
            11: ("nearest_range__service__reference", "nearest_range__service__customer__name"),
        },
    )
