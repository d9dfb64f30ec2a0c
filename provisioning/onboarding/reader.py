"""Reading onboarding files: an XLSX workbook (a sheet per kind) or a CSV file (one kind).

The reader knows the layout (which columns a kind has) but nothing of the
models: it returns each sheet's rows as ``{column name: raw cell}`` with the
row numbers the person sees, and the problems with files, sheets and headers.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any, BinaryIO

from defusedxml import DefusedXmlException, EntitiesForbidden, ExternalReferenceForbidden
from django.conf import settings
from openpyxl.reader.excel import ExcelReader
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.xml.constants import SHARED_STRINGS

from ssaas.common.limits import size_text

from . import cells
from .layout import KINDS, LAYOUTS, SheetLayout, header_key, kind_from_name
from .result import RowError

XLSX_SUFFIXES = (".xlsx", ".xlsm")
CSV_SUFFIXES = (".csv",)
_KIND_LIST = ", ".join(KINDS)


@dataclass
class Row:
    number: int
    cells: dict[str, Any]


@dataclass
class Sheet:
    """One kind of rows: a sheet of a workbook, or a CSV file."""

    title: str
    kind: str
    # column name (as in the layout) → the header as written in the file
    headers: dict[str, str] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)

    @property
    def layout(self) -> SheetLayout:
        return LAYOUTS[self.kind]

    def header(self, column: str) -> str:
        return self.headers.get(column, column)


def read_onboarding_file(file: BinaryIO, *, name: str, kind: str | None = None) -> tuple[list[Sheet], list[RowError]]:
    """The sheets of ``file`` in import order, and what is wrong with its structure.

    A sheet whose header lacks a required column is left out (its errors say why)."""
    suffix = PurePath(name).suffix.lower()
    if suffix in XLSX_SUFFIXES:
        raw_sheets, errors = _read_xlsx(file, name)
    elif suffix in CSV_SUFFIXES:
        raw_sheets, errors = _read_csv(file, name, kind)
    else:
        return [], [RowError(name, None, "", "Upload an XLSX workbook (.xlsx) or a CSV file.")]

    sheets = []
    for title, sheet_kind, numbered_rows in raw_sheets:
        sheet, sheet_errors = _with_header(title, sheet_kind, numbered_rows)
        errors += sheet_errors
        if sheet is not None:
            sheets.append(sheet)
    if not sheets and not errors:
        errors.append(RowError(name, None, "", f"No sheet is named after a kind: {_KIND_LIST}."))
    sheets.sort(key=lambda s: KINDS.index(s.kind))
    return sheets, errors


_RawSheet = tuple[str, str, list[tuple[int, tuple]]]


def read_size(path) -> int:
    """The bytes reading the file at ``path`` parses: a workbook's members once
    unpacked (from the zip's directory, nothing inflated), else the file's size."""
    size = path.stat().st_size
    if PurePath(path).suffix.lower() in XLSX_SUFFIXES:
        with open(path, "rb") as file:
            size = max(size, _inflated_size(file) or 0)
    return size


def _inflated_size(file: BinaryIO) -> int | None:
    """What the workbook's zip members add up to once inflated (``None``: not a zip)."""
    try:
        with zipfile.ZipFile(file) as archive:
            return sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        file.seek(0)


class _TooManyStrings(Exception):
    """The shared strings part holds more items than ``SPREADSHEET_MAX_STRINGS``."""


# A shared string item's start tag in any namespace prefix (``<si>``, ``<x:si …>``):
# what openpyxl keeps a Python string for. Counted on the bytes, so text holding
# ":si " is counted too (never fewer items than there are).
_STRING_ITEM = re.compile(rb"[<:]si[\s/>]")


def _more_strings_than(part: BinaryIO, limit: int) -> bool:
    """Whether the shared strings ``part`` (a zip member, inflated as it is read) holds
    more than ``limit`` items: read in 1 MB chunks until it is known."""
    count, tail = 0, b""
    while chunk := part.read(1 << 20):
        data = tail + chunk
        count += sum(1 for _ in _STRING_ITEM.finditer(data))
        if count > limit:
            return True
        tail = data[-3:]  # an item's start (4 bytes) cut by the chunk's end is matched next time
    return False


class _LimitedReader(ExcelReader):
    """openpyxl's reader (what ``load_workbook`` uses), counting the shared strings
    before it reads them: it keeps every one as a Python string at once, before the
    first row is read (5.5 million one-letter strings, 95 MB unpacked: 592 MB)."""

    def read_strings(self):
        part = self.package.find(SHARED_STRINGS)
        if part is not None:
            with self.archive.open(part.PartName[1:]) as source:
                if _more_strings_than(source, settings.SPREADSHEET_MAX_STRINGS):
                    raise _TooManyStrings
        super().read_strings()


def _open_workbook(file: BinaryIO):
    reader = _LimitedReader(file, read_only=True, data_only=True)
    try:
        reader.read()
    except BaseException:
        reader.archive.close()
        raise
    return reader.wb


def _xml_refusal(exc: BaseException) -> str | None:
    """What the XML parser said of a workbook part, or ``None`` if ``exc`` is not a
    parser's refusal. xml.etree's ParseError and lxml's XMLSyntaxError are both
    SyntaxErrors; defusedxml (which openpyxl uses when it is installed) refuses entity
    declarations and external references, which no workbook Excel writes holds;
    openpyxl wraps a ValueError in one of its own."""
    for error in (exc, exc.__cause__):
        if isinstance(error, EntitiesForbidden):
            return f"it declares an XML entity, {error.name}"
        if isinstance(error, ExternalReferenceForbidden):
            return "it refers to an external XML resource"
        if isinstance(error, DefusedXmlException | SyntaxError):
            said = str(error).splitlines()[0] if str(error) else error.__class__.__name__
            return re.sub(r" \(<string>, line \d+\)$", "", said)  # lxml's note of its input
    return None


def _xml_error(name: str, where: str, reason: str) -> RowError:
    return RowError(
        name,
        None,
        "",
        f"{where}'s XML cannot be read ({reason}). Save it again from Excel, or save it as a CSV file.",
    )


def _limited_rows(title: str, rows: Iterable[tuple], errors: list[RowError]) -> list[tuple[int, tuple]] | None:
    """The sheet's rows, numbered, at most ``SPREADSHEET_MAX_ROWS`` (else ``None`` and an
    error); a text longer than ``SPREADSHEET_CELL_MAX_CHARS`` is an error and left out."""
    max_rows, max_chars = settings.SPREADSHEET_MAX_ROWS, settings.SPREADSHEET_CELL_MAX_CHARS
    numbered = []
    for number, row in enumerate(itertools.islice(rows, max_rows + 1), start=1):
        if number > max_rows:
            errors.append(
                RowError(
                    title,
                    None,
                    "",
                    f"More than {max_rows:,} rows (the limit SPREADSHEET_MAX_ROWS): split the file, "
                    "or ask an administrator to raise the limit.",
                )
            )
            return None
        if any(isinstance(cell, str) and len(cell) > max_chars for cell in row):
            row = list(row)
            for position, cell in enumerate(row):
                if isinstance(cell, str) and len(cell) > max_chars:
                    errors.append(
                        RowError(
                            title,
                            number,
                            f"column {get_column_letter(position + 1)}",
                            f"{len(cell):,} characters: at most {max_chars:,} (the limit SPREADSHEET_CELL_MAX_CHARS).",
                        )
                    )
                    row[position] = None
            row = tuple(row)
        numbered.append((number, row))
    return numbered


def _read_xlsx(file: BinaryIO, name: str) -> tuple[list[_RawSheet], list[RowError]]:
    inflated = _inflated_size(file)
    if inflated is not None and inflated > settings.SPREADSHEET_MAX_BYTES:
        return [], [
            RowError(
                name,
                None,
                "",
                f"This workbook holds {size_text(inflated)} once unpacked: at most "
                f"{size_text(settings.SPREADSHEET_MAX_BYTES)} (the limit SPREADSHEET_MAX_BYTES). Split it.",
            )
        ]
    try:
        workbook = _open_workbook(file)
    except _TooManyStrings:
        limit = settings.SPREADSHEET_MAX_STRINGS
        return [], [
            RowError(
                name,
                None,
                "",
                f"This workbook holds more than {limit:,} different texts (shared strings): at most "
                f"{limit:,} (the limit SPREADSHEET_MAX_STRINGS). Split it.",
            )
        ]
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError, SyntaxError) as exc:
        reason = _xml_refusal(exc)
        if reason is not None:
            return [], [_xml_error(name, "This workbook", reason)]
        return [], [RowError(name, None, "", "This is not an XLSX workbook Excel can open.")]
    raw_sheets: list[_RawSheet] = []
    errors: list[RowError] = []
    seen: dict[str, str] = {}
    title = ""
    try:
        for worksheet in workbook.worksheets:
            title = worksheet.title
            kind = header_key(title)
            if kind not in LAYOUTS:
                errors.append(
                    RowError(
                        title,
                        None,
                        "",
                        f"Not a kind of onboarding rows: name the sheet one of {_KIND_LIST}.",
                    )
                )
                continue
            if kind in seen:
                errors.append(
                    RowError(
                        title,
                        None,
                        "",
                        f"A second {kind} sheet (after {seen[kind]}): put all its rows on one sheet.",
                    )
                )
                continue
            seen[kind] = title
            # Some writers record wrong sheet dimensions: read up to the last real row.
            worksheet.reset_dimensions()
            rows = _limited_rows(title, worksheet.iter_rows(values_only=True), errors)
            if rows is not None:
                raw_sheets.append((title, kind, rows))
    except (SyntaxError, DefusedXmlException) as exc:  # a sheet is parsed as its rows are read
        return [], [_xml_error(name, f"Sheet {title}", _xml_refusal(exc))]
    except (ValueError, IndexError, KeyError, TypeError) as exc:  # a cell openpyxl cannot make a value of
        reason = "a text that is not in its shared strings" if isinstance(exc, IndexError) else str(exc)
        return [], [
            RowError(
                name,
                None,
                "",
                f"Sheet {title} holds a cell that cannot be read ({reason}). "
                "Save it again from Excel, or save it as a CSV file.",
            )
        ]
    finally:
        workbook.close()
    return raw_sheets, errors


