"""The Content-Security-Policy (django-csp, settings CONTENT_SECURITY_POLICY) where
the page is used, not only opened: the grouped quarantine's write-off asks first
without an inline handler. Every page each role reaches is checked for violations
by the crawl (tests/ssaas/crawl/), the autocomplete opened and searched included."""

import pytest
from django.urls import reverse

from tests import setups
from tests.browser import RECORD_VIOLATIONS, browser, logged_in, new_page  # noqa: F401 - the fixture
from tests.factories import SuperuserFactory
from tests.ssaas import admin_world
from usage.ctop.models import UsageRecord

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def csp_page(browser, live_server, user):  # noqa: F811
    """A page recording CSP violations, and ``visit(path)`` returning those of ``path``."""
    context = logged_in(browser, live_server.url, user)
    context.add_init_script(RECORD_VIOLATIONS)
    page = new_page(context)

    def visit(path):
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        assert "default-src 'self'" in (response.headers.get("content-security-policy") or ""), path
        page.wait_for_load_state("networkidle")
        return [f"{path}: {v}" for v in page.evaluate("window.__csp")]

    return page, visit


def test_write_off_on_the_grouped_quarantine_asks_first_and_cancel_writes_nothing(browser, live_server):  # noqa: F811
    """The confirmation is the browser's dialog (ssaas/js/confirm.js, data-confirm):
    dismissed, nothing is written off and no violation is raised; accepted, the
    selected group is written off."""
    harbour = setups.harbour_voice()
    admin_world.take_sample(harbour.provider, admin_world.SAMPLE_CTOP["harbour"])  # a quarantined record
    page, visit = csp_page(browser, live_server, SuperuserFactory())
    quarantined = UsageRecord.objects.filter(status="quarantined")
    before = quarantined.count()
    assert before > 0
    assert visit(reverse("admin:usage_quarantinedrecord_groups")) == []

    asked = []

    def answer(accept):
        def handle(dialog):
            asked.append((dialog.type, dialog.message))
            dialog.accept() if accept else dialog.dismiss()

        return handle

    page.locator("input[name=group]").first.check()
    page.fill("textarea[name=reason]", "AAPT test calls")
    page.once("dialog", answer(accept=False))
    page.get_by_role("button", name="Write off").click()
    page.wait_for_load_state("networkidle")
    assert asked == [("confirm", "Write off every record of the selected groups? They will never be billed.")]
    assert quarantined.count() == before
    assert not UsageRecord.objects.filter(status="written_off").exists()
    assert page.evaluate("window.__csp") == []

    page.once("dialog", answer(accept=True))
    with page.expect_navigation():
        page.get_by_role("button", name="Write off").click()
    assert len(asked) == 2
    assert "record(s) written off" in page.content()
    assert UsageRecord.objects.filter(status="written_off", resolution_note="AAPT test calls").exists()
    assert quarantined.count() < before
