"""Recurring charges: quantity × monthly price × days active ÷ days in the period,
half-up to the cent per line, with AAPT's cost on the same basis."""

import datetime
from decimal import Decimal

import pytest

from providers.models import BillPeriod
from provisioning.actions import features
from provisioning.models import FeatureProduct, PlanProductPrice, ServiceFeature
from provisioning.rating.recurring import prorate
from tests.setups import day
from tests.usage.billing.helpers import PRICES, set_prices
from usage.billing.pricing import recurring_charges
from usage.billing.selectors import billed_minutes


@pytest.fixture
def priced(harbour):
    """Retail prices: Standard pack 10.00, Premium 20.00, SIP Session 15.00 a month."""
    set_prices(harbour)
    return PRICES


def period(harbour, start: str, end: str) -> BillPeriod:
    found = BillPeriod.objects.filter(provider=harbour, start_date=day(start)).first()
    return found or BillPeriod.objects.create(provider=harbour, start_date=day(start), end_date=day(end))


def lines(harbour, start: str, end: str) -> list[tuple]:
    return [
        (c.product_name, c.quantity, c.days, c.amount, c.aapt_cost)
        for c in recurring_charges(period=period(harbour, start, end))
    ]


def test_prorate_rounds_half_up_once_per_line():
    assert prorate(quantity=1, monthly=Decimal("10.00"), days=15, period_days=30) == Decimal("5.00")
    # 3 × 15.00 × 1 ÷ 31 = 1.4516… → 1.45; 1 × 0.05 × 15 ÷ 30 = 0.025 → 0.03 (half-up)
    assert prorate(quantity=3, monthly=Decimal("15.00"), days=1, period_days=31) == Decimal("1.45")
    assert prorate(quantity=1, monthly=Decimal("0.05"), days=15, period_days=30) == Decimal("0.03")


@pytest.mark.django_db
def test_a_whole_31_day_month(harbour, priced):
    assert lines(harbour, "2026-10-01", "2026-10-31") == [
        ("Premium User Service Pack", 2, 31, Decimal("40.00"), Decimal("18.00")),
        ("Standard User Service Pack", 12, 31, Decimal("120.00"), Decimal("54.00")),
        ("SIP Session", 3, 31, Decimal("45.00"), Decimal("18.00")),
    ]


@pytest.mark.django_db
def test_mid_period_start_in_a_30_day_month(harbour, priced, acme_service, harbour_billing):
    ServiceFeature.objects.exclude(service=acme_service).delete()
    ServiceFeature.objects.filter(service=acme_service).delete()
    sip = FeatureProduct.objects.get(provider=harbour, element_id="502001")
    features.service_feature_add(
        service=acme_service, product=sip, quantity=2, active_from=day("2026-11-16"), acting_user=harbour_billing
    )
    # 2 × 15.00 × 15 ÷ 30 = 15.00; cost 2 × 6.00 × 15 ÷ 30 = 6.00
    assert lines(harbour, "2026-11-01", "2026-11-30") == [("SIP Session", 2, 15, Decimal("15.00"), Decimal("6.00"))]


@pytest.mark.django_db
def test_mid_period_end(harbour, priced, acme_service, harbour_billing):
    ServiceFeature.objects.exclude(product__element_id="502001").delete()
    sip = ServiceFeature.objects.get(product__element_id="502001")
    features.service_feature_cease(feature=sip, active_to=day("2026-10-10"), acting_user=harbour_billing)
    # 3 × 15.00 × 10 ÷ 31 = 14.516… → 14.52; cost 3 × 6.00 × 10 ÷ 31 = 5.806… → 5.81
    assert lines(harbour, "2026-10-01", "2026-10-31") == [("SIP Session", 3, 10, Decimal("14.52"), Decimal("5.81"))]
    assert lines(harbour, "2026-11-01", "2026-11-30") == []


@pytest.mark.django_db
def test_quantity_change_mid_period_is_two_lines(harbour, priced, acme_service, harbour_billing):
    ServiceFeature.objects.exclude(product__element_id="501001").delete()
    packs = ServiceFeature.objects.get(product__element_id="501001")
    features.service_feature_change_quantity(
        feature=packs, quantity=10, effective_from=day("2026-10-21"), acting_user=harbour_billing
    )
    # 12 × 10.00 × 20 ÷ 31 = 77.419… → 77.42; 10 × 10.00 × 11 ÷ 31 = 35.483… → 35.48
    assert lines(harbour, "2026-10-01", "2026-10-31") == [
        ("Standard User Service Pack", 12, 20, Decimal("77.42"), Decimal("34.84")),
        ("Standard User Service Pack", 10, 11, Decimal("35.48"), Decimal("15.97")),
    ]


@pytest.mark.django_db
def test_the_plans_own_price_wins(harbour, priced, acme_service):
    ServiceFeature.objects.exclude(product__element_id="502001").delete()
    sip = FeatureProduct.objects.get(provider=harbour, element_id="502001")
    PlanProductPrice.objects.create(plan=acme_service.plan, product=sip, monthly_price=Decimal("12.00"))
    assert lines(harbour, "2026-10-01", "2026-10-31") == [("SIP Session", 3, 31, Decimal("36.00"), Decimal("18.00"))]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "end", "amount"),
    [
        # 1 × 10.00 × 10 days ÷ days in the period
        ("2027-02-01", "2027-02-28", Decimal("3.57")),  # 28 days: 3.5714…
        ("2026-11-01", "2026-11-30", Decimal("3.33")),  # 30 days: 3.3333…
        ("2026-12-01", "2026-12-31", Decimal("3.23")),  # 31 days: 3.2258…
    ],
)
def test_28_30_and_31_day_periods(harbour, priced, acme_service, harbour_billing, start, end, amount):
    ServiceFeature.objects.all().delete()
    standard = FeatureProduct.objects.get(provider=harbour, element_id="501001")
    first = day(start)
    feature = features.service_feature_add(
        service=acme_service, product=standard, quantity=1, active_from=first, acting_user=harbour_billing
    )
    features.service_feature_cease(
        feature=feature, active_to=first + datetime.timedelta(days=9), acting_user=harbour_billing
    )
    [line] = lines(harbour, start, end)
    assert line[2:4] == (10, amount)


def test_billed_minutes_read_as_the_decimal_they_stand_for():
    """A line's "n billed min" is the seconds over 60 to one decimal, halves to
    even, as Decimal formats it: checked for every second count up to ten hours."""
    assert [billed_minutes(s) for s in (0, 3, 9, 30, 33, 90, 3600)] == [
        "0.0",
        "0.0",
        "0.2",
        "0.5",
        "0.6",
        "1.5",
        "60.0",
    ]
    assert all(billed_minutes(s) == f"{Decimal(s) / 60:.1f}" for s in range(36_001))