def _read_csv(file: BinaryIO, name: str, kind: str | None) -> tuple[list[_RawSheet], list[RowError]]:
    kind = kind or kind_from_name(name)
    if kind not in LAYOUTS:
        return [], [
            RowError(
                name,
                None,
                "",
                f"Say which kind of rows this CSV file holds ({_KIND_LIST}), "
                "or name the file after it, e.g. services.csv.",
            )
        ]
    # Streamed (the file may be as large as UPLOAD_MAX_BYTES); Excel's plain "CSV (Comma
    # delimited)" is Windows-1252, not UTF-8, so a file that is not UTF-8 is read again so.
    for encoding, on_error in (("utf-8-sig", "strict"), ("cp1252", "replace")):
        errors: list[RowError] = []
        file.seek(0)
        text = io.TextIOWrapper(file, encoding=encoding, errors=on_error, newline="")
        try:
            rows = _limited_rows(name, csv.reader(text), errors)
        except UnicodeDecodeError:
            continue
        except csv.Error as exc:
            return [], [RowError(name, None, "", f"This is not a CSV file Excel can open ({exc}).")]
        finally:
            text.detach()
        return ([] if rows is None else [(name, kind, rows)]), errors
    raise AssertionError("cp1252 with errors='replace' reads any bytes")  # pragma: no cover


