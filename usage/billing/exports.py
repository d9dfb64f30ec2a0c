"""What leaves the system from a bill run: the ledger's invoices (Xero's
sales-invoice CSV), the itemised calls (CSV, streamed) and the run summary
(XLSX, openpyxl write-only).

All three are built from what the run stored (its invoices, its lines and the
records its watermarks bill), so a download today and one next year are the
same file. Made with the close (:class:`CloseFiles`), the Xero CSV and the
summary read the lines the close has just written from memory instead: the
same tuples (``LINE_FIELDS``), the same files (tested).
"""

from __future__ import annotations

import copy
import csv
import datetime
import io
import re
import threading
import time
import zipfile
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import IO, Any
from xml.sax.saxutils import escape

from django.db import connection, transaction
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from psycopg import pq

from provisioning.choices import PlanRateCategoryChoices
from provisioning.models import Service
from ssaas.common.spreadsheet import CONTROL_CHARACTERS, CONTROL_RANGES, FORMULA_TRIGGERS, PREFIX, inert
from usage.billing.choices import BillRunLineKindChoices as Kind
from usage.billing.models import BillRun, BillRunInvoice, BillRunLine
from usage.billing.selectors import LINE_KIND, run_usage, run_usage_sql, stored_lines, stream_rows
from usage.ctop.models import UsageRecord

XERO_COLUMNS = [
    "ContactName",
    "EmailAddress",
    "InvoiceNumber",
    "InvoiceDate",
    "DueDate",
    "Description",
    "Quantity",
    "UnitAmount",
    "AccountCode",
    "TaxType",
    "Currency",
]
XERO_MAX_INVOICES = 500  # Xero imports at most 500 invoices per file
CURRENCY = "AUD"
CALL_COLUMNS = [
    "Customer",
    "Service",
    "Date",
    "Time",
    "Number called",
    "Category",
    "Duration (s)",
    "Billed (s)",
    "Charge",
    "Late",
]
CATEGORIES = dict(PlanRateCategoryChoices.choices)


def _d(day: datetime.date) -> str:
    return f"{day:%d/%m/%Y}"


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


# ---------------------------------------------------------------------------
# Xero sales invoices
# ---------------------------------------------------------------------------


def invoice_dates(run: BillRun) -> tuple[datetime.date, datetime.date]:
    """Invoice date: the day after the period; due date: after the payment terms."""
    invoice_date = run.period.end_date + datetime.timedelta(days=1)
    return invoice_date, invoice_date + datetime.timedelta(days=run.provider.payment_terms_days)


def xero_rows(run: BillRun, lines: Iterable[tuple] | None = None) -> Iterator[list[str]]:
    """One row per charge kind per service of each invoice, invoices by number.

    The close wrote invoices, and their lines, in order: one pass over the lines
    (``lines``, tuples of LINE_FIELDS, else the stored ones) meets each invoice's
    lines together, so only one invoice is held."""
    provider = run.provider
    invoice_date, due_date = invoice_dates(run)
    invoices = {invoice.pk: invoice for invoice in run.invoices.select_related("customer")}
    current, groups = None, {}

    dates = [_d(invoice_date), _d(due_date)]
    ledger = [inert(provider.ledger_account_code), inert(provider.ledger_tax_type), CURRENCY]
    zero = Decimal("0.00")

    def rows(invoice: BillRunInvoice, groups: dict) -> Iterator[list[str]]:
        customer = invoice.customer
        # The invoice's own cells are the same on each of its rows: made once.
        head = [inert(customer.ledger_contact_name), inert(customer.invoice_email), inert(invoice.number), *dates]
        for reference, amounts, texts in groups.values():
            yield [*head, inert(f"{reference}: {'; '.join(texts)}"), "1", _money(sum(amounts, zero)), *ledger]

    for (
        invoice_id,
        service_id,
        reference,
        kind,
        category,
        product_id,
        _adjustment,
        description,
        *_counts,
        amount,
        _cost,
    ) in stored_lines(run) if lines is None else lines:
        if invoice_id != current:
            if current is not None:
                yield from rows(invoices[current], groups)
            current, groups = invoice_id, {}
        key = (service_id, kind) if kind == Kind.ADJUSTMENT else (service_id, kind, category, product_id)
        group = groups.get(key)
        if group is None:
            group = groups[key] = (reference, [], [])
        group[1].append(amount)
        group[2].append(description)
    if current is not None:
        yield from rows(invoices[current], groups)


def _csv_writer(out: IO[bytes]) -> tuple[io.TextIOWrapper, Any]:
    """A CSV writer (Xero's columns written) into ``out``, and its text layer."""
    text = io.TextIOWrapper(out, encoding="utf-8", newline="")
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(XERO_COLUMNS)
    return text, writer


