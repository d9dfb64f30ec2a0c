"""Adjustments, and closing a bill period: its bill run.

A close is one transaction with the period row locked (``select_for_update``):
it takes the provider row ``FOR UPDATE`` (so no rating transaction of the
provider is in flight), draws its watermark from the rating sequence
(usage/ctop/rated_seq.py), aggregates in the database the usage that
watermark and the period's end bill (usage/billing/selectors.py run_usage: the
records are not marked, so a close writes nothing per call), prices the
recurring days, numbers the invoices and closes the period. Either all of that
commits or none of it does, so a failure leaves nothing half-billed and the
close can simply run again; a second close of the same period waits for the
lock, then finds the run done and returns it.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from providers.changelog import recorded, records_acting_user
from providers.choices import BillPeriodStatusChoices
from providers.models import BillPeriod, Provider
from providers.periods import bill_period_mark_closed, refuse_closed_period
from provisioning.models import Service
from ssaas.common import progress
from ssaas.common.formats import day
from usage.billing.choices import BillRunLineKindChoices as Kind
from usage.billing.choices import BillRunStatusChoices as Status
from usage.billing.exports.close import CloseFiles, write_files
from usage.billing.models import Adjustment, BillRun, BillRunInvoice, BillRunLine
from usage.billing.selectors import (
    LINE_FIELDS,
    bill_lines,
    next_seq_from,
    period_outstanding,
    previous_run,
    unbilled_adjustments,
)
from usage.carrier_files.copy_format import NULL, copy_escape
from usage.ctop.rated_seq import next_rated_seq

# ---------------------------------------------------------------------------
# Adjustments
# ---------------------------------------------------------------------------


@records_acting_user
@transaction.atomic
def adjustment_add(*, service: Service, date: datetime.date, amount: Decimal, reason: str, acting_user) -> Adjustment:
    """A one-off credit (negative) or charge to ``service`` on ``date``, which must
    lie in an open bill period of its provider."""
    provider = service.provider
    refuse_closed_period(provider, date, "adjustment date", field="date")
    if not BillPeriod.objects.containing(date).filter(provider=provider).exists():
        raise ValidationError({"date": f"No bill period of {provider} holds {day(date)}: add the period first."})
    adjustment = Adjustment(
        provider=provider, service=service, date=date, amount=amount, reason=reason, created_by=acting_user
    )
    adjustment.full_clean()
    adjustment.save()
    return adjustment


# ---------------------------------------------------------------------------
# Closing a period
# ---------------------------------------------------------------------------


def _refuse_out_of_order(period: BillPeriod) -> None:
    earlier = (
        BillPeriod.objects.filter(provider_id=period.provider_id, end_date__lt=period.start_date)
        .exclude(status=BillPeriodStatusChoices.CLOSED)
        .order_by("start_date")
        .first()
    )
    if earlier:
        raise ValidationError(
            f"{period.provider}'s bill period {earlier.label} is still open: close the periods in order."
        )


@records_acting_user
@transaction.atomic
def bill_run_request(*, period: BillPeriod, acting_user) -> BillRun:
    """The run that closes ``period``, queued (a failed run, or one stuck running,
    its worker gone, is queued again; a run already queued, running or done is
    returned as it is). Queuing a stuck run again never bills twice: a close takes
    the period's row lock first and reads the run again once it holds it."""
    period = BillPeriod.objects.select_for_update().select_related("provider").get(pk=period.pk)
    run = BillRun.objects.filter(period=period).first()
    if run is None:
        if period.is_closed:
            raise ValidationError(f"{period.provider}'s bill period {period.label} is already closed.")
        _refuse_out_of_order(period)
        run = BillRun.objects.create(provider=period.provider, period=period, requested_by=acting_user)
    elif run.status == Status.FAILED or run.is_stuck:
        run.status, run.error = Status.QUEUED, ""
        run.requested_by = acting_user
        run.save(update_fields=["status", "error", "requested_by"])
        progress.clear(run.progress_key)
    return run


# The close's stages, as its page counts them.
STAGES = 4


def _progress(run: BillRun, stage: int, text: str) -> None:
    """Show the close's stage to other sessions: in the progress store, outside the
    close's transaction."""
    progress.report(run.progress_key, done=stage, total=STAGES, text=text)


# Tests inject a failure here (between setting the watermarks and finishing the close).
_after_usage_marked: Callable[[BillRun], None] = lambda run: None  # noqa: E731


