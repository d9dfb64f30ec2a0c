"""Provisioning staff's crawl of every admin page they reach
(tests/ssaas/crawl/crawler.py, issue 13), and the README's picture of the queue."""

import pytest

from .crawler import crawl, pictures

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def queue_picture(page, base, check_page):
    page.goto(f"{base}/admin/provisioning/order/")
    page.wait_for_selector("#result_list")
    page.screenshot(path=str(pictures() / "queue.png"))


def test_every_page_provisioning_staff_reach(live_server, browser, world):
    result = crawl(browser, live_server.url, world.provisioning, "provisioning", queue_picture)

    assert result.problems == []
    assert len(result.opened) > 5
    # Their own work, and not billing's.
    assert any(u.startswith("/admin/provisioning/order/") for u in result.opened)
    assert not any(u.startswith("/admin/usage/") for u in result.reached)
    assert (pictures() / "queue.png").stat().st_size > 10_000
