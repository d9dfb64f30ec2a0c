"""A run's three files written into a folder: made with the close
(:class:`CloseFiles`, the calls in a thread of their own while the close prices
the rest), or from the stored run afterwards (:func:`write_files`)."""

from __future__ import annotations

import copy
import threading

from django.db import connection, transaction

from usage.billing.exports.calls import calls_filename, itemised_calls
from usage.billing.exports.summary import summary_filename, write_summary
from usage.billing.exports.xero import write_xero
from usage.billing.models import BillRun


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
