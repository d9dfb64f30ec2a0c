"""Usage per service: AAPT's cost (CTOP ``rated_price``) of the calls dated in
the period beside what the provider billed for them."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from django.db.models import Count, Q, QuerySet, Sum

from provisioning.models import Service
from usage.ctop.choices import UsageRecordStatusChoices
from usage.ctop.models import UsageRecord
from usage.reconciliation.report.base import Column, Context, Line, Section, cents, stream, widest

USAGE_COLUMNS = [
    Column("Service"),
    Column("Customer"),
    Column("Calls", "int"),
    Column("Calls not billed", "int"),
    Column("AAPT usage cost", "money"),
    Column("Billed", "money"),
    Column("Margin", "money"),
    Column("Finding", width=40),
    Column("Explanation"),
]


def usage_section(context: Context) -> Section:
    return Section(
        "Usage",
        "Usage per service: AAPT's cost and what was billed",
        USAGE_COLUMNS,
        partial(usage_lines, context),
        measure=partial(measure_usage, context),
    )


def usage_rows(context: Context) -> QuerySet:
    rated = Q(status=UsageRecordStatusChoices.RATED)
    return (
        UsageRecord.objects.filter(provider=context.provider, call_date__gte=context.start, call_date__lte=context.end)
        .values("service_id", "service__reference", "service__customer__name")
        .annotate(
            calls=Count("id"),
            not_billed=Count("id", filter=~rated),
            cost=Sum("aapt_cost"),
            billed=Sum("charge", filter=rated),
        )
        .order_by("service__reference")
    )


def usage_lines(context: Context, limit: int | None) -> Iterator[Line]:
    for row in stream(usage_rows(context), limit):
        cost, billed = cents(row["cost"]), cents(row["billed"])
        reference = row["service__reference"] or "(no service)"
        findings = []
        if row["service_id"] is None:
            findings.append(f"{row['not_billed']} call(s) not identified")
        else:
            if row["not_billed"]:
                findings.append(f"{row['not_billed']} call(s) not billed")
            if billed < cost:
                findings.append("billed below AAPT's cost")
        yield context.line(
            [
                reference,
                row["service__customer__name"] or "",
                row["calls"],
                row["not_billed"],
                cost,
                billed,
                billed - cost,
                _sentence(findings),
            ],
            key=f"usage:{reference}",
            differs=bool(findings),
            label=f"Usage of {reference}",
        )


def measure_usage(context: Context) -> dict[int, int]:
    return widest(Service.objects.filter(provider=context.provider), {0: "reference", 1: "customer__name"})


def _sentence(findings: list[str]) -> str:
    text = "; ".join(findings)
    return text[:1].upper() + text[1:]