def bill_run_execute(*, run_id: int, files: CloseFiles | None = None) -> BillRun:
    """Close the run's period and bill it; returns the run (done, or failed with the
    reason, nothing of it kept). ``files``: the run's files, made with the close
    (told when what it bills is fixed, then its lines)."""
    run = BillRun.objects.get(pk=run_id)
    if run.status == Status.DONE:
        return run
    BillRun.objects.filter(pk=run.pk).exclude(status=Status.DONE).update(
        status=Status.RUNNING, started_at=timezone.now(), error=""
    )
    _progress(run, 0, "Starting")
    try:
        run = _close(run_id, files)
    except Exception as exc:
        BillRun.objects.filter(pk=run_id).exclude(status=Status.DONE).update(
            status=Status.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        raise
    finally:
        progress.clear(run.progress_key)  # the run's row holds the outcome
    return run


@transaction.atomic
def _close(run_id: int, files: CloseFiles | None = None) -> BillRun:
    run = BillRun.objects.select_related("provider").get(pk=run_id)
    period = BillPeriod.objects.select_for_update().get(pk=run.period_id)
    # Read again once the period is ours (another close may have finished meanwhile).
    run = BillRun.objects.select_related("provider").get(pk=run_id)
    if run.status == Status.DONE:  # another close finished while this one waited
        return run
    if period.is_closed:
        raise ValidationError(f"{run.provider}'s bill period {period.label} is already closed.")
    _refuse_out_of_order(period)
    # The provider row FOR UPDATE before the watermark is drawn: ingest and cleanse
    # take it too (FOR UPDATE / FOR SHARE) before they draw their rating value, so
    # every record rated before this point has a lower value, every later one a
    # higher value, and none can commit under the watermark afterwards.
    provider = Provider.objects.select_for_update().get(pk=run.provider_id)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # The usage aggregate costs PostgreSQL more to compile (JIT) than it saves.
            cursor.execute("SET LOCAL jit = off")
            # The usage totals hashed in memory (a month of a large provider's
            # calls spilled 50 MB to disk at the default 4 MB).
            cursor.execute("SET LOCAL work_mem = '256MB'")
            if files is not None:
                # One process: the other core is making the itemised calls meanwhile.
                cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
    run.outstanding = period_outstanding(period)

    _progress(run, 1, "Finding the usage to bill")
    before = previous_run(period)
    run.seq_through = next_rated_seq()
    run.seq_from = before.seq_next_from if before else 0
    run.previous_seq_through = before.seq_through if before else 0
    run.previous_end = before.period.end_date if before else None
    run.period = period
    if files is not None:
        files.watermarks(run)  # what the run bills is fixed: its calls can be made
    run.seq_next_from = next_seq_from(run)
    unbilled_adjustments(period).update(bill_run=run)
    _after_usage_marked(run)

    _progress(run, 2, "Pricing calls, recurring charges and adjustments")
    drafts = bill_lines(period, run=run)
    calls = sum(line.quantity for draft in drafts for line in draft.lines if line.kind in (Kind.USAGE, Kind.LATE_USAGE))

    _progress(run, 3, f"Writing {len(drafts)} invoices")
    number = provider.invoice_next_number
    invoices = []
    for draft in drafts:
        total, gst, total_inc_gst = draft.totals()
        invoice = BillRunInvoice(
            run=run,
            customer=draft.customer,
            number=f"{provider.invoice_prefix}{number}",
            total_ex_gst=total,
            gst=gst,
            total_inc_gst=total_inc_gst,
            aapt_cost=draft.aapt_cost,
        )
        number += 1
        invoices.append(invoice)
    BillRunInvoice.objects.bulk_create(invoices, batch_size=1000)
    late_calls = sum(line.quantity for draft in drafts for line in draft.lines if line.kind == Kind.LATE_USAGE)
    lines = billed_lines(drafts, invoices)
    del drafts  # their lines were let go as they became rows
    lines_written = _write_lines(run.pk, lines)
    if files is not None:
        files.billed(lines)
    # The period's close and the invoice numbering are logged as done by whoever
    # asked for the run (the worker closes it on their behalf).
    with recorded(run.requested_by, note=f"Bill run #{run.pk} of {period.label}."):
        provider.invoice_next_number = number
        provider.save(update_fields=["invoice_next_number"])

    total = sum((i.total_ex_gst for i in invoices), Decimal("0.00"))
    run.calls = calls
    run.late_calls = late_calls
    run.total_ex_gst = total
    run.gst = sum((i.gst for i in invoices), Decimal("0.00"))
    run.total_inc_gst = total + run.gst
    run.aapt_cost = sum((i.aapt_cost for i in invoices), Decimal("0.00"))
    run.status = Status.DONE
    run.summary = f"Done: {len(invoices)} invoices, {lines_written} lines, {calls} calls"
    run.finished_at = timezone.now()
    run.save()
    with recorded(run.requested_by, note=f"Bill run #{run.pk} of {period.label}."):
        bill_period_mark_closed(period=period, acting_user=run.requested_by)
    return run


def billed_lines(drafts: list, invoices: list[BillRunInvoice]) -> list[tuple]:
    """The run's lines as tuples of ``LINE_FIELDS`` (usage/billing/selectors.py),
    invoice by invoice: what the close writes, and what files made with it read.
    Each draft's lines are let go once they are rows (the close holds the rows,
    not both)."""
    rows: list[tuple] = []
    for draft, invoice in zip(drafts, invoices, strict=True):
        rows += _rows_of(draft.lines, invoice.pk)
        draft.lines = []
    return rows


def _rows_of(lines: list, invoice_id: int) -> list[tuple]:
    return [
        (
            invoice_id,
            line.service_id,
            line.service_reference,
            line.kind,
            line.category,
            line.product_id,
            line.adjustment_id,
            line.description[:300],
            line.quantity,
            line.days,
            line.billed_seconds,
            line.first_date,
            line.last_date,
            line.amount,
            line.aapt_cost,
        )
        for line in lines
    ]


def _write_lines(run_id: int, lines: list[tuple]) -> int:
    """The run's lines (``billed_lines``), in order (their ids keep the invoice and
    service order the exports read them in): COPY on PostgreSQL, bulk_create
    elsewhere. Returns how many were written."""
    if connection.vendor == "postgresql":
        table = BillRunLine._meta.db_table
        columns = ", ".join(_LINE_COLUMNS)
        with connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY {table} (run_id, {columns}) FROM STDIN") as copy:
                for batch in _batched(lines, 5000):
                    copy.write("".join([_copy_line(run_id, line) for line in batch]))
        return len(lines)
    for batch in _batched(lines, 2000):
        BillRunLine.objects.bulk_create(
            BillRunLine(run_id=run_id, **dict(zip(_LINE_COLUMNS, (*line[:2], *line[3:]), strict=True)))
            for line in batch
        )
    return len(lines)


# The columns of a line the close writes: LINE_FIELDS but the service's reference.
_LINE_COLUMNS = tuple(f for f in LINE_FIELDS if f != "service__reference")


def _copy_line(run_id: int, line: tuple) -> str:
    """One line (``billed_lines``) in COPY's text format, run first (psycopg's
    write_row adapts each value on its own: three times the time for 76,000 lines)."""
    (invoice, service, _reference, kind, category, product, adjustment, description, quantity, days, seconds, first,
     last, amount, cost) = line  # fmt: skip
    return (
        f"{run_id}\t{invoice}\t{service}\t{copy_escape(kind)}\t{copy_escape(category)}\t"
        f"{NULL if product is None else product}\t{NULL if adjustment is None else adjustment}\t"
        f"{copy_escape(description)}\t{quantity}\t{days}\t{seconds}\t{NULL if first is None else first!s}\t"
        f"{NULL if last is None else last!s}\t{amount!s}\t{cost!s}\n"
    )


def _batched(rows: Iterable[tuple], size: int) -> Iterator[tuple]:
    iterator = iter(rows)
    while batch := tuple(itertools.islice(iterator, size)):
        yield batch


def bill_period_close_files(*, period: BillPeriod, acting_user, directory) -> tuple[BillRun, list]:
    """Request and execute the close at once (idempotent), then the run's three files written into
    ``directory``. On PostgreSQL they are made with the close (exports.CloseFiles):
    the itemised calls from the moment it has fixed what it bills, the invoices
    and the summary from the lines it has just written. Returns the run and the
    files' paths."""
    run = bill_run_request(period=period, acting_user=acting_user)
    if run.status == Status.DONE or connection.vendor != "postgresql" or connection.in_atomic_block:
        run = bill_run_execute(run_id=run.pk)
        return run, write_files(run, directory)
    files = CloseFiles(directory)
    try:
        run = bill_run_execute(run_id=run.pk, files=files)
        return run, files.write(run)
    finally:
        files.discard()


class _Preview(Exception):
    """Raised to roll back a preview close."""


def bill_run_preview_files(*, period: BillPeriod, directory) -> list:
    """The three files the close of ``period`` would give, written into ``directory``,
    with nothing kept: the close runs in a transaction that is rolled back."""

    paths: list = []
    try:
        with transaction.atomic():
            if BillRun.objects.filter(period=period).exists():
                raise ValidationError(f"{period.provider}'s bill period {period.label} already has a bill run.")
            run = BillRun.objects.create(provider=period.provider, period=period)
            run = _close(run.pk)
            paths = write_files(run, directory)
            raise _Preview
    except _Preview:
        pass
    return paths
