"""Every admin page a role reaches, in a real browser at 1440 px (issue 13).

Logged in as the role (its session cookie set in the browser), the crawl opens
every page linked from the sidebar and the front page, then every admin link on
those pages, one level deep. It fails on a server error, on a link that answers
403, on a page wider than the window, and on a page served without the
Content-Security-Policy or breaking it (a `securitypolicyviolation` event or
Chromium's console report), on a script error (a console error, an uncaught
exception) and on an unreadable page (READABILITY: a table whose cells run
together, a button that looks like plain text, money not written "$1,234.56");
a screenshot of each page goes to
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

# What makes a page unreadable, found in the browser (issue 22): the stock admin
# markup Unfold does not style. Unfold's stylesheet resets every cell's padding and
# every button's background, so a bare <table> runs its columns together
# ("QtyDaysEx GST") and a bare submit button reads as plain text. Money has one
# format, "$1,234.56": a cell or a leaf element whose whole text is a bare amount
# ("159.00") is not it (quantities are whole numbers, so they never match).
# Only what is shown counts: hidden tables, buttons and cells are left alone.
READABILITY = r"""() => {
  const shown = (el) => {
    if (!el.getClientRects().length) return false;
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && getComputedStyle(el).visibility !== "hidden";
  };
  const text = (el) => (el.innerText || el.value || "").replace(/\s+/g, " ").trim();
  // Computed colours: rgba(0, 0, 0, 0), or oklab(0 0 0 / 0) for Unfold's own.
  const invisible = /^rgba\(([^,]*,){3}\s*0(\.0+)?\)$|\/\s*0(\.0+)?\)$/;
  const clear = (colour) => colour === "transparent" || invisible.test(colour);
  const tables = [];
  for (const table of document.querySelectorAll("table")) {
    if (!shown(table)) continue;
    // A cell runs into its neighbour: one alone in its row (Unfold's inline headings
    // and "add another" rows, padded inside) has none.
    const cells = [...table.querySelectorAll("td, th")].filter(
      (cell) => cell.closest("table") === table && !cell.querySelector("table") && shown(cell) && text(cell)
        && [...cell.parentElement.children].filter((other) => shown(other)).length > 1
    );
    const tight = cells.find((cell) => {
      const style = getComputedStyle(cell);
      return parseFloat(style.paddingLeft) === 0 && parseFloat(style.paddingRight) === 0;
    });
    if (tight) tables.push(text(tight).slice(0, 60));
  }
  const buttons = [];
  // Submit buttons and links made to look like buttons; an icon alone (Unfold's
  // search button, inside its field) is no label to read.
  const clickable = "input[type=submit], button[type=submit], form button:not([type=button]):not([type=reset]), "
    + "a.button, .button";
  for (const button of document.querySelectorAll(clickable)) {
    const icon = button.querySelector(".material-symbols-outlined");
    if (!shown(button) || (icon && text(icon) === text(button))) continue;
    const style = getComputedStyle(button);
    const background = !clear(style.backgroundColor) || style.backgroundImage !== "none";
    const border = ["Top", "Right", "Bottom", "Left"].some(
      (side) => parseFloat(style[`border${side}Width`]) > 0 && style[`border${side}Style`] !== "none"
        && !clear(style[`border${side}Color`])
    );
    if (!background && !border) buttons.push(text(button).slice(0, 60) || button.outerHTML.slice(0, 80));
  }
  const money = [];
  const amount = /^-?\d[\d,]*\.\d{2}$/;
  for (const el of document.body.querySelectorAll("*")) {
    const leaf = el.matches("td, th") || el.childElementCount === 0;
    if (!leaf || el.matches("script, style, option, textarea")) continue;
    const words = (el.textContent || "").trim();
    if (amount.test(words) && shown(el) && !money.includes(words)) money.push(words);
  }
  return {tables, buttons, money: money.slice(0, 5)};
}"""

# One round trip per page: its width, the time zone warnings under date fields
# (defect 17), its admin links (the sidebar's apart, for the front page) and what
# makes it unreadable (READABILITY). Its CSP violations are read apart, after its
# screenshot: by then its scripts have run.
PAGE_FACTS = (
    """() => {
  const hrefs = (selector) => [...document.querySelectorAll(selector)].map((a) => a.getAttribute("href"));
  return {
    width: document.documentElement.scrollWidth,
    zoneWarnings: document.querySelectorAll(".timezonewarning").length,
    links: hrefs("a[href^='/admin/']"),
    sidebar: hrefs("#nav-sidebar a[href^='/admin/']"),
    readability: ("""
    + READABILITY
    + """)(),
  };
}"""
)


def unreadable(url: str, readability: dict) -> list[str]:
    """The crawl's problems for what READABILITY found on ``url``, each with an example."""
    problems = [f"table cells without padding on {url}: {cell!r}" for cell in readability["tables"]]
    problems += [f"button without background or border on {url}: {label!r}" for label in readability["buttons"]]
    if readability["money"]:
        problems.append(f"money not as $1,234.56 on {url}: {', '.join(readability['money'])}")
    return problems


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
    console: list[str] = []  # the Content-Security-Policy's reports
    errors: list[str] = []  # the page's script errors
    page.on("console", lambda m: record(m.type, m.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    cdp = context.new_cdp_session(page)
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    result = Crawl(role)
    seen: set[str] = set()

    def record(kind: str, text: str) -> None:
        if "Content Security Policy" in text:
            console.append(text)
        elif kind == "error":
            errors.append(text)

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
        result.problems += [f"console error on {url}: {error}" for error in errors]
        result.problems += unreadable(url, facts["readability"])
        console.clear()
        errors.clear()
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
    if os.environ.get("CRAWL_REPORT"):  # every problem, one a line, beside pytest's shortened diff
        with open(os.environ["CRAWL_REPORT"], "a") as out:
            out.write("".join(f"{role}\t{p}\n" for p in result.problems))
    return result
