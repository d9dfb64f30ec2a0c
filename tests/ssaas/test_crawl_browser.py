"""Every admin page each role can reach, in a real browser at 1440 px (issue 13).

One browser session per role: log in, open every page linked from the sidebar
and the front page, then every admin link on those pages, one level deep (one
page per URL pattern: the first change page of a model stands for all of them).
Fails on a server error, on a link that answers 403, and on a page wider than
the window. A screenshot of each page goes to docs/screenshots/crawl/<role>/;
the README's pictures (docs/screenshots/*.png) are made here too.
"""

import os
import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from playwright.sync_api import sync_playwright

from ssaas.demo import data as demo
from ssaas.roles import PROVIDER_ADMINISTRATORS
from tests.provisioning.test_order_browser import CHROMIUM, CHROMIUM_ARGS
from usage.carrier_files import progress
from usage.models import CarrierFile

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

WIDTH = 1440
# The README's pictures land in docs/screenshots/crawl/ (not in git) on every run;
# UPDATE_SCREENSHOTS=1 writes them to docs/screenshots/ itself, for the README.
SHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"
if not os.environ.get("UPDATE_SCREENSHOTS"):
    SHOTS = SHOTS / "crawl"
# Never opened: they end the session or change data on a GET-free basis anyway.
SKIP = re.compile(r"/admin/(logout|password_change|jsi18n|r/)|/(delete|history)/$|/autocomplete/|/status/$|/xlsx/$")


def pattern(url: str) -> str:
    """One page per pattern: ids become N, the query string is dropped."""
    return re.sub(r"/\d+/", "/N/", urlsplit(url).path)


@pytest.fixture
def browser(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
            from django.db import connections

            connections.close_all()


@pytest.fixture
def world(make_staff):
    """The demo providers and users, a provider administrator, the sample files
    taken (usage, COCE, BroadWorks) and one file caught while it is processed."""
    providers = demo.load_setup()
    demo.load_orders()
    demo.load_usage(providers)
    demo.load_other_charges(providers)
    harbour = providers["harbour-voice"]
    make_staff("hv-admin", harbour, role=PROVIDER_ADMINISTRATORS)
    busy = CarrierFile.objects.filter(provider=harbour, kind="ctop").first()
    CarrierFile.objects.filter(pk=busy.pk).update(status="processing", size=40_000)
    progress._write(progress.progress_path(busy.pk), lines=180, position=24_000)
    yield {"harbour": harbour, "busy": busy}
    progress.clear_progress(busy.pk)


def crawl(browser, base: str, username: str, password: str, role: str, then=None) -> dict:
    folder = Path(settings.BASE_DIR) / "docs" / "screenshots" / "crawl" / role
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": WIDTH, "height": 900}, timezone_id="Europe/London")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/admin/")
    problems: list[str] = []
    seen: set[str] = set()
    opened: dict[str, str] = {}

    def visit(url: str, came_from: str) -> list[str]:
        # The stylesheets come before unfold's scripts in <head>: laid out by DOMContentLoaded.
        response = page.goto(base + url, wait_until="domcontentloaded")
        status = response.status if response else 0
        opened[url] = came_from
        if status >= 500:
            problems.append(f"{status} {url} (linked from {came_from})")
        if status == 403:
            problems.append(f"403 {url} (linked from {came_from})")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > WIDTH:
            problems.append(f"{width} px wide: {url}")
        if page.locator(".timezonewarning").count():
            problems.append(f"time zone warning on {url}")
        name = re.sub(r"[^a-z0-9]+", "-", url.lower()).strip("-")[:120] or "index"
        page.screenshot(path=str(folder / f"{name}.jpg"), type="jpeg", quality=60)
        links = page.eval_on_selector_all("a[href^='/admin/']", "els => els.map(e => e.getAttribute('href'))")
        return [link for link in links if not SKIP.search(link)]

    front = visit("/admin/", "login")
    page.screenshot(path=str(SHOTS / f"front-{role}.png"), full_page=True)
    sidebar = page.eval_on_selector_all(
        "#nav-sidebar a[href^='/admin/']", "els => els.map(e => e.getAttribute('href'))"
    )
    first_level = [u for u in dict.fromkeys(sidebar + front) if not SKIP.search(u)]
    seen.add(pattern("/admin/"))
    second_level: list[tuple[str, str]] = []
    for url in first_level:
        key = url if "?" in url and pattern(url) in seen else pattern(url)
        if key in seen and url != "/admin/":
            continue
        seen.add(key)
        for link in visit(url, "/admin/"):
            second_level.append((link, url))
    for url, came_from in second_level:
        if pattern(url) not in seen:
            seen.add(pattern(url))
            visit(url, came_from)
    if then is not None:
        then(page, base)
    context.close()
    return {"problems": problems, "opened": opened}


