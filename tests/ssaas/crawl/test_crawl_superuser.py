"""A superuser's crawl of every admin page (tests/ssaas/crawl/crawler.py, issue 13)."""

import pytest

from .crawler import crawl, pictures

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_every_page_a_superuser_reaches(live_server, browser, world):
    result = crawl(browser, live_server.url, world.superuser, "superuser")

    assert result.problems == []
    assert len(result.opened) > 5
    assert any(u.startswith("/admin/auth/user/") for u in result.reached)
    assert any(u.startswith("/admin/usage/quarantinedrecord/groups/") for u in result.reached)
    assert (pictures() / "front-superuser.png").stat().st_size > 10_000
