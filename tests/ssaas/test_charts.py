"""Charts (issue 13): usage per day on the front page, AAPT vs active vs BroadWorks
on the reconciliation; Chart.js from unfold's own static files (no CDN)."""

import html
import json
import re

from django.urls import reverse
from django.utils import timezone

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
