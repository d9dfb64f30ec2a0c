"""The run summary workbook (XLSX): customer totals, service lines, late usage,
adjustments, outstanding items. openpyxl (write-only) makes the workbook; the
rows of the totals and line sheets are written as SpreadsheetML by hand."""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from typing import IO
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from ssaas.common.spreadsheet import CONTROL_CHARACTERS, FORMULA_TRIGGERS, PREFIX, inert
from usage.billing.choices import BillRunLineKindChoices as Kind
from usage.billing.models import BillRun, BillRunLine
from usage.billing.selectors import LINE_KIND, stored_lines, stream_rows

MONEY = '"$"#,##0.00;[Red]-"$"#,##0.00'
DATE = "dd/mm/yyyy"
HEADER_FONT = Font(bold=True)
KINDS = dict(Kind.choices)


class _Sheet:
    """A write-only sheet: header frozen and bold, columns sized, filter on (over
    ``rows`` rows, header included, when closed)."""

    def __init__(self, workbook: Workbook, title: str, columns: list[tuple[str, str]]):
        self.sheet = workbook.create_sheet(title)
        self.columns = columns
        for index, (header, kind) in enumerate(columns, start=1):
            width = {"money": 13, "int": 9, "date": 11}.get(kind, 24)
            self.sheet.column_dimensions[get_column_letter(index)].width = max(width, len(header) + 3)
        self.sheet.freeze_panes = "A2"
        cells = []
        for header, _kind in columns:
            cell = WriteOnlyCell(self.sheet, value=header)
            cell.font = HEADER_FONT
            cells.append(cell)
        self.sheet.append(cells)
        self.rows = 1

    def append(self, values: list | tuple) -> None:
        """A row of plain values (text made inert; no money or dates)."""
        self.sheet.append([inert(value) for value in values])
        self.rows += 1

    def close(self) -> None:
        self.sheet.auto_filter.ref = f"A1:{get_column_letter(len(self.columns))}{self.rows}"


def summary_filename(run: BillRun) -> str:
    return f"bill-run-{run.provider.slug}-{run.period.start_date:%Y-%m}.xlsx"


# Column kinds: text, "key" (text that recurs row after row: its cell text is
# remembered), int, date, money.
LINE_COLUMNS = [
    ("Invoice", "key"),
    ("Service", "key"),
    ("Kind", "key"),
    ("Description", "text"),
    ("Quantity", "int"),
    ("Days", "int"),
    ("Billed seconds", "int"),
    ("From", "date"),
    ("To", "date"),
    ("Amount ex GST", "money"),
    ("AAPT cost", "money"),
    ("Margin", "money"),
]


TOTAL_COLUMNS = [
    ("Invoice", "text"),
    ("Customer", "text"),
    ("Total ex GST", "money"),
    ("GST", "money"),
    ("Total inc GST", "money"),
    ("AAPT cost", "money"),
    ("Margin", "money"),
]


def _total_rows(invoices) -> Iterator[tuple]:
    for number, name, total, gst, inc, cost in stream_rows(
        invoices.values_list("number", "customer__name", "total_ex_gst", "gst", "total_inc_gst", "aapt_cost")
    ):
        yield (number, name, total, gst, inc, cost, total - cost)


def _line_rows(lines: Iterable[tuple], numbers: dict[int, str]) -> Iterator[tuple]:
    """The summary's rows of ``lines`` (tuples of LINE_FIELDS); ``numbers``: invoice
    numbers by id."""
    for invoice_id, _service, reference, kind, _category, _product, _adjustment, *rest, amount, cost in lines:
        yield (numbers[invoice_id], reference, KINDS.get(kind, kind), *rest, amount, cost, amount - cost)


_EPOCH = datetime.date(1899, 12, 30)  # day 0 of a workbook's (1900) date system
_NONE = type(None)


