"""Every admin page a role reaches, in a real browser at 1440 px (issue 13).

Logged in as the role (its session cookie set in the browser), the crawl opens
every page linked from the sidebar and the front page, then every admin link on
those pages, one level deep. It fails on a server error, on a link that answers
403, on a page wider than the window, and on a page served without the
Content-Security-Policy or breaking it (a `securitypolicyviolation` event or
Chromium's console report); a screenshot of each page goes to
docs/screenshots/crawl/<role>/, the folder the README's pictures come from.

One page per view: links are grouped by the URL route they resolve to (the same
view with the same kind of object: the change page of carrier file 4 stands for
every carrier file's, ``?status__exact=failed`` for the list it filters). The
first link of a route is opened in Chromium, measured and photographed. The
other front-page and sidebar links of a route the crawl already opened are
still asked for, with Django's test client in the same session (status only,
their links followed too): each of them must answer, never with a 403. Deeper
links of an opened route are not asked for again — the same view decides the
same permission.
"""

from __future__ import annotations

import base64
import html
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.test import Client
from django.urls import Resolver404, resolve

from tests.browser import RECORD_VIOLATIONS, WIDTH, logged_in, new_page

# The README's pictures land in docs/screenshots/crawl/ (not in git) on every run;
# UPDATE_SCREENSHOTS=1 writes them to docs/screenshots/ itself, for the README.
SCREENSHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"
CRAWL_SHOTS = SCREENSHOTS / "crawl"
# Never opened: they end the session, change data or stream a download.
SKIP = re.compile(r"/admin/(logout|password_change|jsi18n|r/)|/(delete|history)/$|/autocomplete/|/status/$|/xlsx/$")
HREF = re.compile(r"""<a\b[^>]*?\bhref="(/admin/[^"]*)\"""")

# One round trip per page: its width, the time zone warnings under date fields
# (defect 17) and its admin links (the sidebar's apart, for the front page). Its
# CSP violations are read apart, after its screenshot: by then its scripts have run.
PAGE_FACTS = """() => {
  const hrefs = (selector) => [...document.querySelectorAll(selector)].map((a) => a.getAttribute("href"));
  return {
    width: document.documentElement.scrollWidth,
    zoneWarnings: document.querySelectorAll(".timezonewarning").length,
    links: hrefs("a[href^='/admin/']"),
    sidebar: hrefs("#nav-sidebar a[href^='/admin/']"),
  };
}"""


def pictures() -> Path:
    """Where the README's pictures are written (see CRAWL_SHOTS)."""
    return SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") else CRAWL_SHOTS


def route(url: str) -> str:
    """The URL route ``url`` resolves to (``admin/usage/carrierfile/<path:object_id>/change/``),
    or its path when it resolves to none."""
    path = unquote(urlsplit(url).path)
    try:
        return resolve(path).route
    except Resolver404:
        return path


def shot_name(url: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", url.lower()).strip("-")[:120] or "index"


@dataclass
class Crawl:
    role: str
    problems: list[str] = field(default_factory=list)
    opened: dict[str, str] = field(default_factory=dict)  # in Chromium: url -> linked from
    asked: dict[str, str] = field(default_factory=dict)  # with the test client: url -> linked from

    @property
    def reached(self) -> list[str]:
        return [*self.opened, *self.asked]


def crawl(browser, base: str, user, role: str, then=None) -> Crawl:
    """Crawl the admin as ``user``; ``then(page, base, check)`` runs in the same
    session at the end (the README's pictures), ``check(url)`` holding any page it
    opens to the crawl's rules."""
    folder = CRAWL_SHOTS / role
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    shots = pictures()
    shots.mkdir(parents=True, exist_ok=True)
    context = logged_in(browser, base, user, viewport={"width": WIDTH, "height": 900}, timezone_id="Europe/London")
    context.add_init_script(RECORD_VIOLATIONS)
    page = new_page(context)
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
    cdp = context.new_cdp_session(page)
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    result = Crawl(role)
    seen: set[str] = set()

    def check(url: str, came_from: str, status: int) -> None:
        if status >= 500 or status == 403:
            result.problems.append(f"{status} {url} (linked from {came_from})")

    def check_page(url: str, facts: dict | None = None) -> dict:
        facts = facts or page.evaluate(PAGE_FACTS)
        if facts["width"] > WIDTH:
            result.problems.append(f"{facts['width']} px wide: {url}")
        if facts["zoneWarnings"]:
            result.problems.append(f"time zone warning on {url}")
        violations = page.evaluate("window.__csp || []")
        result.problems += [f"CSP violation on {url}: {v}" for v in [*violations, *console]]
        console.clear()
        return facts

    def open_in_browser(url: str, came_from: str) -> dict:
        # The stylesheets come before unfold's scripts in <head>: laid out by DOMContentLoaded.
        response = page.goto(base + url, wait_until="domcontentloaded")
        result.opened[url] = came_from
        check(url, came_from, response.status if response else 0)
        if response and "default-src 'self'" not in (response.headers.get("content-security-policy") or ""):
            result.problems.append(f"no Content-Security-Policy on {url}")
        # The facts before the screenshot: a capture asked for at DOMContentLoaded can
        # find no frame painted yet ("Unable to capture screenshot").
        facts = page.evaluate(PAGE_FACTS)
        shot = cdp.send("Page.captureScreenshot", {"format": "jpeg", "quality": 60, "optimizeForSpeed": True})
        (folder / f"{shot_name(url)}.jpg").write_bytes(base64.b64decode(shot["data"]))
        return check_page(url, facts)

    def ask(url: str, came_from: str) -> list[str]:
        response = client.get(url)
        result.asked[url] = came_from
        check(url, came_from, response.status_code)
        if response.status_code != 200 or getattr(response, "streaming", False):
            return []
        return [html.unescape(link) for link in HREF.findall(response.content.decode("utf-8", "replace"))]

    def wanted(links: list[str]) -> list[str]:
        return [link for link in dict.fromkeys(links) if not SKIP.search(urlsplit(link).path)]

    front = open_in_browser("/admin/", "login")
    seen.add(route("/admin/"))
    page.screenshot(path=str(shots / f"front-{role}.png"), full_page=True)
    second_level: list[tuple[str, str]] = []
    for url in wanted(front["sidebar"] + front["links"]):
        if url == "/admin/":
            continue
        if route(url) in seen:
            links = ask(url, "/admin/")
        else:
            seen.add(route(url))
            links = open_in_browser(url, "/admin/")["links"]
        second_level += [(link, url) for link in wanted(links)]
    for url, came_from in second_level:
        if route(url) not in seen:
            seen.add(route(url))
            open_in_browser(url, came_from)
    if then is not None:
        then(page, base, check_page)
    context.close()
    return result
