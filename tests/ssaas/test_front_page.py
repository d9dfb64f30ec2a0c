"""The front page per role (issue 13): counts that link to pages the user can open."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from provisioning.choices import OrderKindChoices as Kind
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


def test_billing_sees_features_quarantine_files_and_periods(front, client, harbour_billing):
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
