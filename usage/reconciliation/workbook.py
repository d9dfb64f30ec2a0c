"""The reconciliation as an .xlsx workbook, written with openpyxl's write-only
mode: rows stream to a temporary file as the sections yield them, so memory
stays flat however many charge lines there are.

A summary sheet, then one sheet per section; each with a frozen, bold header
row, an auto-filter over the rows, currency, quantity and date formats, column
widths fitted to what the columns hold (measured by the database ahead of the
rows for the large sections), and the differences filled: red when still to
act on, yellow once explained. Every text goes through ``ssaas.common.spreadsheet``: a
name or description that looks like a formula is written as inert text.
"""

from __future__ import annotations

from typing import IO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from ssaas.common.spreadsheet import inert, inert_cell
from usage.reconciliation.report.base import Column, ReconciliationReport, Section

FORMATS = {
    "money": '"$"#,##0.00;[Red]-"$"#,##0.00',
    "quantity": "#,##0.00",
    "int": "#,##0",
    "date": "dd/mm/yyyy",
}
KIND_WIDTHS = {"money": 13, "quantity": 11, "int": 9, "date": 11, "text": 8}
MAX_WIDTH = 70
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="FFD9E1F2")
DIFFERENCE_FILL = PatternFill("solid", fgColor="FFF4CCCC")
EXPLAINED_FILL = PatternFill("solid", fgColor="FFFFF2CC")
SUMMARY_COLUMNS = [Column("Item"), Column("Value"), Column("Amount", "money")]


class _Sheet:
    """One write-only sheet: widths and frozen header first, rows, then the filter."""

    def __init__(self, workbook: Workbook, title: str, columns: list[Column], widths: dict):
        self.sheet = workbook.create_sheet(title[:31])
        self.columns = columns
        for index, column in enumerate(columns):
            width = max(
                len(column.header) + 3,
                KIND_WIDTHS[column.kind],
                column.width,
                widths.get(index, 0) + 2,
            )
            self.sheet.column_dimensions[get_column_letter(index + 1)].width = min(width, MAX_WIDTH)
        self.sheet.freeze_panes = "A2"
        header = []
        for column in columns:
            cell = inert_cell(self.sheet, column.header)
            cell.font, cell.fill = HEADER_FONT, HEADER_FILL
            header.append(cell)
        self.sheet.append(header)
        self.rows = 1

    def append(self, values: list, fill: PatternFill | None = None) -> None:
        row = []
        for column, value in zip(self.columns, values, strict=True):
            # Customer and catalogue names, carrier text: never a formula. Once
            # inert, no text starts with "=", so openpyxl writes it as a string.
            value = inert(value)
            number_format = FORMATS.get(column.kind)
            if fill is None and (value is None or number_format is None):
                row.append(value)
                continue
            cell = WriteOnlyCell(self.sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
            if number_format and value is not None:
                cell.number_format = number_format
            if fill is not None:
                cell.fill = fill
            row.append(cell)
        self.sheet.append(row)
        self.rows += 1

    def close(self) -> None:
        last = get_column_letter(len(self.columns))
        self.sheet.auto_filter.ref = f"A1:{last}{self.rows}"


def _explanation_width(report: ReconciliationReport) -> int:
    # The text is the note, then "(who, dd/mm/yyyy)".
    return max((len(n.note) + 30 for n in report.notes.values()), default=0)


def _write_section(workbook: Workbook, section: Section, report: ReconciliationReport) -> None:
    widths = dict(section.measure())
    last = len(section.columns) - 1
    widths[last] = max(widths.get(last, 0), _explanation_width(report))
    sheet = _Sheet(workbook, section.name, section.columns, widths)
    for line in section.lines():
        fill = None
        if line.differs:
            fill = EXPLAINED_FILL if line.explained else DIFFERENCE_FILL
        sheet.append(line.values, fill)
    sheet.close()


def _write_summary(workbook: Workbook, report: ReconciliationReport) -> None:
    widths = {
        0: max(len(item.label) for item in report.summary),
        1: max(len(str(item.value)) for item in report.summary),
    }
    sheet = _Sheet(workbook, "Summary", SUMMARY_COLUMNS, widths)
    for item in report.summary:
        sheet.append([item.label, item.value, item.amount], DIFFERENCE_FILL if item.highlight else None)
    sheet.close()


def write_reconciliation_workbook(report: ReconciliationReport, target: str | IO[bytes]) -> None:
    """Write ``report`` as .xlsx to ``target`` (a path or a binary file)."""
    workbook = Workbook(write_only=True)
    _write_summary(workbook, report)
    for section in report.sections:
        _write_section(workbook, section, report)
    workbook.save(target)
