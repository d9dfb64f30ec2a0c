"""One sanitiser for every spreadsheet and CSV the product writes.

A spreadsheet program takes text starting with ``=``, ``+``, ``-`` or ``@`` (and,
in some, after a tab or carriage return) as a formula: a customer named
``=HYPERLINK("http://evil","click")`` or a carrier file's description would become
a live formula in the file staff open ("CSV/formula injection"). Any such text is
written with a leading single quote, as text, never as a formula.

- ``inert(value)``: one value (anything but text passes through unchanged);
- ``inert_row(values)``: a row of values, for ``csv.writer.writerow`` or
  ``worksheet.append``;
- ``InertCsvWriter``: a ``csv.writer`` whose rows are made inert;
- ``inert_cell(sheet, value)``: an openpyxl write-only cell that holds text as a
  string (openpyxl itself treats any text starting with ``=`` as a formula).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
PREFIX = "'"


def inert(value: Any) -> Any:
    """``value``, with a leading ``'`` if it is text a spreadsheet would run."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
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
