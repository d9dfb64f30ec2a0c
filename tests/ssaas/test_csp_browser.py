"""The admin's pages pass the Content-Security-Policy (django-csp, settings
CONTENT_SECURITY_POLICY): Chromium opens the main pages, uses an autocomplete,
and records no violation, from the console or from `securitypolicyviolation`
events. It checks whatever admin theme is installed: a theme needing more (inline
styles, eval) fails here until the policy in settings allows it."""

import pytest
from django.urls import reverse

from provisioning.models import Order, Service
from tests.browser import browser, logged_in, new_page  # noqa: F401 - the fixture
from tests.ssaas import admin_world
from usage.models import UsageRecord

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


def csp_page(browser, live_server, world):  # noqa: F811
    """A page recording CSP violations, and ``visit(path)`` returning those of ``path``."""
    context = logged_in(browser, live_server.url, world.superuser)
    context.add_init_script(RECORD_VIOLATIONS)
    page = new_page(context)

    def visit(path):
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        assert "default-src 'self'" in (response.headers.get("content-security-policy") or ""), path
        page.wait_for_load_state("networkidle")
        return [f"{path}: {v}" for v in page.evaluate("window.__csp")]

    return page, visit


def test_the_grouped_quarantine_with_groups_raises_no_csp_violation(browser, live_server):  # noqa: F811
    """Found when the page first had groups to show (factory data, not the demo's empty
    quarantine): the write-off was confirmed by an inline onclick, which the policy
    blocks (script-src-attr), so Write off submitted unconfirmed."""
    page, visit = csp_page(browser, live_server, admin_world.build())
    assert visit(reverse("admin:usage_quarantinedrecord_groups")) == []


def test_write_off_on_the_grouped_quarantine_asks_first_and_cancel_writes_nothing(browser, live_server):  # noqa: F811
    """The confirmation is the browser's dialog (ssaas/js/confirm.js, data-confirm):
    dismissed, nothing is written off and no violation is raised; accepted, the
    selected group is written off."""
    page, visit = csp_page(browser, live_server, admin_world.build())
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


def test_admin_pages_raise_no_csp_violation(browser, live_server):  # noqa: F811
    world = admin_world.build()
    harbour = world.harbour.provider
    service = Service.objects.filter(provider=harbour).first()

    context = logged_in(browser, live_server.url, world.superuser)
    context.add_init_script(RECORD_VIOLATIONS)
    page = new_page(context)
    console = []
    page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
    violations = []

    def visit(path):
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        assert "default-src 'self'" in (response.headers.get("content-security-policy") or ""), path
        page.wait_for_load_state("networkidle")
        violations.extend(f"{path}: {v}" for v in page.evaluate("window.__csp"))

    visit(reverse("admin:index"))
    visit(reverse("admin:provisioning_service_changelist"))
    visit(reverse("admin:provisioning_order_changelist"))
    visit(reverse("admin:provisioning_service_change", args=[service.pk]))
    # The autocomplete (select2) opened and searched: script and styles it injects.
    page.locator(".select2-selection").first.click()
    page.keyboard.type("a")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(500)
    violations.extend(f"autocomplete: {v}" for v in page.evaluate("window.__csp"))
    visit(reverse("admin:provisioning_service_add"))
    visit(reverse("admin:usage_reconciliation_changelist"))
    visit(reverse("admin:usage_reconciliation_detail", args=[harbour.pk, "2026-10"]))
    # The grouped quarantine: test_the_grouped_quarantine_with_groups_raises_no_csp_violation.
    visit(reverse("admin:providers_provider_change", args=[harbour.pk]))
    visit(reverse("admin:provisioning_service_import"))
    visit(reverse("admin:provisioning_order_change", args=[Order.objects.filter(provider=harbour).first().pk]))
    context.close()

    assert violations == [] and console == [], "\n".join(violations + console)
