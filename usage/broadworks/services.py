"""BroadWorks utilisation reports: validated row by row, stored whole or not at all.

A report is refused when any row is wrong (a partial report would show false
differences); every problem names the file, the row (the header is row 1)
and the column. A new report for a provider and period replaces the current
one.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from typing import IO

from django.conf import settings
from django.db import transaction

from providers.models import BillPeriod, Provider
from provisioning.choices import FeatureProductKindChoices
from provisioning.models import FeatureProduct
from provisioning.normalise import normalise_group_id
from usage.broadworks.choices import BroadWorksItemTypeChoices as ItemType
from usage.broadworks.choices import BroadWorksReportStatusChoices as Status
from usage.broadworks.models import BroadWorksItem, BroadWorksReport
from usage.carrier_files.choices import CarrierFileSourceChoices
from usage.carrier_files.lines import ContentRefused, bounded_lines
from usage.carrier_files.receive import check_file_name, spool

COLUMNS = ("group_id", "item_type", "item_name", "quantity")
# What the columns hold (BroadWorksItem's max_length; a quantity is at most 7 digits).
FIELD_MAX_LENGTH = {
    "group_id": BroadWorksItem._meta.get_field("group_id").max_length,
    "item_type": BroadWorksItem._meta.get_field("item_type").max_length,
    "item_name": BroadWorksItem._meta.get_field("item_name").max_length,
    "quantity": 20,
}
MAX_QUANTITY = 1_000_000


class ReportInvalid(ValueError):
    """The report cannot be taken; ``problems`` says where and why."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _catalogue(provider: Provider) -> tuple[dict[str, FeatureProduct], FeatureProduct | None]:
    """Service Packs by lower-case name, and the SIP Session product (an active one
    first, then by element id)."""
    products = FeatureProduct.objects.filter(provider=provider).order_by("-is_active", "element_id")
    packs, sessions = {}, None
    for product in products:
        if product.kind == FeatureProductKindChoices.SERVICE_PACK:
            packs.setdefault(product.name.lower(), product)
        elif product.kind == FeatureProductKindChoices.SIP_SESSION and sessions is None:
            sessions = product
    return packs, sessions


def _csv_lines(content: IO[bytes], name: str) -> Iterator[str]:
    """The file's text lines (with their newline, for the csv module), read in bounded
    chunks: a line longer than ``LINE_MAX_BYTES`` raises :class:`ContentRefused`."""
    for number, raw in enumerate(bounded_lines(content, name=name), start=1):
        try:
            text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            raise ContentRefused(f"{name} row {number}: not UTF-8 text (byte {exc.start + 1})") from exc
        yield text + "\n"


def parse_broadworks_report(
    provider: Provider, name: str, data: bytes | IO[bytes]
) -> tuple[list[BroadWorksItem], list[str]]:
    """The report's rows as unsaved items, and the problems found (empty if none).

    The file is streamed: at most ``SPREADSHEET_MAX_ROWS`` rows are read, no line
    longer than ``LINE_MAX_BYTES``; each cell is checked for NUL and for the length
    its column holds; the first ``ERRORS_LISTED_MAX`` problems are listed, then a
    count of the rest."""
    content = io.BytesIO(data) if isinstance(data, bytes) else data
    problems: list[str] = []
    found = 0
    max_rows = settings.SPREADSHEET_MAX_ROWS

    def problem(row: int, column: str | None, reason: str) -> None:
        nonlocal found
        found += 1
        if len(problems) < settings.ERRORS_LISTED_MAX:
            where = f"{name} row {row}" + (f", column {column}" if column else "")
            problems.append(f"{where}: {reason}")

    reader = csv.reader(_csv_lines(content, name))
    items: list[BroadWorksItem] = []
    try:
        header = [h.strip().lower() for h in next(reader, [])]
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            problem(1, None, f"no column(s) {', '.join(missing)}: the header must name {', '.join(COLUMNS)}")
            return [], problems
        at = {c: header.index(c) for c in COLUMNS}
        packs, sessions = _catalogue(provider)
        seen: dict[tuple[str, str, str], int] = {}
        for row_number, row in enumerate(reader, start=2):
            if row_number - 1 > max_rows:
                stopped = f"{name} row {row_number}: more than {max_rows:,} rows (the limit SPREADSHEET_MAX_ROWS)"
                problems.append(f"{stopped}: not read further")
                break
            item = _check_row(row_number, row, header, at, packs, sessions, seen, provider, problem)
            if item is not None:
                items.append(item)
    except (csv.Error, ContentRefused) as exc:
        where = "" if isinstance(exc, ContentRefused) else f"{name} row {reader.line_num}: "
        problems.append(f"{where}{exc}")
    listed = min(found, settings.ERRORS_LISTED_MAX)
    if found > listed:
        problems.append(f"… and {found - listed} more problem(s) not listed")
    if not items and not problems:
        problems.append(f"{name}: no rows under the header")
    return items, problems


