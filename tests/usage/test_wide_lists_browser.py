"""Issue 13, defect 12: at 1440 px with the sidebar open the charge, AAPT cost and
outcome columns were cut off on the usage records, carrier files, quarantine, COCE
files and other charges lists, and the reconciliation page was 1572 px wide.

Each page is opened in Chromium at 1440 px with rows as wide as real ones get (large
amounts, full-precision AAPT costs, long identifiers and file names): the document
is no wider than the window and every column's right edge is inside it (on the
reconciliation page, in each of its tables). Long values are cut with an ellipsis,
the whole value in the cell's tooltip (``title``)."""

import datetime
from decimal import Decimal

import pytest

from tests.browser import WIDTH, browser, logged_in, new_page  # noqa: F401 - the browser fixture
from tests.factories import CarrierFileFactory, QuarantinedRecordFactory, UsageRecordFactory
from tests.ssaas import admin_world

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

LISTS = [
    "/admin/usage/usagerecord/",
    "/admin/usage/carrierfile/",
    "/admin/usage/quarantinedrecord/",
    "/admin/usage/cocefile/",
    "/admin/usage/othercharge/",
    "/admin/usage/otherchargeexception/",
]
LAYOUT = """() => {
  const sidebar = document.querySelector("#nav-sidebar");
  const headers = [...document.querySelectorAll("#content table thead th")].filter((th) => th.offsetParent);
  const last = headers[headers.length - 1];
  // Every table's columns, not only the last one's: the widest right edge of any header.
  const right = (th) => th.getBoundingClientRect().right;
  const widest = headers.reduce((a, b) => (right(b) > right(a) ? b : a), last);
  return {
    width: document.documentElement.scrollWidth,
    sidebarOpen: !!sidebar && sidebar.getBoundingClientRect().width > 0,
    lastColumn: last ? last.textContent.trim() : null,
    lastRight: last ? last.getBoundingClientRect().right : null,
    widestColumn: widest ? widest.textContent.trim() : null,
    widestRight: widest ? widest.getBoundingClientRect().right : null,
  };
}"""


def wide_rows(world) -> None:
    harbour = world.harbour
    big = datetime.datetime(2026, 11, 30, 23, 59, 59, tzinfo=datetime.timezone(datetime.timedelta(hours=11)))
    wide_file = CarrierFileFactory(
        provider=harbour.provider, sequence=999_999, name="CTOP_1234567_999999_20261130235959.txt.gz", size=987_654_321
    )
    for n in range(3):
        UsageRecordFactory(
            service=harbour.acme_service,
            carrier_file=wide_file,
            started_at=big,
            origin="+61290001099",
            target="+4420712345678901",
            identifier="0290001000-0290001099",
            username="reception.harbourside.dental.long",
            group_id="ACMEPTYLTD",
            charge=Decimal("123456.78"),
            aapt_cost=Decimal("98765.432199"),
            duration_seconds=86_399,
            billed_seconds=86_400,
        )
        QuarantinedRecordFactory(
            provider=harbour.provider,
            carrier_file=wide_file,
            started_at=big,
            target="+4420712345678901",
            identifier=f"UNKNOWNGROUPWITHAVERYLONGNAME{n}",
            group_id=f"UNKNOWNGROUPWITHAVERYLONGNAME{n}",
            aapt_cost=Decimal("98765.432199"),
        )


def test_usage_lists_and_reconciliation_fit_1440_px_with_the_sidebar_open(live_server, browser):  # noqa: F811
    world = admin_world.build()
    wide_rows(world)
    context = logged_in(browser, live_server.url, world.superuser, viewport={"width": WIDTH, "height": 900})
    page = new_page(context)
    problems = []
    pages = [*LISTS, f"/admin/usage/reconciliation/{world.harbour.provider.pk}/2026-10/"]
    for url in pages:
        response = page.goto(live_server.url + url, wait_until="load")
        assert response.status == 200, url
        layout = page.evaluate(LAYOUT)
        assert layout["sidebarOpen"], url
        assert layout["lastColumn"] is not None, f"no table on {url}"
        if layout["width"] > WIDTH:
            problems.append(f"{url}: {layout['width']} px wide")
        if layout["lastRight"] > WIDTH:
            problems.append(f"{url}: last column {layout['lastColumn']!r} ends at {layout['lastRight']:.0f} px")
        elif layout["widestRight"] > WIDTH:
            problems.append(f"{url}: column {layout['widestColumn']!r} ends at {layout['widestRight']:.0f} px")
    context.close()
    assert problems == [], "\n".join(problems)
