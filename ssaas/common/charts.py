"""Charts for unfold's chart component (Chart.js, shipped in django-unfold's static
files: no CDN). Each function returns ``{"data": json, "options": json}`` for a
``<canvas class="chart">``."""

from __future__ import annotations

import datetime
import json

from django.utils import timezone

from .formats import as_decimal

CALLS = "#7c3aed"
CHARGE = "#16a34a"
COST = "#dc2626"
BROADWORKS = "#2563eb"


def _cents(value) -> float:
    return float(round(as_decimal(value) or 0, 2))


def _options(*, money_axis: bool) -> str:
    scales = {
        "x": {"grid": {"display": False}},
        "y": {"beginAtZero": True, "position": "left", "title": {"display": True, "text": "calls"}},
    }
    if money_axis:
        scales["y1"] = {
            "beginAtZero": True,
            "position": "right",
            "grid": {"drawOnChartArea": False},
            "title": {"display": True, "text": "dollars"},
        }
    return json.dumps(
        {
            "responsive": True,
            "maintainAspectRatio": False,
            "plugins": {"legend": {"display": True, "position": "bottom"}},
            "scales": scales,
        }
    )


def usage_charts(per_provider: dict[int, dict], *, days: int = 60, today: datetime.date | None = None) -> list[dict]:
    """Calls (bars) with the charge billed and AAPT's cost beside (lines), per day, one
    chart per provider (from usage.attention.usage_per_day)."""
    today = today or timezone.localdate()
    dates = [today - datetime.timedelta(days=n) for n in range(days - 1, -1, -1)]
    charts = []
    for entry in per_provider.values():
        values = [entry["days"].get(day, (0, 0, 0)) for day in dates]
        data = {
            "labels": [f"{day:%d/%m}" for day in dates],
            "datasets": [
                {"label": "calls", "data": [v[0] for v in values], "backgroundColor": CALLS, "yAxisID": "y"},
                {
                    "type": "line",
                    "label": "charge billed ($)",
                    "data": [_cents(v[1]) for v in values],
                    "borderColor": CHARGE,
                    "backgroundColor": CHARGE,
                    "yAxisID": "y1",
                },
                {
                    "type": "line",
                    "label": "AAPT cost ($)",
                    "data": [_cents(v[2]) for v in values],
                    "borderColor": COST,
                    "backgroundColor": COST,
                    "yAxisID": "y1",
                },
            ],
        }
        charts.append(
            {
                "title": f"{entry['name']}: calls, charge and AAPT cost per day, last {days} days",
                "data": json.dumps(data),
                "options": _options(money_axis=True),
            }
        )
    return charts


def reconciliation_chart(products) -> dict | None:
    """AAPT's quantity, what is active here and what BroadWorks assigns, per product
    (the product section's "All groups" lines)."""
    header = [column.header for column in products.columns]
    at = {name: header.index(name) for name in ("Product", "Group", "AAPT quantity", "Active here", "BroadWorks")}
    lines = [line.values for line in products.lines() if line.values[at["Group"]] == "All groups"]
    if not lines:
        return None

    def number(value) -> float:
        return float(value or 0)

    data = {
        "labels": [values[at["Product"]] for values in lines],
        "datasets": [
            {"label": "AAPT", "data": [number(v[at["AAPT quantity"]]) for v in lines], "backgroundColor": COST},
            {"label": "active here", "data": [number(v[at["Active here"]]) for v in lines], "backgroundColor": CHARGE},
            {
                "label": "BroadWorks",
                "data": [number(v[at["BroadWorks"]]) for v in lines],
                "backgroundColor": BROADWORKS,
            },
        ],
    }
    options = json.loads(_options(money_axis=False))
    options["scales"]["y"]["title"]["text"] = "quantity"
    return {
        "title": "AAPT vs active vs BroadWorks, per product",
        "data": json.dumps(data),
        "options": json.dumps(options),
    }
