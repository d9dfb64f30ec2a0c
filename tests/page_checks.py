"""What a user sees of a page's tables and buttons, measured in Chromium (Playwright):
whether the columns run together, whether a button looks like one, whether money
reads as money, and what the page's scripts reported as errors."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page

# Visible cells of the tables matching ``selector`` whose computed left and right
# padding are both zero (the columns run together).
_UNPADDED = """(selector) => [...document.querySelectorAll(selector)]
  .flatMap((table) => [...table.querySelectorAll("th, td")])
  .filter((cell) => cell.offsetParent !== null)
  .filter((cell) => {
    const style = getComputedStyle(cell);
    return parseFloat(style.paddingLeft) === 0 && parseFloat(style.paddingRight) === 0;
  })
  .map((cell) => cell.textContent.trim() || "(empty cell)")"""

# A button's look: its background's alpha, its border's width, its font.
_LOOK = """(element) => {
  const style = getComputedStyle(element);
  const alpha = (colour) => {
    if (colour === "transparent") return 0;
    const found = colour.match(/[\\d.]+(?=\\s*\\)$)/);
    const slash = colour.includes("/") || colour.startsWith("rgba") || colour.split(",").length === 4;
    return slash && found ? parseFloat(found[0]) : 1;
  };
  return {
    background: alpha(style.backgroundColor),
    border: style.borderTopStyle === "none" ? 0 : parseFloat(style.borderTopWidth),
    fontSize: parseFloat(style.fontSize),
    textTransform: style.textTransform,
  };
}"""

BARE_AMOUNT = re.compile(r"^-?\d[\d,]*\.\d{2}$")


def unpadded_cells(page: Page, selector: str) -> list[str]:
    """The visible cells of ``selector``'s tables that have no horizontal padding."""
    assert page.locator(selector).count(), f"no {selector} on {page.url}"
    return page.evaluate(_UNPADDED, selector)


def _look(page: Page, element: str | Locator) -> dict:
    return (page.locator(element) if isinstance(element, str) else element).evaluate(_LOOK)


def looks_like_a_button(page: Page, element: str | Locator) -> bool:
    """The element (a selector or a locator) has a visible background (not
    transparent) and readable text: not tiny, not uppercase."""
    look = _look(page, element)
    return look["background"] > 0 and look["fontSize"] >= 13 and look["textTransform"] == "none"


def has_a_visible_edge(page: Page, element: str | Locator) -> bool:
    """A visible background or a visible border: a secondary button or link button."""
    look = _look(page, element)
    return look["background"] > 0 or look["border"] > 0


def bare_amounts(texts: list[str]) -> list[str]:
    """The texts that are a number with cents but no ``$`` (``159.00``)."""
    return [text for text in texts if BARE_AMOUNT.match(text.strip())]


def record_errors(page: Page) -> list[str]:
    """Every uncaught script error and console error of ``page`` from now on."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"pageerror: {error}"))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    return errors
