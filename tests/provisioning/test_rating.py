from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from provisioning.choices import PlanRateCategoryChoices
from provisioning.models import PlanRate
from provisioning.rating.calls import billed_seconds, price_call


@pytest.mark.parametrize(
    ("seconds", "initial", "subsequent", "billed"),
    [
        (1, 60, 30, 60),
        (60, 60, 30, 60),
        (61, 60, 30, 90),
        (95, 60, 30, 120),
        (59, 1, 1, 59),
        (0, 60, 30, 0),
    ],
)
def test_billed_seconds(seconds, initial, subsequent, billed):
    assert billed_seconds(seconds, initial, subsequent) == billed


def price(seconds, flagfall="0", rate="0", untimed=False, inc=(60, 30)):
    return price_call(
        seconds=seconds,
        flagfall=Decimal(flagfall),
        rate_per_minute=Decimal(rate),
        untimed=untimed,
        initial=inc[0],
        subsequent=inc[1],
    )


def test_sample_prices():
    assert price(95, rate="0.12") == Decimal("0.24")
    assert price(-95, rate="0.12") == Decimal("-0.24")
    assert price(61, rate="0.50", inc=(60, 60)) == Decimal("1.00")
    assert price(75, rate="0.10", inc=(1, 1)) == Decimal("0.13")  # 0.125 half-up
    assert price(59, rate="0.10", inc=(1, 1)) == Decimal("0.10")
    assert price(3600, flagfall="0.10", untimed=True) == Decimal("0.10")


def test_half_up_not_bankers():
    # 0.005 rounds up, not to even.
    assert price(3, rate="0.10", inc=(1, 1)) == Decimal("0.01")


def test_timed_rate_needs_increments(db, harbour):
    plan = harbour.plans.get()
    rate = PlanRate(plan=plan, category=PlanRateCategoryChoices.PREMIUM, rate_per_minute=Decimal("1"))
    with pytest.raises(ValidationError) as exc:
        rate.full_clean()
    assert "initial_increment" in exc.value.message_dict
