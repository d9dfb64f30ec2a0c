"""The quarantine's groups and totals, read from the quarantine's own index: the
same groups, figures and order as grouping the records themselves."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.factories import ProviderFactory, QuarantinedRecordFactory
from tests.html_tables import table_rows
from usage.ctop.choices import UsageRecordReasonChoices


@pytest.fixture
def two_quarantines(db):
    # Zeta is created first (lower id): the order follows names, not ids.
    zeta = ProviderFactory(name="Zeta Telecom")
    alpha = ProviderFactory(name="Alpha Voice")
    day = datetime.date(2026, 11, 2)
    for provider, identifier, count in ((zeta, "ZB", 2), (zeta, "ZA", 1), (alpha, "AC", 2), (alpha, "AD", 3)):
        for n in range(count):
            QuarantinedRecordFactory(
                provider=provider,
                identifier=identifier,
                group_id=identifier,
                call_date=day + datetime.timedelta(days=n),
                aapt_cost=Decimal("0.250000"),
            )
    return zeta, alpha


def _rows(body: str) -> list[tuple[str, str, str]]:
    """(provider, identifier, records) of each group, top to bottom."""
    header, *rows = table_rows(body, "result_list") or [[]]
    columns = [header.index(name) for name in ("Provider", "Identifier", "Records")] if rows else []
    return [tuple(row[i] for i in columns) for row in rows]


def test_groups_come_largest_first_then_by_provider_name_then_identifier(client, superuser, two_quarantines):
    client.force_login(superuser)
    body = client.get(reverse("admin:usage_quarantinedrecord_groups")).content.decode()
    assert _rows(body) == [
        ("Alpha Voice", "AD", "3"),
        ("Alpha Voice", "AC", "2"),
        ("Zeta Telecom", "ZB", "2"),
        ("Zeta Telecom", "ZA", "1"),
    ]
    assert "02/11/2026 – 04/11/2026" in body  # AD's first and last call dates
    assert "(4 groups)" in body


def test_groups_of_one_provider_and_reason(client, superuser, two_quarantines):
    zeta, _ = two_quarantines
    client.force_login(superuser)
    url = reverse("admin:usage_quarantinedrecord_groups")
    body = client.get(url, {"provider": zeta.pk, "reason": UsageRecordReasonChoices.NON_EXISTENT_SERVICE}).content
    assert _rows(body.decode()) == [("Zeta Telecom", "ZB", "2"), ("Zeta Telecom", "ZA", "1")]
    assert _rows(client.get(url, {"reason": UsageRecordReasonChoices.NO_PRICE}).content.decode()) == []


def test_front_page_totals_the_quarantine_per_reason(client, superuser, two_quarantines):
    client.force_login(superuser)
    body = client.get(reverse("admin:index")).content.decode()
    card = re.search(
        r'<span class="front-value">(\d+)</span>\s*<span class="front-label">Quarantine: Non-existent service</span>'
        r'\s*<span class="front-detail">([^<]*)</span>',
        body,
    )
    assert card is not None
    assert card.groups() == ("8", "$2.00 of AAPT cost at stake")
