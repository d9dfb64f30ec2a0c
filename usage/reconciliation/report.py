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
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Length
from django.utils import timezone

from providers.models import BillPeriod, Provider
from providers.months import month_fraction
from provisioning.choices import FeatureProductKindChoices as ProductKind
from provisioning.choices import ServiceFeatureStatusChoices, ServiceIdentifierKindChoices
from provisioning.models import (
    FeatureProduct,
    Service,
    ServiceFeature,
    ServiceIdentifier,
    overlapping_dates,
)
from ssaas.common.formats import to_cent
from usage.broadworks.choices import BroadWorksReportStatusChoices
from usage.broadworks.models import BroadWorksItem, BroadWorksReport
from usage.coce.choices import OtherChargeExceptionChoices as ChargeException
from usage.coce.choices import OtherChargeStatusChoices as ChargeStatus
from usage.coce.choices import OtherChargeTypeChoices as ChargeType
from usage.coce.models import OtherCharge
from usage.ctop.choices import UsageRecordStatusChoices
from usage.ctop.models import UsageRecord
from usage.reconciliation.models import ReconciliationNote

ZERO = Decimal(0)
ITERATOR_CHUNK = 2000
PRODUCT_KIND_ORDER = {ProductKind.SERVICE_PACK: 0, ProductKind.SIP_SESSION: 1, ProductKind.OTHER: 2}


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
# The report
# ---------------------------------------------------------------------------


def reconciliation_build(*, provider: Provider, period: BillPeriod) -> ReconciliationReport:
    """The provider's reconciliation for ``period``: summary and sections. Small
    sections are computed here; large ones stream when their lines are read."""
    context = _Context(provider, period)
    products = _product_lines(context)
    report = ReconciliationReport(
        provider=provider,
        period=period,
        summary=[],
        sections=[
            Section(
                "Products",
                "Service Packs, SIP Sessions and other recurring products",
                PRODUCT_COLUMNS,
                lambda limit: iter(products[:limit]),
                measure=lambda: _widest_values(products),
                intro="Per product, then per BroadWorks group: AAPT's charge, what is active "
                "here (pro-rated by days) and what BroadWorks assigns.",
            ),
            Section(
                "Hosted ranges",
                "Hosted number ranges",
                RANGE_COLUMNS,
                context.range_lines,
                measure=context.measure_ranges,
            ),
            Section(
                "Credits and adjustments",
                "Credits, adjustments and one-off charges",
                ADJUSTMENT_COLUMNS,
                context.adjustment_lines,
                measure=context.measure_adjustments,
            ),
            Section(
                "Unknown elements",
                "Charges with an element id not in the catalogue",
                UNKNOWN_COLUMNS,
                context.unknown_lines,
                intro="Add the element id to the feature catalogue, then classify the "
                "charges again (Other charge exceptions).",
                measure=context.measure_unknown,
            ),
            Section(
                "Usage",
                "Usage per service: AAPT's cost and what was billed",
                USAGE_COLUMNS,
                context.usage_lines,
                measure=context.measure_usage,
            ),
        ],
        notes=context.notes,
    )
    report.summary = _summary(context, products)
    return report


def open_product_differences(*, provider: Provider, period: BillPeriod) -> int:
    """How many of the products' lines differ with no explanation: the count the
    front page shows. Only the products are read, not the whole report, whose
    summary totals the period's usage records (a scan of millions of rows)."""
    lines = _product_lines(_Context(provider, period))
    return sum(1 for line in lines if line.differs and not line.explained)


class _Context:
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
        when = timezone.localtime(note.explained_at).strftime("%d/%m/%Y")
        explanation = f"{note.note} ({note.explained_by or 'staff'}, {when})"
        return Line(values + [explanation], key, differs, explanation, label, note.note)

    def in_period_days(self, first: datetime.date, last: datetime.date) -> int:
        return (min(last, self.end) - max(first, self.start)).days + 1

    # -- hosted ranges ------------------------------------------------------

    def range_charges(self) -> QuerySet:
        return (
            self.charges.filter(self.ranges)
            .select_related("product", "service__customer", "matched_range", "nearest_range__service__customer")
            .order_by("number_first", "charged_from", "pk")
        )

    def range_lines(self, limit: int | None) -> Iterator[Line]:
        for c in _stream(self.range_charges(), limit):
            matched = c.service_id is not None
            nearest = c.nearest_range
            owner = ""
            if nearest is not None:
                owner = f"{nearest.service.reference} ({nearest.service.customer.name})"
            numbers = None
            if c.number_first:
                numbers = int(c.number_last) - int(c.number_first) + 1
            yield self.line(
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

    def measure_ranges(self) -> dict[int, int]:
        return _widest(
            self.charges.filter(self.ranges),
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

    # -- credits, adjustments, one-off charges ------------------------------

    def adjustment_charges(self) -> QuerySet:
        # The latest-starting recurring charge of the element covering the credit's
        # first day: a backward scan of the other_charge_element index.
        reversed_charge = (
            OtherCharge.objects.filter(
                provider=self.provider,
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
            self.charges.filter(self.adjustment)
            .select_related("product")
            .annotate(
                against_id=Subquery(reversed_charge.values("coce_record_id")[:1]),
                against_description=Subquery(reversed_charge.values("description")[:1]),
            )
            .order_by("charged_from", "pk")
        )

    def adjustment_lines(self, limit: int | None) -> Iterator[Line]:
        for c in _stream(self.adjustment_charges(), limit):
            kind = "Credit" if c.amount < 0 else c.get_type_code_display()
            against = "On its own"
            if c.against_id:
                against = f"{c.against_description or c.product} ({c.against_id})"
            yield self.line(
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

    def measure_adjustments(self) -> dict[int, int]:
        return _widest(
            self.charges.filter(self.adjustment),
            {1: "description", 3: "product__name", 8: "description", 9: "coce_record_id"},
        )

    # -- unknown element ids ------------------------------------------------

    def unknown_lines(self, limit: int | None) -> Iterator[Line]:
        charges = (
            self.charges.filter(self.unknown)
            .select_related("carrier_file")
            .order_by("element_id", "charged_from", "pk")
        )
        for c in _stream(charges, limit):
            yield self.line(
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

    def measure_unknown(self) -> dict[int, int]:
        return _widest(
            self.charges.filter(self.unknown),
            {3: "description", 4: "external_id", 8: "carrier_file__name"},
        )

    # -- usage ----------------------------------------------------------------

    def usage_rows(self) -> QuerySet:
        rated = Q(status=UsageRecordStatusChoices.RATED)
        return (
            UsageRecord.objects.filter(provider=self.provider, call_date__gte=self.start, call_date__lte=self.end)
            .values("service_id", "service__reference", "service__customer__name")
            .annotate(
                calls=Count("id"),
                not_billed=Count("id", filter=~rated),
                cost=Sum("aapt_cost"),
                billed=Sum("charge", filter=rated),
            )
            .order_by("service__reference")
        )

    def usage_lines(self, limit: int | None) -> Iterator[Line]:
        for row in _stream(self.usage_rows(), limit):
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
            yield self.line(
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

    def measure_usage(self) -> dict[int, int]:
        return _widest(Service.objects.filter(provider=self.provider), {0: "reference", 1: "customer__name"})


def _sentence(findings: list[str]) -> str:
    text = "; ".join(findings)
    return text[:1].upper() + text[1:]


def _stream(queryset: QuerySet, limit: int | None) -> Iterator:
    if limit is not None:
        return iter(queryset[:limit])
    return queryset.iterator(chunk_size=ITERATOR_CHUNK)


def _widest(queryset: QuerySet, columns: dict[int, str | tuple[str, ...]]) -> dict[int, int]:
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


def _widest_values(lines: list[Line]) -> dict[int, int]:
    widths: dict[int, int] = defaultdict(int)
    for line in lines:
        for index, value in enumerate(line.values):
            if isinstance(value, str):
                widths[index] = max(widths[index], len(value))
    return widths


# ---------------------------------------------------------------------------
# Products: AAPT charged, active here, BroadWorks assigned
# ---------------------------------------------------------------------------

PRODUCT_COLUMNS = [
    Column("Product"),
    Column("Element id"),
    Column("Kind"),
    Column("Group"),
    Column("Services"),
    Column("AAPT amount", "money"),
    Column("AAPT quantity", "quantity"),
    Column("Active here", "quantity"),
    Column("BroadWorks", "quantity"),
    Column("AAPT − active", "quantity"),
    Column("BroadWorks − active", "quantity"),
    Column("Finding"),
    Column("Explanation"),
]
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


@dataclass
class _ProductTotals:
    amount: Decimal = ZERO
    charged_unit_days: Decimal | None = ZERO  # None: no unit cost to derive it from
    active_unit_days: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    assigned: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def _product_lines(context: _Context) -> list[Line]:
    products = {p.pk: p for p in FeatureProduct.objects.filter(provider=context.provider)}
    totals: dict[int, _ProductTotals] = defaultdict(_ProductTotals)
    charged = (
        context.charges.filter(context.recurring)
        .values("product_id", "charged_from", "charged_to")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for row in charged:
        product, entry = products[row["product_id"]], totals[row["product_id"]]
        entry.amount += row["total"]
        if entry.charged_unit_days is None or not product.unit_cost:
            entry.charged_unit_days = None
            continue
        share = product.unit_cost * month_fraction(row["charged_from"], row["charged_to"])
        days = context.in_period_days(row["charged_from"], row["charged_to"])
        entry.charged_unit_days += row["total"] / share * days
    features = (
        overlapping_dates(
            ServiceFeature.objects.filter(
                service__provider=context.provider,
                status__in=[ServiceFeatureStatusChoices.ACTIVE, ServiceFeatureStatusChoices.CEASED],
            ).exclude(product__kind=ProductKind.NUMBER_RANGE),
            context.start,
            context.end,
        )
        .only("product_id", "service_id", "quantity", "status", "active_from", "active_to")
        .order_by()
    )
    for feature in features.iterator(chunk_size=ITERATOR_CHUNK):
        days = feature.active_days(context.start, context.end)
        totals[feature.product_id].active_unit_days[feature.service_id] += feature.quantity * days
    if context.report is not None:
        items = (
            BroadWorksItem.objects.filter(report=context.report)
            .values_list("product_id", "group_id", "quantity")
            .order_by()
        )
        for product_id, group_id, quantity in items:
            totals[product_id].assigned[group_id] += quantity
    groups = _service_groups(context)
    lines: list[Line] = []
    for pk in sorted(totals, key=lambda pk: (PRODUCT_KIND_ORDER[products[pk].kind], products[pk].name)):
        lines.extend(_lines_of_product(context, products[pk], totals[pk], groups))
    return lines


def _service_groups(context: _Context) -> dict[int, tuple[str, str]]:
    """(group, service reference) of each of the provider's services: its Group ID
    in the period, or its reference where it has none."""
    references = dict(Service.objects.filter(provider=context.provider).values_list("pk", "reference").order_by())
    group_ids = overlapping_dates(
        ServiceIdentifier.objects.filter(
            service__provider=context.provider, kind=ServiceIdentifierKindChoices.GROUP_ID
        ),
        context.start,
        context.end,
    ).order_by("active_from")
    found = dict(group_ids.values_list("service_id", "value"))
    return {pk: (found.get(pk) or f"(no Group ID) {reference}", reference) for pk, reference in references.items()}


def _average(unit_days: Decimal | int | None, days: int) -> Decimal | None:
    if unit_days is None:
        return None
    return to_cent(Decimal(unit_days) / days)


def _product_finding(charged: Decimal | None, active: Decimal, assigned: Decimal | None) -> str:
    findings = []
    if charged is not None:
        if charged > active:
            findings.append(
                f"Under-billed: AAPT charges for {quantity_text(charged - active)} more than is active here"
            )
        elif charged < active:
            findings.append(
                f"Active here beyond AAPT's charge by {quantity_text(active - charged)}: check AAPT's records"
            )
        if assigned is not None and charged > assigned:
            findings.append(
                f"Paying for unused: AAPT charges for {quantity_text(charged - assigned)} more than BroadWorks assigns"
            )
        elif assigned is not None and charged < assigned:
            findings.append(f"AAPT charges for {quantity_text(assigned - charged)} fewer than BroadWorks assigns")
    return "; ".join(findings)


def _group_finding(active: Decimal, assigned: Decimal | None) -> str:
    if assigned is None or assigned == active:
        return ""
    if assigned > active:
        return f"Under-billed: BroadWorks assigns {quantity_text(assigned - active)} more than is active here"
    return f"Unused: {quantity_text(active - assigned)} active here, not assigned in BroadWorks"


def _lines_of_product(
    context: _Context,
    product: FeatureProduct,
    totals: _ProductTotals,
    groups: dict[int, tuple[str, str]],
) -> Iterator[Line]:
    days = context.period.days
    has_report = context.report is not None
    by_group: dict[str, int] = defaultdict(int)
    services_of: dict[str, list[str]] = defaultdict(list)
    for service_id, unit_days in totals.active_unit_days.items():
        group, reference = groups[service_id]
        by_group[group] += unit_days
        services_of[group].append(reference)
    charged = _average(totals.charged_unit_days, days)
    active = _average(sum(by_group.values()), days)
    assigned = Decimal(sum(totals.assigned.values())) if has_report else None
    finding = _product_finding(charged, active, assigned)
    if totals.amount and charged is None:
        finding = "AAPT's unit cost is 0 in the catalogue: no quantity to compare"
    head = [product.name, product.element_id, product.get_kind_display()]
    yield context.line(
        [
            *head,
            "All groups",
            "",
            cents(totals.amount),
            charged,
            active,
            assigned,
            None if charged is None else charged - active,
            None if assigned is None else assigned - active,
            finding,
        ],
        key=f"product:{product.element_id}",
        differs=bool(finding),
        label=f"{product.name}, all groups",
    )
    for group in sorted(set(by_group) | set(totals.assigned)):
        group_active = _average(by_group.get(group, 0), days)
        group_assigned = Decimal(totals.assigned.get(group, 0)) if has_report else None
        finding = _group_finding(group_active, group_assigned)
        yield context.line(
            [
                *head,
                group,
                ", ".join(sorted(services_of.get(group, []))),
                None,
                None,
                group_active,
                group_assigned,
                None,
                None if group_assigned is None else group_assigned - group_active,
                finding,
            ],
            key=f"product:{product.element_id}:group:{group}",
            differs=bool(finding),
            label=f"{product.name}, group {group}",
        )


# ---------------------------------------------------------------------------
# Summary
# ---------------------------------------------------------------------------


def _summary(context: _Context, products: list[Line]) -> list[SummaryItem]:
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
            f"{report.name}, uploaded {timezone.localtime(report.uploaded_at):%d/%m/%Y} "
            f"by {report.uploaded_by or 'the system'}"
        )
    unmatched_lines = money["unmatched_lines"]
    return [
        SummaryItem("Provider", provider.name),
        SummaryItem("AAPT account", provider.aapt_account),
        SummaryItem(
            "Bill period",
            f"{period.label} ({period.start_date:%d/%m/%Y}–{period.end_date:%d/%m/%Y})",
        ),
        SummaryItem("Produced", timezone.localtime().strftime("%d/%m/%Y %H:%M")),
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
