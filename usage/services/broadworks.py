"""BroadWorks utilisation reports: validated row by row, stored whole or not at all.

A report is refused when any row is wrong (a partial report would show false
differences); every problem names the file, the row (the header is row 1)
and the column. A new report for a provider and period replaces the current
one.
"""

from __future__ import annotations

import csv
import hashlib
import io
from typing import IO

from django.core.files.base import ContentFile
from django.db import transaction

from providers.models import BillPeriod, Provider
from provisioning.choices import FeatureProductKindChoices
from provisioning.identifiers import normalise_group_id
from provisioning.models import FeatureProduct

from ..choices import BroadWorksItemTypeChoices as ItemType
from ..choices import BroadWorksReportStatusChoices as Status
from ..choices import CarrierFileSourceChoices
from ..models import BroadWorksItem, BroadWorksReport
from .carrier_files import check_file_name

COLUMNS = ("group_id", "item_type", "item_name", "quantity")
MAX_PROBLEMS = 100
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


def parse_broadworks_report(provider: Provider, name: str, data: bytes) -> tuple[list[BroadWorksItem], list[str]]:
    """The report's rows as unsaved items, and the problems found (empty if none)."""
    problems: list[str] = []

    def problem(row: int, column: str | None, reason: str) -> None:
        where = f"{name} row {row}" + (f", column {column}" if column else "")
        problems.append(f"{where}: {reason}")

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [f"{name}: not a UTF-8 CSV file"]
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in next(reader, [])]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        problem(1, None, f"no column(s) {', '.join(missing)}: the header must name {', '.join(COLUMNS)}")
        return [], problems
    at = {c: header.index(c) for c in COLUMNS}
    packs, sessions = _catalogue(provider)
    items: list[BroadWorksItem] = []
    seen: dict[tuple[str, str, str], int] = {}
    for row_number, row in enumerate(reader, start=2):
        if len(problems) >= MAX_PROBLEMS:
            problems.append(f"{name}: more problems not listed")
            break
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < len(header):
            problem(row_number, None, f"{len(row)} column(s), the header has {len(header)}")
            continue
        cells = {c: row[at[c]].strip() for c in COLUMNS}
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
        if ok:
            seen[key] = row_number
            items.append(
                BroadWorksItem(
                    row_number=row_number,
                    group_id=group_id,
                    item_type=item_type,
                    item_name=item_name,
                    quantity=quantity,
                    product=product,
                )
            )
    if not items and not problems:
        problems.append(f"{name}: no rows under the header")
    return items, problems


@transaction.atomic
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
    current one; raises :class:`ReportInvalid` (nothing stored) on any problem."""
    check_file_name(name)
    data = content.read()
    items, problems = parse_broadworks_report(provider, name, data)
    if problems:
        raise ReportInvalid(problems)
    Provider.objects.select_for_update().get(pk=provider.pk)
    current = list(
        BroadWorksReport.objects.filter(provider=provider, period_start=period.start_date, status=Status.CURRENT)
    )
    BroadWorksReport.objects.filter(pk__in=[r.pk for r in current]).update(status=Status.SUPERSEDED)
    report = BroadWorksReport(
        provider=provider,
        period_start=period.start_date,
        period_end=period.end_date,
        name=name,
        sha256=hashlib.sha256(data).hexdigest(),
        rows=len(items),
        source=source,
        uploaded_by=acting_user,
    )
    report.stored.save(name, ContentFile(data), save=False)
    report.save()
    BroadWorksReport.objects.filter(pk__in=[r.pk for r in current]).update(superseded_by=report)
    for item in items:
        item.report = report
    BroadWorksItem.objects.bulk_create(items, batch_size=1000)
    return report
