"""One sanitiser for every spreadsheet and CSV the product writes.

A spreadsheet program takes text starting with ``=``, ``+``, ``-`` or ``@`` (and,
in some, after a tab or carriage return) as a formula: a customer named
``=HYPERLINK("http://evil","click")`` or a carrier file's description would become
a live formula in the file staff open ("CSV/formula injection"). Any such text is
written with a leading single quote, as text, never as a formula.

Control characters other than tab, line feed and carriage return are removed
first (:data:`CONTROL_CHARACTERS`): XML cannot hold most of them, so one in a
name made openpyxl refuse the whole workbook (``IllegalCharacterError``), and in a
CSV they are nothing a person typed. Removed, then made inert: ``"\x07=1"`` is
written ``'=1``.

- ``inert(value)``: one value (anything but text passes through unchanged);
- ``inert_row(values)``: a row of values, for ``csv.writer.writerow`` or
  ``worksheet.append``;
- ``InertCsvWriter``: a ``csv.writer`` whose rows are made inert;
- ``inert_cell(sheet, value)``: an openpyxl write-only cell that holds text as a
  string (openpyxl itself treats any text starting with ``=`` as a formula).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
PREFIX = "'"

# Removed from every cell's text, as ranges of code points: the control characters
# (Unicode's Cc: C0, DEL and C1) but tab, line feed and carriage return, and the two
# noncharacters XML cannot hold. They cover openpyxl's ILLEGAL_CHARACTERS_RE (C0 less
# tab, LF, CR: IllegalCharacterError) and what lxml refuses (U+FFFE, U+FFFF).
CONTROL_RANGES = ((0x00, 0x08), (0x0B, 0x0C), (0x0E, 0x1F), (0x7F, 0x9F), (0xFFFE, 0xFFFF))
# The same as a regular expression's character class, without its brackets.
CONTROL_CHARACTERS = "".join(f"\\u{low:04x}-\\u{high:04x}" for low, high in CONTROL_RANGES)
_CONTROL = re.compile(f"[{CONTROL_CHARACTERS}]")


def clean(text: str) -> str:
    """``text`` without its control characters (:data:`CONTROL_RANGES`). Nearly all
    text is printable (``str.isprintable``, which none of them is): returned as it is."""
    return text if text.isprintable() else _CONTROL.sub("", text)


def inert(value: Any) -> Any:
    """``value`` as a cell's text: control characters removed (:func:`clean`), then a
    leading ``'`` if it is text a spreadsheet would run. Anything but text passes
    through unchanged."""
    if isinstance(value, str):
        if not value.isprintable():
            value = _CONTROL.sub("", value)
        if value.startswith(FORMULA_TRIGGERS):
            return PREFIX + value
    return value


def inert_row(values: Iterable[Any]) -> list[Any]:
    return [inert(value) for value in values]


class InertCsvWriter:
    """``csv.writer(file, **options)`` whose every row goes through ``inert_row``."""

    def __init__(self, file, **options):
        self._writer = csv.writer(file, **options)

    def writerow(self, row: Iterable[Any]):
        return self._writer.writerow(inert_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def inert_cell(sheet, value: Any):
    """A ``WriteOnlyCell`` of ``sheet`` holding ``inert(value)``; text is always a
    string cell, never a formula."""
    from openpyxl.cell import WriteOnlyCell

    value = inert(value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell
