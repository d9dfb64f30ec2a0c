"""The recurring products, Service Packs, SIP Sessions and the others: per
product, then per BroadWorks group, what AAPT charged, what is active here
(pro-rated by days) and what BroadWorks assigns."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum

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
from usage.broadworks.models import BroadWorksItem
from usage.reconciliation.report.base import (
    ITERATOR_CHUNK,
    ZERO,
    Column,
    Context,
    Line,
    Section,
    cents,
    quantity_text,
)

PRODUCT_KIND_ORDER = {ProductKind.SERVICE_PACK: 0, ProductKind.SIP_SESSION: 1, ProductKind.OTHER: 2}
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


def products_section(products: list[Line]) -> Section:
    """The section of the products' lines, made ahead (:func:`product_lines`)."""
    return Section(
        "Products",
        "Service Packs, SIP Sessions and other recurring products",
        PRODUCT_COLUMNS,
        lambda limit: iter(products[:limit]),
        measure=lambda: _widest_values(products),
        intro="Per product, then per BroadWorks group: AAPT's charge, what is active "
        "here (pro-rated by days) and what BroadWorks assigns.",
    )


def _widest_values(lines: list[Line]) -> dict[int, int]:
    widths: dict[int, int] = defaultdict(int)
    for line in lines:
        for index, value in enumerate(line.values):
            if isinstance(value, str):
                widths[index] = max(widths[index], len(value))
    return widths


@dataclass
class _ProductTotals:
    amount: Decimal = ZERO
    charged_unit_days: Decimal | None = ZERO  # None: no unit cost to derive it from
    active_unit_days: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    assigned: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def product_lines(context: Context) -> list[Line]:
    """Each product's line, then its groups' (the section's lines, and the front
    page's count of differences)."""
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


def _service_groups(context: Context) -> dict[int, tuple[str, str]]:
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
    context: Context,
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
