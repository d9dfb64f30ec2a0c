"""The reconciliation of one provider's bill period, as sections of lines.

Read-only (a selector): the admin page shows the first lines of each section,
the spreadsheet and the ``reconciliation`` command stream all of them. Large
sections iterate their querysets (``.iterator()``), so memory does not grow
with the number of charge lines.

What is compared
----------------
* A COCE line belongs to the period its first charged day falls in. Only
  *counted* lines take part (not duplicates, not lines of a superseded file).
* The lines fall in exactly one section: unknown element ids; credits,
  adjustments and one-off charges (type 3 or 4, or a negative amount);
  hosted number ranges; and the other recurring products.
* **Quantities** are averages over the bill period, so that part-month lines
  and features compare like with like. A charge line's quantity is
  ``amount / (unit cost × days charged / days in the month)``, weighted by its
  days inside the period; a feature's is its quantity weighted by its active
  days in the period (pro-rata). A full month of 12 packs is 12 on both sides;
  3 SIP Sessions ceased after 15 of 31 days are 1.45.
* BroadWorks quantities are the current report's, per group, as assigned.
* Per service, AAPT's usage cost (CTOP ``rated_price``) of the calls dated in
  the period beside what the provider billed for them.

Layout
------
This package's ``__init__`` builds the report from one module per section
(``products``, ``ranges``, ``adjustments``, ``unknown``, ``usage``) and the
summary (``summary``); the shapes, the shared context and helpers are in
``base``.
"""

from __future__ import annotations

from providers.models import BillPeriod, Provider
from usage.coce.choices import OtherChargeStatusChoices
from usage.coce.models import OtherCharge
from usage.reconciliation.report.adjustments import adjustments_section
from usage.reconciliation.report.base import Context, ReconciliationReport
from usage.reconciliation.report.products import product_lines, products_section
from usage.reconciliation.report.ranges import ranges_section
from usage.reconciliation.report.summary import summary_items
from usage.reconciliation.report.unknown import unknown_section
from usage.reconciliation.report.usage import usage_section


def reconciliation_build(*, provider: Provider, period: BillPeriod) -> ReconciliationReport:
    """The provider's reconciliation for ``period``: summary and sections. Small
    sections are computed here; large ones stream when their lines are read."""
    context = Context(provider, period)
    products = product_lines(context)
    report = ReconciliationReport(
        provider=provider,
        period=period,
        summary=[],
        sections=[
            products_section(products),
            ranges_section(context),
            adjustments_section(context),
            unknown_section(context),
            usage_section(context),
        ],
        notes=context.notes,
    )
    report.summary = summary_items(context, products)
    return report


def has_anything_to_reconcile(*, provider: Provider, period: BillPeriod) -> bool:
    """Whether the month is one to reconcile: the provider has a bill period for
    it, or AAPT charged it (counted COCE lines). A month with neither has nothing
    to compare, and no differences to count."""
    if period.pk is not None:
        return True
    return OtherCharge.objects.filter(
        provider=provider,
        status=OtherChargeStatusChoices.COUNTED,
        charged_from__gte=period.start_date,
        charged_from__lte=period.end_date,
    ).exists()


def open_product_differences(*, provider: Provider, period: BillPeriod) -> int:
    """How many of the products' lines differ with no explanation: the count the
    front page shows. Only the products are read, not the whole report, whose
    summary totals the period's usage records (a scan of millions of rows)."""
    lines = product_lines(Context(provider, period))
    return sum(1 for line in lines if line.differs and not line.explained)
