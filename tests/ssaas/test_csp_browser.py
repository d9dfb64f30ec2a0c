"""The admin's pages pass the Content-Security-Policy (django-csp, settings
CONTENT_SECURITY_POLICY): Chromium opens the main pages, uses an autocomplete,
and records no violation, from the console or from `securitypolicyviolation`
events. It checks whatever admin theme is installed: a theme needing more (inline
styles, eval) fails here until the policy in settings allows it."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from playwright.sync_api import expect

from provisioning.models import Order, Service
from ssaas.demo import data as demo
from tests.provisioning.test_order_browser import browser  # noqa: F401 - the fixture

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


def test_admin_pages_raise_no_csp_violation(browser, live_server):  # noqa: F811
    providers = demo.load_setup()
    demo.load_orders()
    get_user_model().objects.create_superuser("csp-admin", "csp@example.com", "csp-pass")
    harbour = providers["harbour-voice"]
    service = Service.objects.filter(provider=harbour).first()

    context = browser.new_context()
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    page.set_default_timeout(15_000)
    console = []
    page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
    violations = []

    def visit(path):
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        assert "default-src 'self'" in (response.headers.get("content-security-policy") or ""), path
        page.wait_for_load_state("networkidle")
        violations.extend(f"{path}: {v}" for v in page.evaluate("window.__csp"))

    visit(reverse("admin:login") + "?next=" + reverse("admin:index"))
    page.fill("#id_username", "csp-admin")
    page.fill("#id_password", "csp-pass")
    page.click("button[type=submit]")
    expect(page.locator("#nav-sidebar")).to_be_attached()

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
    visit(reverse("admin:usage_quarantinedrecord_groups"))
    visit(reverse("admin:providers_provider_change", args=[harbour.pk]))
    visit(reverse("admin:provisioning_service_import"))
    visit(reverse("admin:provisioning_order_change", args=[Order.objects.filter(provider=harbour).first().pk]))
    context.close()

    assert violations == [] and console == [], "\n".join(violations + console)
