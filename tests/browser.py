"""Chromium for the browser tests, driven by Playwright against pytest-django's
live server: Debian's ``/usr/bin/chromium`` (``make browser`` installs it).

A test module takes the ``browser`` fixture (imported from here, one Chromium for
the whole module: starting it costs about a second) and opens a context already
logged in with :func:`logged_in`, which sets the session cookie of a session made
by Django's test client: the login form is one test's business
(tests/provisioning/test_order_browser.py), not every test's first two page loads.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# The window the issue-13 review worked in.
WIDTH = 1440

# An init script: every Content-Security-Policy violation of the page, in
# ``window.__csp`` (Chromium also logs them to the console).
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture(scope="module")
def browser():
    # Playwright's sync API runs an event loop in this thread; the test's own
    # database work beside it is synchronous and safe.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                yield chromium
            finally:
                chromium.close()
                # Database work beside the event loop has its own connections (Django
                # keys them by context): close them, or PostgreSQL cannot drop the
                # test database at the end.
                connections.close_all()


def logged_in(browser: Browser, base_url: str, user, **options) -> BrowserContext:
    """A new browser context carrying a session of ``user`` (no login page)."""
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    context = browser.new_context(**options)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": base_url}])
    return context


def new_page(context: BrowserContext, timeout_ms: int = 15_000) -> Page:
    page = context.new_page()
    page.set_default_timeout(timeout_ms)
    return page