def write_xero(run: BillRun, out: IO[bytes], lines: Iterable[tuple] | None = None) -> str:
    """The Xero invoices written to ``out``: one CSV, or a zip of CSVs of at most
    500 invoices each when the run has more; returns the file name. Each row is
    written as it is made (into the zip's member when there are several), so
    memory does not grow with the run."""
    base = f"xero-invoices-{run.provider.slug}-{run.period.start_date:%Y-%m}"
    if run.invoices.count() <= XERO_MAX_INVOICES:
        text, writer = _csv_writer(out)
        writer.writerows(xero_rows(run, lines))
        text.detach()  # flushed; ``out`` stays open
        return f"{base}.csv"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        text, writer, member = None, None, 0
        invoices_in_member, last_number = 0, None
        for row in xero_rows(run, lines):
            if row[2] != last_number:
                if text is None or invoices_in_member == XERO_MAX_INVOICES:
                    if text is not None:
                        text.close()  # closes the member, not the archive
                    member += 1
                    info = zipfile.ZipInfo(f"{base}-{member:02d}.csv", date_time=time.localtime()[:6])
                    info.compress_type = zipfile.ZIP_DEFLATED
                    text, writer = _csv_writer(archive.open(info, "w"))
                    invoices_in_member = 0
                invoices_in_member += 1
                last_number = row[2]
            writer.writerow(row)
        if text is not None:
            text.close()
    return f"{base}.zip"


def xero_export(run: BillRun) -> tuple[str, bytes, str]:
    """(file name, content, content type): one CSV, or a zip of CSVs of at most
    500 invoices each when the run has more."""
    buffer = io.BytesIO()
    name = write_xero(run, buffer)
    return name, buffer.getvalue(), "application/zip" if name.endswith(".zip") else "text/csv"


# ---------------------------------------------------------------------------
# Itemised calls
# ---------------------------------------------------------------------------


def calls_filename(run: BillRun) -> str:
    return f"calls-{run.provider.slug}-{run.period.start_date:%Y-%m}.csv"


def _services(run: BillRun) -> dict[int, tuple[str, str]]:
    """The provider's services: id -> (customer's name, reference), made inert."""
    return {
        service_id: (inert(customer), inert(reference))
        for service_id, customer, reference in Service.objects.filter(provider_id=run.provider_id)
        .order_by()
        .values_list("pk", "customer__name", "reference")
    }


def itemised_calls(run: BillRun, *, chunk_size: int = 5000, sql_dates: bool = False) -> Iterator[bytes]:
    """Every call the run billed, as CSV chunks: streamed (PostgreSQL makes the
    lines, :func:`_itemised_calls_sql`), so memory does not grow with the calls.

    ``sql_dates``: the caller's transaction has PostgreSQL write dates as dd/mm/yyyy
    (``SET LOCAL DateStyle = 'SQL, DMY'``), so the query need not format them."""
    if connection.vendor == "postgresql":
        yield from _itemised_calls_sql(run, sql_dates=sql_dates)
        return
    tz = run.provider.tz
    start = run.period.start_date
    services = _services(run)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")  # as PostgreSQL's COPY writes it
    writer.writerow(CALL_COLUMNS)
    records = (
        run_usage(run)
        .order_by("service_id", "call_date", "started_at", "pk")
        .values_list(
            "service_id",
            "started_at",
            "call_date",
            "target",
            "category",
            "duration_seconds",
            "billed_seconds",
            "charge",
        )
    )
    for n, (service_id, started, day, target, category, duration, billed, charge) in enumerate(
        records.iterator(chunk_size=chunk_size), start=1
    ):
        customer, reference = services[service_id]
        writer.writerow(
            [
                customer,
                reference,
                _d(day),
                f"{started.astimezone(tz):%H:%M:%S}",
                inert(target),
                inert(CATEGORIES.get(category, category)),
                duration,
                billed,
                _money(charge),
                "late" if day < start else None,
            ]
        )
        if n % chunk_size == 0:
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode("utf-8")


def _inert_sql(column: str) -> str:
    """:func:`ssaas.common.spreadsheet.inert` as SQL, for the calls query below: built from the same
    CONTROL_RANGES, FORMULA_TRIGGERS and PREFIX (as chr() codes and \\u escapes, so no
    character needs quoting). The control characters go first, then the prefix."""
    column = _clean_sql(column)
    starts = ", ".join(f"chr({ord(s)})" for s in FORMULA_TRIGGERS)
    return f"CASE WHEN left({column}, 1) IN ({starts}) THEN chr({ord(PREFIX)}) || {column} ELSE {column} END"


def _clean_sql(column: str) -> str:
    """:func:`ssaas.common.spreadsheet.clean` as SQL (PostgreSQL's text holds no NUL)."""
    ranges = "".join(f"\\u{max(low, 1):04x}-\\u{high:04x}" for low, high in CONTROL_RANGES)
    return f"regexp_replace({column}, '[{ranges}]', '', 'g')"


