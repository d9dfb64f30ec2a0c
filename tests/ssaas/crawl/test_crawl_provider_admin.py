"""A provider administrator's crawl of every admin page they reach
(tests/ssaas/crawl/crawler.py, issue 13)."""

import pytest

from .crawler import crawl

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_every_page_a_provider_administrator_reaches(live_server, browser, world):
    result = crawl(browser, live_server.url, world.provider_admin, "provider-admin")

    assert result.problems == []
    assert len(result.opened) > 5
    # The provider's set-up, not its calls.
    assert any(u.startswith("/admin/providers/provider/") for u in result.opened)
    assert not any("quarantinedrecord" in u or "usagerecord" in u for u in result.reached)
