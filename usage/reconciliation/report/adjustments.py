"""Credits, adjustments and one-off charges, each beside the recurring charge it
reverses, when one covers its first day."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from django.db.models import OuterRef, QuerySet, Subquery

from usage.coce.choices import OtherChargeStatusChoices as ChargeStatus
from usage.coce.choices import OtherChargeTypeChoices as ChargeType
from usage.coce.models import OtherCharge
from usage.reconciliation.report.base import Column, Context, Line, Section, stream, widest

ADJUSTMENT_COLUMNS = [
    Column("Kind"),
    Column("Description"),
    Column("Element / NRC id"),
    Column("Product"),
    Column("Adjustment code"),
    Column("From", "date"),
    Column("To", "date"),
    Column("Amount", "money"),
    Column("Against"),
    Column("COCE record id"),
    Column("Explanation"),
]


def adjustments_section(context: Context) -> Section:
    return Section(
        "Credits and adjustments",
        "Credits, adjustments and one-off charges",
        ADJUSTMENT_COLUMNS,
        partial(adjustment_lines, context),
        measure=partial(measure_adjustments, context),
    )


def adjustment_charges(context: Context) -> QuerySet:
    # The latest-starting recurring charge of the element covering the credit's
    # first day: a backward scan of the other_charge_element index.
    reversed_charge = (
        OtherCharge.objects.filter(
            provider=context.provider,
            status=ChargeStatus.COUNTED,
            type_code=ChargeType.RECURRING,
            element_id=OuterRef("element_id"),
            charged_from__lte=OuterRef("charged_from"),
            charged_to__gte=OuterRef("charged_from"),
            amount__gt=0,
        )
        .exclude(element_id="")
        .order_by("-charged_from")
    )
    return (
        context.charges.filter(context.adjustment)
        .select_related("product")
        .annotate(
            against_id=Subquery(reversed_charge.values("coce_record_id")[:1]),
            against_description=Subquery(reversed_charge.values("description")[:1]),
        )
        .order_by("charged_from", "pk")
    )


def adjustment_lines(context: Context, limit: int | None) -> Iterator[Line]:
    for c in stream(adjustment_charges(context), limit):
        kind = "Credit" if c.amount < 0 else c.get_type_code_display()
        against = "On its own"
        if c.against_id:
            against = f"{c.against_description or c.product} ({c.against_id})"
        yield context.line(
            [
                kind,
                c.description,
                c.element_id or c.nrc_type_id,
                c.product.name if c.product_id else "",
                c.adjustment_code,
                c.charged_from,
                c.charged_to,
                c.amount,
                against,
                c.coce_record_id,
            ]
        )


def measure_adjustments(context: Context) -> dict[int, int]:
    return widest(
        context.charges.filter(context.adjustment),
        {1: "description", 3: "product__name", 8: "description", 9: "coce_record_id"},
    )
