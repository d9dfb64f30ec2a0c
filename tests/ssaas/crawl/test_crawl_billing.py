"""Billing staff's crawl of every admin page they reach (tests/ssaas/crawl/crawler.py,
issue 13), and the README's pictures of a file being processed and of the
reconciliation."""

import pytest

from usage.carrier_files.models import CarrierFile

from .crawler import crawl, pictures

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def billing_pictures(world):
    """In billing's session: a file being processed, then done; the reconciliation;
    the bill run preview."""

    def take(page, base, check_page):
        busy = world.busy
        page.goto(f"{base}/admin/usage/carrierfile/{busy.pk}/change/")
        assert page.locator("#file-progress-bar").get_attribute("value") == "60"
        check_page("a carrier file being processed")
        page.screenshot(path=str(pictures() / "file-processing.png"))
        # The page follows the worker: once the file is done it shows the outcome.
        CarrierFile.objects.filter(pk=busy.pk).update(status="processed")
        page.wait_for_selector("#file-progress[data-running='0']", timeout=10_000)
        page.goto(f"{base}/admin/usage/reconciliation/{world.harbour.provider.pk}/2026-10/")
        page.wait_for_selector("#reconciliation-chart canvas")
        check_page("October's reconciliation")
        page.screenshot(path=str(pictures() / "reconciliation.png"), full_page=True)
        # The page a billing person signs off: October's bill run before its close.
        page.goto(f"{base}/admin/usage/billrun/period/{world.harbour.periods['2026-10'].pk}/")
        page.wait_for_selector("#close-form")
        check_page("October's bill run preview")
        page.screenshot(path=str(pictures() / "bill-run-preview.png"), full_page=True)

    return take


def test_every_page_billing_staff_reach(live_server, browser, world):
    result = crawl(browser, live_server.url, world.billing, "billing", billing_pictures(world))

    assert result.problems == []
    assert len(result.opened) > 5
    # The grouped quarantine, with groups to write off (its confirmation once broke the policy).
    assert any(u.startswith("/admin/usage/quarantinedrecord/groups/") for u in result.opened)
    for name in ("front-billing", "file-processing", "reconciliation", "bill-run-preview"):
        assert (pictures() / f"{name}.png").stat().st_size > 10_000, name
