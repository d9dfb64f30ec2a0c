"""A superuser's crawl of every admin page (tests/ssaas/crawl/crawler.py, issue 13),
with an autocomplete opened and searched."""

import pytest
from django.urls import reverse

from provisioning.models import Service

from .crawler import crawl, pictures

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def autocomplete_opened(world):
    """The autocomplete (select2) opened and searched: the script and styles it
    injects pass the Content-Security-Policy too."""

    def take(page, base, check_page):
        service = Service.objects.filter(provider=world.harbour.provider).first()
        page.goto(base + reverse("admin:provisioning_service_change", args=[service.pk]))
        page.locator(".select2-selection").first.click()
        page.keyboard.type("a")
        page.wait_for_selector(".select2-results__option")
        check_page("a service's autocomplete, opened and searched")

    return take


def test_every_page_a_superuser_reaches(live_server, browser, world):
    result = crawl(browser, live_server.url, world.superuser, "superuser", autocomplete_opened(world))

    assert result.problems == []
    assert len(result.opened) > 5
    assert any(u.startswith("/admin/auth/user/") for u in result.reached)
    assert any(u.startswith("/admin/usage/quarantinedrecord/groups/") for u in result.reached)
    assert (pictures() / "front-superuser.png").stat().st_size > 10_000