class _RowsXml:
    """Rows of a sheet written as SpreadsheetML text, for the summary's totals and lines.

    openpyxl's write-only sheet costs about 7 µs a cell (a cell object, its value
    checks, two lxml elements); the lines of a large run are a million cells. These
    rows are the XML openpyxl writes for the same cells (inline strings, numbers,
    dates as day numbers, money and dates with the sheet's styles), made with one
    format per cell: about a tenth of the time."""

    def __init__(self, columns: list[tuple[str, str]], styles: dict[str, int]):
        # Per column: its kind and the cell's markup before the row number, between
        # it and the value, and after the value.
        self.cells = []
        for index, (_header, kind) in enumerate(columns, 1):
            letter = get_column_letter(index)
            if kind in ("text", "key"):
                markup = ('" t="inlineStr"><is><t>', "</t></is></c>")
            elif kind in styles:
                markup = (f'" s="{styles[kind]}" t="n"><v>', "</v></c>")
            else:
                markup = ('" t="n"><v>', "</v></c>")
            self.cells.append((kind, f'<c r="{letter}', *markup))
        # The row when every cell has a value and no text keeps edge spaces (nearly
        # every row): its cells in column order, so without their optional
        # references (r="B5"), each value between constant markup; the row is that
        # markup with the values slotted in (``parts``: None where a value goes).
        self.texts = [i for i, (kind, *_markup) in enumerate(self.cells) if kind == "text"]
        self.keys = [i for i, (kind, *_markup) in enumerate(self.cells) if kind == "key"]
        self.dates = [i for i, (kind, *_markup) in enumerate(self.cells) if kind == "date"]
        self.parts: list[str | None] = [None]
        closing = ""
        for _kind, _start, middle, end in self.cells:
            self.parts += [closing + "<c" + middle[1:], None]
            closing = end
        self.parts.append(closing + "</row>")
        self.known: dict = {}  # a key's text -> its cell text

    def row(self, number: int, values) -> str:
        cells = list(values)
        # By type: ``None in cells`` would ask each Decimal whether it equals None,
        # which costs it an abstract-class check.
        if _NONE in map(type, cells) or len(cells) != len(self.cells):
            return self._row(number, values)
        known = self.known
        for index in self.keys:
            value = cells[index]
            text = known.get(value)
            if text is None:
                text = _xml_text(value)
                if not text or text[0].isspace() or text[-1].isspace():
                    return self._row(number, values)
                if len(known) < 50_000:
                    known[value] = text
            cells[index] = text
        for index in self.texts:
            text = _xml_text(cells[index])
            if not text or text[0].isspace() or text[-1].isspace():
                return self._row(number, values)
            cells[index] = text
        for index in self.dates:
            cells[index] = (cells[index] - _EPOCH).days
        parts = self.parts.copy()
        parts[0] = f'<row r="{number}">'
        parts[2::2] = map(str, cells)
        return "".join(parts)

    def _row(self, number: int, values) -> str:
        """Any row: empty cells left out, text with edge spaces kept as it is."""
        parts = [f'<row r="{number}">']
        append = parts.append
        for (kind, start, middle, end), value in zip(self.cells, values, strict=True):
            if value is None or value == "":
                continue
            if kind in ("text", "key"):
                value = _xml_text(value)
                if not value:
                    continue
                if value[0].isspace() or value[-1].isspace():
                    append(f'{start}{number}{middle[:-1]} xml:space="preserve">{value}{end}')
                    continue
            elif kind == "date":
                value = (value - _EPOCH).days
            append(f"{start}{number}{middle}{value}{end}")
        append("</row>")
        return "".join(parts)

    def chunks(self, rows: Iterable, *, first: int = 2, size: int = 2000) -> Iterator[bytes]:
        """``rows`` as encoded chunks of ``size`` rows, numbered from ``first``."""
        buffer = []
        for number, values in enumerate(rows, start=first):
            buffer.append(self.row(number, values))
            if len(buffer) == size:
                yield "".join(buffer).encode("utf-8")
                buffer = []
        yield "".join(buffer).encode("utf-8")


