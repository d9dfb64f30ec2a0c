"""The classes the product's own pages take from Unfold (ssaas/templatetags/unfold_markup.py)
exist in Unfold's stylesheet: it is compiled from Unfold's templates, so a class they
never use is silently no style at all (the columns run together again)."""

import re
from pathlib import Path

import unfold

from ssaas.templatetags.unfold_markup import CLASSES

STYLESHEET = Path(unfold.__file__).parent / "static" / "unfold" / "css" / "styles.css"


def selector(name: str) -> str:
    """Tailwind's selector for a class: ``lg:px-3`` → ``.lg\\:px-3``."""
    return "." + re.sub(r"([^a-zA-Z0-9_-])", r"\\\1", name)


def test_every_class_is_in_unfolds_stylesheet():
    css = STYLESHEET.read_text(encoding="utf-8")
    missing = sorted({name for classes in CLASSES.values() for name in classes.split() if selector(name) not in css})
    assert missing == []


def test_table_cells_are_padded_and_the_first_row_has_no_double_border():
    for cell in ("th", "th-number", "td", "td-number"):
        assert "px-3" in CLASSES[cell].split(), cell
    assert "lg:group-[.first-row]:border-t-0" in CLASSES["td"].split()