def _check_row(row_number, row, header, at, packs, sessions, seen, provider, problem) -> BroadWorksItem | None:
    """The row as an unsaved item, or ``None`` after naming its problems."""
    if not any(cell.strip() for cell in row):
        return None
    if len(row) < len(header):
        problem(row_number, None, f"{len(row)} column(s), the header has {len(header)}")
        return None
    cells = {c: row[at[c]].strip() for c in COLUMNS}
    for column, cell in cells.items():
        if "\x00" in cell:
            problem(row_number, column, "contains a NUL character")
            return None
        longest = FIELD_MAX_LENGTH.get(column)
        if longest and len(cell) > longest:
            problem(row_number, column, f"{len(cell):,} characters, at most {longest} are allowed")
            return None
    ok = True
    group_id = normalise_group_id(cells["group_id"])
    if not group_id or " " in group_id:
        problem(row_number, "group_id", f"not a Group ID: {cells['group_id']!r}")
        ok = False
    item_type = cells["item_type"].upper()
    if item_type not in ItemType.values:
        problem(
            row_number,
            "item_type",
            f"unknown {cells['item_type']!r} (SERVICE_PACK or SIP_SESSION)",
        )
        ok = False
    item_name = cells["item_name"]
    if not item_name:
        problem(row_number, "item_name", "empty")
        ok = False
    try:
        quantity = int(cells["quantity"])
    except ValueError:
        quantity = -1
    if not 0 <= quantity <= MAX_QUANTITY:
        problem(row_number, "quantity", f"not a whole number ≥ 0: {cells['quantity']!r}")
        ok = False
    product = None
    if item_type == ItemType.SERVICE_PACK and item_name:
        product = packs.get(item_name.lower())
        if product is None:
            problem(
                row_number,
                "item_name",
                f"no Service Pack named {item_name!r} in {provider}'s catalogue",
            )
            ok = False
    elif item_type == ItemType.SIP_SESSION:
        product = sessions
        if product is None:
            problem(row_number, "item_type", f"{provider}'s catalogue has no SIP Session")
            ok = False
    key = (group_id, item_type, item_name.lower())
    if ok and key in seen:
        problem(row_number, "item_name", f"repeats row {seen[key]}")
        ok = False
    if not ok:
        return None
    seen[key] = row_number
    return BroadWorksItem(
        row_number=row_number,
        group_id=group_id,
        item_type=item_type,
        item_name=item_name,
        quantity=quantity,
        product=product,
    )


def broadworks_report_upload(
    *,
    provider: Provider,
    period: BillPeriod,
    name: str,
    content: IO[bytes],
    source: str = CarrierFileSourceChoices.UPLOAD,
    acting_user=None,
) -> BroadWorksReport:
    """Validate and store a report for ``provider`` and ``period``, replacing the
    current one; raises :class:`ReportInvalid` (nothing stored) on any problem.

    The file is validated as it streams, then copied beside the storage and moved
    into place by a rename; if anything fails after that, the stored file is
    removed with the transaction's rows, so no file is left without its row."""
    check_file_name(name)
    items, problems = parse_broadworks_report(provider, name, content)
    if problems:
        raise ReportInvalid(problems)
    content.seek(0)
    spooled, _size, sha256 = spool(content, name)
    report = None
    try:
        with transaction.atomic():
            Provider.objects.select_for_update().get(pk=provider.pk)
            current = list(
                BroadWorksReport.objects.filter(
                    provider=provider, period_start=period.start_date, status=Status.CURRENT
                )
            )
            BroadWorksReport.objects.filter(pk__in=[r.pk for r in current]).update(status=Status.SUPERSEDED)
            report = BroadWorksReport(
                provider=provider,
                period_start=period.start_date,
                period_end=period.end_date,
                name=name,
                sha256=sha256,
                rows=len(items),
                source=source,
                uploaded_by=acting_user,
            )
            report.stored.save(name, spooled, save=False)
            report.save()
            BroadWorksReport.objects.filter(pk__in=[r.pk for r in current]).update(superseded_by=report)
            for item in items:
                item.report = report
            BroadWorksItem.objects.bulk_create(items, batch_size=1000)
    except BaseException:
        if report is not None and report.stored:
            report.stored.delete(save=False)
        raise
    finally:
        spooled.close()
        leftover = spooled.temporary_file_path()
        if leftover != getattr(content, "temporary_file_path", lambda: None)() and os.path.exists(leftover):
            os.unlink(leftover)
    return report
