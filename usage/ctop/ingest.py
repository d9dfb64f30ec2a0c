"""Processing a CTOP file: its usage records rated or quarantined, in the file's
transaction (``carrier_file_process``), written by COPY on PostgreSQL."""

from __future__ import annotations

import logging
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from providers.models import Provider
from usage.carrier_files.choices import CarrierFileKindChoices
from usage.carrier_files.choices import CarrierFileStatusChoices as Status
from usage.carrier_files.framing import FileRejected
from usage.carrier_files.layouts import Layout
from usage.carrier_files.lines import open_lines
from usage.carrier_files.models import CarrierFile
from usage.carrier_files.processing import file_reject, finish_parse, parse_notes, register
from usage.carrier_files.progress import clear_progress, track_progress
from usage.carrier_files.receive import account_mismatch
from usage.ctop.identify import ProviderIndex
from usage.ctop.models import UsageRecord
from usage.ctop.parser import CtopParser, compile_ctop_layout
from usage.ctop.pipeline import (
    COLUMNS,
    CONTENT_COLUMNS,
    NULL,
    BatchSink,
    CopySink,
    DuplicateRecord,
    Stats,
    content_of,
    run,
)
from usage.ctop.rated_seq import next_rated_seq
from usage.ctop.statistics import refresh_statistics_if_stale

logger = logging.getLogger(__name__)

# Files of fewer lines cannot make the statistics stale (see ctop/statistics.py).
STATISTICS_AFTER_LINES = 10_000


def _refresh_statistics(carrier_file: CarrierFile) -> None:
    if carrier_file.lines >= STATISTICS_AFTER_LINES:
        refresh_statistics_if_stale()


@register(CarrierFileKindChoices.CTOP, after=_refresh_statistics)
def process_ctop(provider: Provider, carrier_file: CarrierFile) -> None:
    mismatch = account_mismatch(provider, carrier_file)
    if mismatch:
        file_reject(carrier_file, mismatch)
        return
    layout = carrier_file.layout or Layout.for_provider(provider, "ctop")
    carrier_file.layout = layout
    compiled = compile_ctop_layout(layout)
    index = ProviderIndex(provider)
    fast = connection.vendor == "postgresql"
    while True:
        try:
            with transaction.atomic():
                outcome = _ingest(provider, carrier_file, compiled, index, fast=fast)
            break
        except DuplicateRecord:
            fast = False  # rare: set the duplicates aside row by row
        except FileRejected as exc:
            file_reject(carrier_file, str(exc))
            return
    parser, stats, rejected = outcome
    carrier_file.lines = parser.lines_read
    accounted = stats.rated + stats.quarantined + stats.duplicates + len(rejected)
    if accounted != parser.lines_read:  # pragma: no cover - a defect, never a data problem
        raise AssertionError(f"{carrier_file.name}: {parser.lines_read} lines read, {accounted} accounted for")
    carrier_file.rated = stats.rated
    carrier_file.quarantined = stats.quarantined
    carrier_file.duplicates = stats.duplicates
    carrier_file.rejected = len(rejected)
    carrier_file.charge_total = Decimal(stats.charge_cents).scaleb(-2)
    carrier_file.aapt_cost_total = stats.aapt_cents.scaleb(-2)
    exceptions = stats.quarantined or stats.duplicates or rejected
    carrier_file.status = Status.PROCESSED_WITH_EXCEPTIONS if exceptions else Status.PROCESSED
    carrier_file.reason = "; ".join(parse_notes(parser, len(rejected)))
    carrier_file.processed_at = timezone.now()
    carrier_file.save()
    logger.info(
        "processed %s: %s rated, %s quarantined, %s rejected, %s duplicates",
        carrier_file.name,
        stats.rated,
        stats.quarantined,
        len(rejected),
        stats.duplicates,
    )


def _ingest(provider, carrier_file, compiled, index, *, fast: bool):
    stats = Stats()
    rejected: list = []
    parser = CtopParser(compiled, expected_account=provider.aapt_account)
    # The caller holds the provider row FOR UPDATE (_process): drawn after it, and
    # before the sink opens its COPY on the connection.
    rated_seq = next_rated_seq()
    sink = (
        CopySink(UsageRecord._meta.db_table, stats)
        if fast
        else BatchSink(
            provider_id=provider.pk,
            stats=stats,
            existing=lambda ids: _existing_record_ids(provider.pk, ids),
            write=_copy_rows if connection.vendor == "postgresql" else _bulk_create_rows,
            rejected=rejected,
        )
    )
    try:
        with carrier_file.stored.open("rb") as raw:
            run(
                parser=parser,
                raw_lines=track_progress(
                    open_lines(raw, carrier_file.name), raw, carrier_file.pk, size=carrier_file.size
                ),
                index=index,
                carrier_file_id=carrier_file.pk,
                rated_at=timezone.now(),
                rated_seq=rated_seq,
                sink=sink,
                rejected=rejected,
            )
    except BaseException:
        sink.abort()
        clear_progress(carrier_file.pk)
        raise
    sink.close()
    finish_parse(parser, carrier_file, rejected)
    if abs(stats.charge_cents) >= MAX_CHARGE_TOTAL_CENTS:
        raise FileRejected(
            f"the records' charges add up to {Decimal(stats.charge_cents).scaleb(-2):,} dollars: more than "
            f"a file's charge total can hold (under {Decimal(MAX_CHARGE_TOTAL_CENTS).scaleb(-2):,})"
        )
    return parser, stats, rejected


MAX_CHARGE_TOTAL_CENTS = 10**14  # CarrierFile.charge_total is numeric(14, 2)


def _existing_record_ids(provider_id: int, record_ids: list[str]) -> dict[str, tuple[str, tuple]]:
    """The records already holding these record ids: where each is, and its content."""
    rows = UsageRecord.objects.filter(provider_id=provider_id, record_id__in=record_ids).values_list(
        "record_id", "line_number", "carrier_file__name", "carrier_file_id", *CONTENT_COLUMNS
    )
    return {
        record_id: (f"line {line} of {name} (file {file_id})", content_of(tuple(content)))
        for record_id, line, name, file_id, *content in rows
    }


def _copy_rows(items: list[tuple]) -> None:
    sink = CopySink(UsageRecord._meta.db_table, Stats())
    for record_id, row, status, charge_cents, aapt_cents, esc in items:
        sink.add(record_id, row, status, charge_cents, aapt_cents, esc)
    sink.close()


def _bulk_create_rows(items: list[tuple]) -> None:
    UsageRecord.objects.bulk_create(
        [
            UsageRecord(**{c: (None if v == NULL else v) for c, v in zip(COLUMNS, row, strict=True)})
            for _, row, *_ in items
        ],
        batch_size=500,
    )