def billing_pictures(world):
    """In billing's session: a file being processed, then done; the reconciliation."""

    def take(page, base):
        busy = world["busy"]
        page.goto(f"{base}/admin/usage/carrierfile/{busy.pk}/change/")
        assert page.locator("#file-progress-bar").get_attribute("value") == "60"
        page.screenshot(path=str(SHOTS / "file-processing.png"))
        # The page follows the worker: once the file is done it shows the outcome.
        CarrierFile.objects.filter(pk=busy.pk).update(status="processed")
        page.wait_for_selector("#file-progress[data-running='0']", timeout=10_000)
        page.goto(f"{base}/admin/usage/reconciliation/{world['harbour'].pk}/2026-10/")
        page.wait_for_selector("#reconciliation-chart canvas")
        page.screenshot(path=str(SHOTS / "reconciliation.png"), full_page=True)

    return take


def queue_picture(page, base):
    page.goto(f"{base}/admin/provisioning/order/")
    page.wait_for_selector("#result_list")
    page.screenshot(path=str(SHOTS / "queue.png"))


def test_every_page_each_role_reaches(live_server, browser, world):
    roles = [
        ("demo", "demo", "superuser", None),
        ("provisioning", "provisioning", "provisioning", queue_picture),
        ("billing", "billing", "billing", billing_pictures(world)),
        ("hv-admin", "pw", "provider-admin", None),
    ]
    opened, problems = {}, []
    for username, password, role, then in roles:
        result = crawl(browser, live_server.url, username, password, role, then)
        problems += [f"{role}: {problem}" for problem in result["problems"]]
        opened[role] = result["opened"]
        assert len(result["opened"]) > 5, role
    assert problems == []
    # Each role reached its own work, and not another's.
    assert any(u.startswith("/admin/provisioning/order/") for u in opened["provisioning"])
    assert any(u.startswith("/admin/usage/quarantinedrecord/groups/") for u in opened["billing"])
    assert not any("quarantinedrecord" in u or "usagerecord" in u for u in opened["provider-admin"])
    assert not any(u.startswith("/admin/usage/") for u in opened["provisioning"])
    assert any("/admin/auth/user/" in u for u in opened["superuser"])
    for name in ("front-superuser", "front-billing", "file-processing", "reconciliation", "queue"):
        assert (SHOTS / f"{name}.png").stat().st_size > 10_000, name


def test_no_time_zone_warning_on_date_fields(live_server, browser, superuser):
    """Defect 17: a browser in another zone (London; the server is in Sydney) saw
    "You are N hours behind server time" under every date field. The admin's date
    fields add it on the window's load; the zone is said once, in the header."""
    context = browser.new_context(viewport={"width": WIDTH, "height": 900}, timezone_id="Europe/London")
    page = context.new_page()
    page.goto(f"{live_server.url}/admin/login/?next=/admin/providers/billperiod/add/")
    page.fill("#id_username", "root")
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_selector(".vDateField")
    page.wait_for_load_state("load")
    page.wait_for_timeout(500)
    assert page.locator(".vDateField").count() >= 2
    assert page.locator(".timezonewarning").count() == 0
    assert page.locator("#server-zone").count() == 1
    context.close()