def _with_header(title: str, kind: str, numbered_rows: list[tuple[int, tuple]]) -> tuple[Sheet | None, list[RowError]]:
    """The sheet whose first non-blank row is its header, or ``None`` if that header lacks
    a required column."""
    layout = LAYOUTS[kind]
    content = [(n, cells_) for n, cells_ in numbered_rows if not all(map(cells.is_blank, cells_))]
    if not content:
        return Sheet(title, kind), []
    (header_number, header_cells), data_rows = content[0], content[1:]
    errors: list[RowError] = []
    sheet = Sheet(title, kind)
    positions: dict[int, str] = {}
    unknown: set[int] = set()
    for position, raw in enumerate(header_cells):
        written = cells.text(raw)
        if not written:
            continue
        column = header_key(written)
        if column not in layout.column_names:
            unknown.add(position)
            errors.append(
                RowError(
                    title,
                    header_number,
                    written,
                    f"Not a column of {kind}: the columns are {', '.join(layout.column_names)}.",
                )
            )
        elif column in sheet.headers:
            errors.append(RowError(title, header_number, written, "This column appears twice."))
        else:
            sheet.headers[column] = written
            positions[position] = column
    missing = [c.name for c in layout.columns if c.required and c.name not in sheet.headers]
    for column in missing:
        errors.append(RowError(title, header_number, column, "This column is missing: it is required."))
    for number, row_cells in data_rows:
        row = Row(number, {})
        for position, raw in enumerate(row_cells):
            if position in positions:
                row.cells[positions[position]] = raw
            elif position not in unknown and not cells.is_blank(raw):
                errors.append(
                    RowError(
                        title,
                        number,
                        f"column {get_column_letter(position + 1)}",
                        "A value in a column without a header.",
                    )
                )
        sheet.rows.append(row)
    # Without a required column no row can be checked; with an unknown one, the rest can.
    return (None if missing else sheet), errors