def _xml_text(value) -> str:
    """``value`` as the text of a cell: through the one sanitiser (control characters
    removed, then made inert), escaped."""
    value = str(value)
    if _NEEDS_WORK.search(value) is None:  # nearly all text: one scan, then its first character
        return PREFIX + value if value.startswith(FORMULA_TRIGGERS) else value
    value = inert(value)
    if "&" in value or "<" in value or ">" in value:
        value = escape(value)
    return value


# A character the sanitiser removes or XML must escape.
_NEEDS_WORK = re.compile(f"[{CONTROL_CHARACTERS}&<>]")


def _style_ids(sheet, columns: list[tuple[str, str]]) -> dict[str, int]:
    """The workbook's style numbers of the money and date formats (as openpyxl
    numbers them for a cell of ``sheet``)."""
    ids = {}
    for kind, number_format in (("money", MONEY), ("date", DATE)):
        if any(k == kind for _header, k in columns):
            cell = WriteOnlyCell(sheet)
            cell.number_format = number_format
            ids[kind] = cell.style_id
    return ids


def write_summary(run: BillRun, target: str | IO[bytes], lines: list[tuple] | None = None) -> None:
    """The run summary workbook: customer totals, service lines, late usage,
    adjustments, outstanding items.

    openpyxl (write-only) makes the workbook: every sheet with its header, frozen
    row, column widths and filter, and the outstanding items. The rows of the
    totals and line sheets, nearly all the cells, are then streamed into their
    sheets as the workbook is copied to ``target`` (:class:`_RowsXml`). ``lines``:
    the run's lines (tuples of LINE_FIELDS) when the close has them at hand, else
    the stored ones, streamed."""
    workbook = Workbook(write_only=True)
    invoices = run.invoices.order_by("pk")
    numbers = dict(invoices.values_list("pk", "number"))
    kinds = (None, Kind.LATE_USAGE, Kind.ADJUSTMENT)
    if lines is None:
        stored = BillRunLine.objects.filter(run=run)
        counts = [stored.filter(**({"kind": kind} if kind else {})).count() for kind in kinds]
        line_sets = [stored_lines(run, kind=kind) for kind in kinds]  # generators: each read when written
    else:
        line_sets = [lines if kind is None else [line for line in lines if line[LINE_KIND] == kind] for kind in kinds]
        counts = [len(line_set) for line_set in line_sets]
    streamed = []  # (sheet, its rows (a generator, not yet started), their writer)
    for title, columns, count, rows in (
        ("Customer totals", TOTAL_COLUMNS, len(numbers), _total_rows(invoices)),
        ("Service lines", LINE_COLUMNS, counts[0], _line_rows(line_sets[0], numbers)),
        ("Late usage", LINE_COLUMNS, counts[1], _line_rows(line_sets[1], numbers)),
        ("Adjustments", LINE_COLUMNS, counts[2], _line_rows(line_sets[2], numbers)),
    ):
        sheet = _Sheet(workbook, title, columns)
        sheet.rows += count  # the rows streamed in below
        sheet.close()
        streamed.append((sheet.sheet, rows, _RowsXml(columns, _style_ids(sheet.sheet, columns))))

    sheet = _Sheet(workbook, "Outstanding items", [("What", "text"), ("Count", "int"), ("Detail", "text")])
    for item in run.outstanding:
        sheet.append([item["kind"].replace("_", " "), item["count"], item["detail"]])
    sheet.close()

    made = io.BytesIO()
    workbook.save(made)
    parts = {sheet.path.lstrip("/"): (rows, writer) for sheet, rows, writer in streamed}
    # Deflated at level 1: a third of the time of the default level for a file about
    # a third larger (4.8 MB -> 6.7 MB for the lines of a million calls).
    with (
        zipfile.ZipFile(made) as source,
        zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out,
    ):
        for info in source.infolist():
            content = source.read(info)
            if info.filename not in parts:
                out.writestr(info, content)
                continue
            rows, writer = parts[info.filename]
            head, tail = content.split(b"</sheetData>")
            with out.open(info.filename, "w") as part:
                part.write(head)
                for chunk in writer.chunks(rows):
                    part.write(chunk)
                part.write(b"</sheetData>" + tail)
