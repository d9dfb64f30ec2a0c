"""Charts (issue 13): usage per day on the front page, AAPT vs active vs BroadWorks
on the reconciliation; Chart.js from unfold's own static files (no CDN)."""

import datetime
import html
import json
import re
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from tests.factories import ProviderFactory, QuarantinedRecordFactory, ServiceFactory, UsageRecordFactory
from tests.usage.conftest import ingest_sample


def charts(body: str) -> list[dict]:
    return [
        json.loads(html.unescape(value))
        for value in re.findall(r'<canvas class="chart"[^>]*data-value="([^"]*)"', body)
    ]


def test_front_page_charts_calls_charge_and_cost_per_day(client, harbour, harbour_billing):
    ingest_sample(harbour)
    client.force_login(harbour_billing)
    body = client.get(reverse("admin:index")).content.decode()
    assert "/static/unfold/js/chart/chart.js" in body and "cdn" not in body.lower()
    (chart,) = charts(body)
    assert [d["label"] for d in chart["datasets"]] == ["calls", "charge billed ($)", "AAPT cost ($)"]
    assert len(chart["labels"]) == 60 and chart["labels"][-1] == f"{timezone.localdate():%d/%m}"


def test_the_reconciliation_charts_each_product(client, harbour, harbour_billing):
    client.force_login(harbour_billing)
    body = client.get(reverse("admin:usage_reconciliation_detail", args=[harbour.pk, "2026-10"])).content.decode()
    (chart,) = charts(body)
    assert [d["label"] for d in chart["datasets"]] == ["AAPT", "active here", "BroadWorks"]
    assert "Standard User Service Pack" in chart["labels"]


def test_front_page_charts_each_provider_by_name_with_its_own_days(client, superuser):
    zeta = ProviderFactory(name="Zeta Telecom")  # created first: the order follows names, not ids
    alpha = ProviderFactory(name="Alpha Voice")
    today = timezone.localdate()
    for provider, days_ago, calls in ((zeta, 1, 2), (alpha, 0, 1), (alpha, 2, 3)):
        service = ServiceFactory(customer__provider=provider)
        for _ in range(calls):
            started = timezone.now() - datetime.timedelta(days=days_ago)
            UsageRecordFactory(service=service, started_at=started, call_date=today - datetime.timedelta(days=days_ago))
    QuarantinedRecordFactory(provider=alpha, call_date=today, aapt_cost=Decimal("0.500000"))
    client.force_login(superuser)
    body = client.get(reverse("admin:index")).content.decode()
    titles = re.findall(r"<figcaption[^>]*>([^<]*): calls, charge and AAPT cost per day", body)
    assert titles == ["Alpha Voice", "Zeta Telecom"]
    alpha_chart, zeta_chart = charts(body)
    calls, charge, cost = (dataset["data"] for dataset in alpha_chart["datasets"])
    assert calls[-3:] == [3, 0, 2] and charge[-3:] == [0.36, 0, 0.12] and cost[-3:] == [0.3, 0, 0.6]
    assert zeta_chart["datasets"][0]["data"][-3:] == [0, 2, 0]