def _csv_field(text: str) -> str:
    """``text`` as a CSV field as PostgreSQL's COPY writes one: quoted (quotes
    doubled) when empty or holding a comma, a double quote or a line break."""
    if text == "" or any(c in text for c in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _csv_sql(text: str, value: str | None = None) -> str:
    """:func:`_csv_field` in SQL: ``value`` (default ``text``) quoted as the field
    when ``text`` must be (``value`` only prefixes ``text``)."""
    value = value or text
    needs = " OR ".join(f"strpos({text}, {c}) > 0" for c in ("','", "'\"'", "chr(10)", "chr(13)"))
    return f"""CASE WHEN {text} = '' OR {needs} THEN '"' || replace({value}, '"', '""') || '"' ELSE {value} END"""


def _itemised_calls_sql(run: BillRun, *, sql_dates: bool) -> Iterator[bytes]:
    """The calls CSV made by PostgreSQL: each line in SQL (as its COPY would write
    it), a service's lines of one day joined into one row. A million calls then
    reach this process as some 300,000 rows, not a million COPY messages, each of
    which cost this process more than the database (1.5 s of its time a million,
    taken from the thread writing the other files)."""
    table = UsageRecord._meta.db_table
    labels = " ".join(f"WHEN '{k}' THEN '{_csv_field(v)}'" for k, v in CATEGORIES.items())
    # Each service's start of line (customer and reference, inert, quoted as needed)
    # as two arrays: one parameter each however many services the provider has.
    services = _services(run)
    ids = list(services)
    starts = [f"{_csv_field(customer)},{_csv_field(reference)}" for customer, reference in services.values()]
    where, where_params = run_usage_sql(run)
    # Each column in its cheapest form giving the same text: to_char costs about
    # as much as all the rest of a line. The time of day as a time (whole seconds),
    # the charge as it is stored (two decimals), the date as DateStyle writes it
    # when the caller has set it.
    day = "u.call_date::text" if sql_dates else "to_char(u.call_date, 'DD/MM/YYYY')"
    # Nearly every number called is digits only: as it is, after one scan.
    # Any other goes through the one sanitiser (control characters, then formula starts).
    target = (
        f"CASE WHEN u.target ~ '^[0-9]*$' THEN u.target "
        f"ELSE {_csv_sql(_clean_sql('u.target'), _inert_sql('u.target'))} END"
    )
    category = _csv_sql(_clean_sql("u.category"), _inert_sql("u.category"))  # one with no label of its own
    # concat_ws over the columns (NULLs as ''), the line's end with its last one:
    # half the time of concat() over the columns and the commas between them, a
    # third of a chain of || (each copies the text so far).
    line = (
        f"concat_ws(',', s.start, {day}, date_trunc('second', u.started_at AT TIME ZONE %s)::time, {target}, "
        f"CASE u.category {labels} ELSE {category} END, coalesce(u.duration_seconds::text, ''), "
        "coalesce(u.billed_seconds::text, ''), coalesce(u.charge::text, ''), "
        "CASE WHEN u.call_date < %s THEN 'late' || chr(10) ELSE chr(10) END)"
    )
    # The inner query's order is the order the lines are joined in (a sorted input's
    # order is kept by a grouped aggregate over it, which then needs no sort).
    query = (
        f"SELECT string_agg(t.line, '') FROM (SELECT u.service_id, u.call_date, {line} AS line "
        f"FROM {table} u JOIN unnest(%s::bigint[], %s::text[]) AS s(id, start) ON s.id = u.service_id "
        f"WHERE {where} ORDER BY u.service_id, u.call_date, u.started_at, u.id) AS t "
        "GROUP BY t.service_id, t.call_date ORDER BY t.service_id, t.call_date"
    )
    header = io.StringIO()
    csv.writer(header, lineterminator="\n").writerow(CALL_COLUMNS)
    yield header.getvalue().encode("utf-8")
    arguments = [run.provider.time_zone, run.period.start_date, ids, starts, *where_params]
    # Rows streamed (libpq's chunked mode where it has it), passed on in ~64 kB blocks.
    size = 200 if pq.version() >= 170000 else 1
    with connection.cursor() as cursor:
        blocks, length = [], 0
        for (text,) in cursor.cursor.stream(query, arguments, size=size):
            block = text.encode("utf-8")
            blocks.append(block)
            length += len(block)
            if length >= 65536:
                yield b"".join(blocks)
                blocks, length = [], 0
        yield b"".join(blocks)


# ---------------------------------------------------------------------------
# Run summary workbook
# ---------------------------------------------------------------------------

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


def _write_calls(run: BillRun, path, *, sql_dates: bool = False) -> None:
    with path.open("wb") as out:
        for chunk in itemised_calls(run, sql_dates=sql_dates):
            out.write(chunk)


def _write_calls_sorted_in_memory(run: BillRun, path) -> None:
    """:func:`_write_calls` with room to sort the calls in memory and dates written
    by PostgreSQL: it reads, sorts and formats them while the calling thread writes
    the other files."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute("SET LOCAL jit = off")
            # The services' starts join the calls by merging: the calls are sorted by
            # service anyway. Not a loop over the services probing the records
            # (fresh services without statistics once made PostgreSQL plan that:
            # 9 s, not 3), nor a hash of the million records (the starts' side has
            # no statistics, so it looks the costlier to hash): a third more time.
            cursor.execute("SET LOCAL enable_nestloop = off")
            cursor.execute("SET LOCAL enable_hashjoin = off")
            # One process: the calls are made beside the close and the other files,
            # which keep the other core busy (parallel workers would only add their
            # merge, about twice the CPU time in all).
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            # Dates written dd/mm/yyyy by PostgreSQL itself (this connection reads
            # no date back before it closes: psycopg reads only ISO dates).
            cursor.execute("SET LOCAL DateStyle = 'SQL, DMY'")
        _write_calls(run, path, sql_dates=True)


def _aside(write, failed: list, *args) -> threading.Thread:
    """A started thread running ``write(*args)`` on a connection of its own, closed
    afterwards; an exception is handed to the calling thread through ``failed``."""

    def run() -> None:
        try:
            write(*args)
        except Exception as exc:  # handed to the calling thread
            failed.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run, name=write.__name__)
    thread.start()
    return thread


class CloseFiles:
    """A run's three files made with its close (PostgreSQL, outside a transaction).

    Told by the close when it has fixed what it bills (:meth:`watermarks`), a
    thread of its own has the database read, sort and format the itemised calls
    (committed records, on a connection of its own) while the close prices the
    rest; told the lines the close has written (:meth:`billed`), the invoices and
    the summary are made from them once it has committed (:meth:`write`), without
    reading them back. The calls go to a part file, named only then; :meth:`discard`
    removes what a failed close left."""

    def __init__(self, directory) -> None:
        self.directory = directory
        self.thread: threading.Thread | None = None
        self.failed: list[Exception] = []
        self.part = None
        self.lines: list[tuple] | None = None

    def watermarks(self, run: BillRun) -> None:
        # A copy: the close goes on changing its run (totals, status), not what the calls read.
        self.part = self.directory / f".calls-{run.pk}.part"
        self.thread = _aside(_write_calls_sorted_in_memory, self.failed, copy.copy(run), self.part)

    def billed(self, lines: list[tuple]) -> None:
        self.lines = lines

    def write(self, run: BillRun) -> list:
        """The three files of the committed run; their paths (as :func:`write_files`)."""
        if self.thread is None or self.lines is None:  # another close billed the period
            return write_files(run, self.directory)
        run = BillRun.objects.select_related("provider", "period").get(pk=run.pk)
        summary = self.directory / summary_filename(run)
        xero = _write_xero_file(run, self.directory, self.lines)
        write_summary(run, str(summary), self.lines)
        self.thread.join()
        if self.failed:
            raise self.failed[0]
        calls = self.part.rename(self.directory / calls_filename(run))
        return [xero, calls, summary]

    def discard(self) -> None:
        """Wait for the calls, and remove their part file if it was not named."""
        if self.thread is not None:
            self.thread.join()
            self.part.unlink(missing_ok=True)


def _write_xero_file(run: BillRun, directory, lines: list[tuple] | None = None):
    """The Xero file (.csv or .zip) in ``directory``, named once whole."""
    partial = directory / f".xero-{run.pk}.part"
    with partial.open("wb") as out:
        name = write_xero(run, out, lines)
    return partial.rename(directory / name)


def write_files(run: BillRun, directory) -> list:
    """The run's three files written into ``directory`` (a pathlib.Path); their paths.

    On PostgreSQL, outside a transaction (the close committed: other connections
    see what it billed), the itemised calls and the summary are each written in a
    thread of their own meanwhile: the database reads and sorts for one while this
    process formats another."""
    run = BillRun.objects.select_related("provider", "period").get(pk=run.pk)
    calls = directory / calls_filename(run)
    summary = directory / summary_filename(run)
    aside: list[threading.Thread] = []
    failed: list[Exception] = []
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        aside = [
            _aside(_write_calls_sorted_in_memory, failed, run, calls),
            _aside(write_summary, failed, run, str(summary)),
        ]
    try:
        xero = _write_xero_file(run, directory)
    finally:
        for thread in aside:
            thread.join()
    if failed:
        raise failed[0]
    if not aside:
        write_summary(run, str(summary))
        _write_calls(run, calls)
    return [xero, calls, summary]
