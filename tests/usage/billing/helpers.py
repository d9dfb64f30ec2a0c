"""Helpers for the bill run tests: usage through the real pipeline, prices."""

import datetime
import itertools
from decimal import Decimal

from providers.models import BillPeriod
from provisioning.models import FeatureProduct, Service
from tests.usage.conftest import ingest_text
from usage.billing.services import adjustment_add

_sequence = itertools.count(10)
PRICES = {"501001": "10.00", "501002": "20.00", "502001": "15.00"}


def set_prices(provider) -> None:
    for element_id, price in PRICES.items():
        FeatureProduct.objects.filter(provider=provider, element_id=element_id).update(retail_price=Decimal(price))


def add_calls(provider, writer, calls) -> None:
    """``calls``: (record id, "YYYYMMDDhhmmss" local, Group ID, number called, seconds)."""
    sequence = next(_sequence)
    w = writer(provider, sequence=sequence)
    for record_id, when, group, target, seconds in calls:
        w.call(record_id=record_id, when=when, special2=group, target=target, seconds=seconds)
    ingest_text(provider, f"CTOP_{provider.aapt_account}_{sequence:06d}_20261201013000.txt", w.text())


def period(provider, month: str) -> BillPeriod:
    start = datetime.date.fromisoformat(f"{month}-01")
    return BillPeriod.objects.get(provider=provider, start_date=start)


def outage_credit(acting_user):
    """Acme's (HV-1001) 5.00 outage credit on 15 October 2026."""
    return adjustment_add(
        service=Service.objects.get(reference="HV-1001"),
        date=datetime.date(2026, 10, 15),
        amount=Decimal("-5.00"),
        reason="Outage credit",
        acting_user=acting_user,
    )
