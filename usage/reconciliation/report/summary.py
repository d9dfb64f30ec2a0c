"""The summary of the reconciliation: the provider and period, the files taken,
what AAPT charged by section, the differences and their explanations, and the
period's usage beside what was billed."""

from __future__ import annotations

from django.db.models import Count, Q, Sum
from django.utils import timezone

from ssaas.common.formats import day
from usage.ctop.choices import UsageRecordStatusChoices
from usage.ctop.models import UsageRecord
from usage.reconciliation.report.base import Context, Line, SummaryItem, cents


def summary_items(context: Context, products: list[Line]) -> list[SummaryItem]:
    """The summary sheet's items; ``products``: the products' lines (their differences counted)."""
    provider, period = context.provider, context.period
    money = context.charges.aggregate(
        total=Sum("amount"),
        lines=Count("id"),
        recurring=Sum("amount", filter=context.recurring),
        ranges=Sum("amount", filter=context.ranges),
        adjustments=Sum("amount", filter=context.adjustment),
        adjustment_lines=Count("id", filter=context.adjustment),
        unknown=Sum("amount", filter=context.unknown),
        unknown_lines=Count("id", filter=context.unknown),
        unmatched=Sum("amount", filter=context.ranges & ~Q(exception="")),
        unmatched_lines=Count("id", filter=context.ranges & ~Q(exception="")),
        range_lines=Count("id", filter=context.ranges),
    )
    files = list(context.charges.order_by("carrier_file__name").values_list("carrier_file__name", flat=True).distinct())
    usage = UsageRecord.objects.filter(
        provider=provider, call_date__gte=context.start, call_date__lte=context.end
    ).aggregate(
        cost=Sum("aapt_cost"),
        billed=Sum("charge", filter=Q(status=UsageRecordStatusChoices.RATED)),
        not_billed=Count("id", filter=~Q(status=UsageRecordStatusChoices.RATED)),
    )
    differing = [line for line in products if line.differs]
    explained = sum(line.explained for line in differing)
    report = context.report
    report_text = "none uploaded for this period"
    if report is not None:
        report_text = (
            f"{report.name}, uploaded {day(timezone.localtime(report.uploaded_at))} "
            f"by {report.uploaded_by or 'the system'}"
        )
    unmatched_lines = money["unmatched_lines"]
    produced = timezone.localtime()
    return [
        SummaryItem("Provider", provider.name),
        SummaryItem("AAPT account", provider.aapt_account),
        SummaryItem(
            "Bill period",
            f"{period.label} ({day(period.start_date)}–{day(period.end_date)})",
        ),
        SummaryItem("Produced", f"{day(produced)} {produced:%H:%M}"),
        SummaryItem("COCE files counted", ", ".join(files) or "none"),
        SummaryItem("BroadWorks utilisation report", report_text, highlight=report is None),
        SummaryItem("AAPT other charges (COCE)", f"{money['lines']} line(s)", cents(money["total"])),
        SummaryItem("  Service Packs, SIP Sessions and other recurring", "", cents(money["recurring"])),
        SummaryItem("  Hosted number ranges", f"{money['range_lines']} line(s)", cents(money["ranges"])),
        SummaryItem(
            "  Credits, adjustments and one-off charges",
            f"{money['adjustment_lines']} line(s)",
            cents(money["adjustments"]),
        ),
        SummaryItem(
            "  Unknown element ids",
            f"{money['unknown_lines']} line(s)",
            cents(money["unknown"]),
            highlight=bool(money["unknown_lines"]),
        ),
        SummaryItem(
            "Product lines with a difference",
            f"{len(differing)} ({explained} explained)",
            highlight=len(differing) > explained,
        ),
        SummaryItem(
            "Hosted range charges owned by no service",
            f"{unmatched_lines} line(s)",
            cents(money["unmatched"]),
            highlight=bool(unmatched_lines),
        ),
        SummaryItem("Lines explained (notes on this period)", len(context.notes)),
        SummaryItem("AAPT usage cost (CTOP)", "", cents(usage["cost"])),
        SummaryItem("Usage billed", "", cents(usage["billed"])),
        SummaryItem("Usage margin", "", cents(usage["billed"]) - cents(usage["cost"])),
        SummaryItem(
            "Calls not billed (quarantined or written off)",
            usage["not_billed"],
            highlight=bool(usage["not_billed"]),
        ),
    ]
