"""Recurring charges: each service feature, in arrears, pro-rated by day.

    amount = quantity × monthly price × days active in the period ÷ days in the period

half-up to the cent per line (one line per feature row: a quantity change ends
a feature and starts another, so a period holds a row per quantity). The
monthly price is the plan's own price for the product if it has one, else the
product's retail price; AAPT's cost is the catalogue's unit cost on the same
basis. The arithmetic is the rating home's (``provisioning.rating.recurring.prorate``);
this module finds the period's features and their prices."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from providers.models import BillPeriod
from provisioning.choices import ServiceFeatureStatusChoices
from provisioning.models import PlanProductPrice, ServiceFeature
from provisioning.rating.recurring import prorate


@dataclass(frozen=True)
class RecurringCharge:
    """One feature row's charge for a period."""

    feature_id: int
    service_id: int
    customer_id: int
    product_id: int
    product_name: str
    quantity: int
    days: int
    period_days: int
    first_date: datetime.date
    last_date: datetime.date
    monthly_price: Decimal
    amount: Decimal
    aapt_cost: Decimal


def recurring_charges(*, period: BillPeriod) -> list[RecurringCharge]:
    """Every active day of the period's service features at the period's provider,
    priced (in service, product and start order)."""
    start, end = period.start_date, period.end_date
    features = (
        ServiceFeature.objects.filter(
            service__provider_id=period.provider_id,
            status__in=(ServiceFeatureStatusChoices.ACTIVE, ServiceFeatureStatusChoices.CEASED),
            active_from__lte=end,
        )
        .exclude(active_to__lt=start)
        .order_by("service_id", "product__name", "active_from", "pk")
        # Plain values: a month's features are a row each of a large provider's services.
        .values_list(
            "pk",
            "service_id",
            "service__plan_id",
            "service__customer_id",
            "product_id",
            "product__name",
            "product__retail_price",
            "product__unit_cost",
            "quantity",
            "status",
            "active_from",
            "active_to",
        )
    )
    plan_prices = {
        (plan_id, product_id): price
        for plan_id, product_id, price in PlanProductPrice.objects.filter(
            plan__provider_id=period.provider_id
        ).values_list("plan_id", "product_id", "monthly_price")
    }
    charges = []
    for (
        pk,
        service_id,
        plan_id,
        customer_id,
        product_id,
        product_name,
        retail_price,
        unit_cost,
        quantity,
        status,
        active_from,
        active_to,
    ) in features.iterator(chunk_size=5000):
        days = ServiceFeature.days_active(status, active_from, active_to, start, end)
        if days <= 0:
            continue
        monthly = plan_prices.get((plan_id, product_id), retail_price)
        first = max(start, active_from)
        last = min(end, active_to) if active_to else end
        charges.append(
            RecurringCharge(
                feature_id=pk,
                service_id=service_id,
                customer_id=customer_id,
                product_id=product_id,
                product_name=product_name,
                quantity=quantity,
                days=days,
                period_days=period.days,
                first_date=first,
                last_date=last,
                monthly_price=monthly,
                amount=prorate(quantity=quantity, monthly=monthly, days=days, period_days=period.days),
                aapt_cost=prorate(quantity=quantity, monthly=unit_cost, days=days, period_days=period.days),
            )
        )
    return charges
