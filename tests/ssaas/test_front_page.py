"""The front page per role (issue 13): counts that link to pages the user can open."""

import datetime
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from provisioning.choices import OrderKindChoices as Kind
from tests.factories import BillPeriodFactory, CarrierFileFactory
from tests.provisioning.conftest import *  # noqa: F403 - the order fixtures (submit, …)


def cards(body: str) -> dict[str, tuple[str, str]]:
    """label -> (value, link) of each item on the front page."""
    found = re.findall(
        r'<a class="front-card[^"]*" href="([^"]*)">\s*<span class="front-value">([^<]*)</span>\s*'
        r'<span class="front-label">([^<]*)</span>',
        body,
    )
    return {label.strip(): (value.strip(), href.replace("&amp;", "&")) for href, value, label in found}


@pytest.fixture
def front(client):
    def get(user) -> dict[str, tuple[str, str]]:
        client.force_login(user)
        response = client.get(reverse("admin:index"))
        assert response.status_code == 200
        return cards(response.content.decode())

    return get


def every_link_opens(client, items) -> None:
    for label, (_, url) in items.items():
        assert client.get(url).status_code == 200, f"{label}: {url}"


def test_provisioning_sees_the_queue_in_numbers(front, client, submit, harbour_provisioning):
    submit(Kind.NEW)
    items = front(harbour_provisioning)
    assert items["Orders submitted, nobody on them"][0] == "1"
    assert items["Open orders assigned to me"][0] == "0"
    assert items["Orders halted"][0] == "0"
    assert "Oldest open order" in items
    assert not any(label.startswith(("Quarantine", "Files", "Reconciliation")) for label in items)
    every_link_opens(client, items)


def this_month(provider) -> str:
    return f"{provider.local_date(timezone.now()):%Y-%m}"


def test_billing_sees_features_quarantine_files_and_periods(front, client, harbour_billing, harbour):
    BillPeriodFactory(provider=harbour, month=this_month(harbour))
    items = front(harbour_billing)
    for label in (
        "Features requested, not yet active",
        "COCE exceptions",
        "Files processing",
        f"Files stuck (processing over {settings.STUCK_FILE_MINUTES} minutes)",
        "Files failed",
        "Files rejected",
        "Bill periods ended, still open",
    ):
        assert label in items, label
    assert any(label.startswith("Reconciliation differences, Harbour Voice") for label in items)
    assert "Orders submitted, nobody on them" not in items
    every_link_opens(client, items)


def test_provider_administrators_see_each_providers_files(front, client, harbour_admin, southern):
    items = front(harbour_admin)
    assert items["Harbour Voice: last CTOP file"][0] == "none yet"
    assert "Sequence gaps" in items
    assert "Southern Wholesale: last CTOP file" not in items
    every_link_opens(client, items)


def test_a_superuser_sees_every_section(front, client, superuser, harbour, southern, coastal):
    items = front(superuser)
    assert "Orders halted" in items and "COCE exceptions" in items and "Background tasks failed" in items
    assert "Southern Wholesale: last CTOP file" in items
    every_link_opens(client, items)


def reconciliation_items(items) -> dict[str, tuple[str, str]]:
    return {label: item for label, item in items.items() if label.startswith("Reconciliation differences")}


def test_a_month_with_no_bill_period_and_no_coce_has_no_reconciliation_differences(front, harbour_billing, harbour):
    # Harbour Voice has active features but neither a bill period nor AAPT's charges
    # for this month: there is nothing to reconcile, so no differences to count.
    assert reconciliation_items(front(harbour_billing)) == {}


def test_a_month_with_coce_charges_is_reconciled_without_a_bill_period(front, client, harbour_billing, harbour):
    from tests.usage.coce.helpers import coce_writer, ingest_coce

    provider_today = harbour.local_date(timezone.now())
    first = provider_today.replace(day=1)
    writer = coce_writer(harbour)
    writer.charge(start=f"{first:%Y%m%d}000000", end=f"{provider_today:%Y%m%d}000000")
    ingest_coce(harbour, writer)
    items = reconciliation_items(front(harbour_billing))
    assert list(items) == [f"Reconciliation differences, Harbour Voice {first:%B %Y}"]
    every_link_opens(client, items)


def test_files_stuck_links_to_exactly_the_stuck_files(front, client, harbour_billing, harbour):
    long_ago = timezone.now() - datetime.timedelta(minutes=settings.STUCK_FILE_MINUTES + 5)
    stuck = CarrierFileFactory(provider=harbour, status="processing", processing_since=long_ago)
    working = CarrierFileFactory(provider=harbour, status="processing", processing_since=timezone.now())
    CarrierFileFactory(provider=harbour)  # processed
    items = front(harbour_billing)
    count, url = items[f"Files stuck (processing over {settings.STUCK_FILE_MINUTES} minutes)"]
    assert count == "1"
    listed = client.get(url).context["cl"].result_list
    assert [f.pk for f in listed] == [stuck.pk]
    count, url = items["Files processing"]
    assert count == "2"
    assert {f.pk for f in client.get(url).context["cl"].result_list} == {stuck.pk, working.pk}
