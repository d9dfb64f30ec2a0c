"""Clearing the quarantine: re-process (cleanse) and write off.

Cleansing re-runs identify, bucket and rate on quarantined records with the
provider's set-up as it is now. What passes is billed, once: a record moves
from quarantined to rated in a guarded UPDATE (``… AND status =
'quarantined'``), so a second cleanse, or two at once, cannot bill it twice.
What does not pass stays, with its new reason. The files' counters come
from the rows that UPDATE actually changed (``RETURNING``), never from what
was planned: a record written off meanwhile is neither billed nor counted.

Each batch of records commits with its files' counters, so on PostgreSQL the
batches of a large quarantine are written by three database sessions at once:
a record's update costs the database as much as its insert did at ingest,
and only in parallel does cleansing keep pace with ingesting. Each batch
holds the provider row's lock shared (write-off and ingest take it
exclusively), besides the advisory lock that keeps one cleanse a provider.
Inside an outer transaction (or on SQLite) the batches run one after another
under the provider's row lock.

A batch that rates records draws one rating sequence value for them while it
holds the provider row's lock (usage/ctop/rated_seq.py), so a bill run's
close, which takes that row FOR UPDATE, bills either all of the batch or none.
Only quarantined records are ever changed here (``status = 'quarantined'`` in
every UPDATE): a record a run billed is rated, so it is never touched.
"""

from __future__ import annotations

import datetime
import queue
import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import close_old_connections, connection, connections, transaction
from django.db.models import F
from django.utils import timezone

from providers.models import Provider
from ssaas.common.formats import CENT
from usage.carrier_files.copy_format import NULL, copy_escape
from usage.carrier_files.models import CarrierFile
from usage.ctop.choices import QuarantineActionKindChoices
from usage.ctop.choices import UsageRecordStatusChoices as Status
from usage.ctop.identify import ProviderIndex
from usage.ctop.models import QuarantineAction, UsageRecord
from usage.ctop.rated_seq import next_rated_seq
from usage.ctop.statistics import refresh_statistics_if_stale
from usage.jobs.choices import JobKindChoices
from usage.jobs.models import Job
from usage.jobs.services import JobOutcome
from usage.jobs.services import register as register_job

BATCH = 5000
PARALLEL_SESSIONS = 3
RATED, QUARANTINED = Status.RATED.value, Status.QUARANTINED.value
_FIELDS = (
    "id",
    "carrier_file_id",
    "username",
    "group_id",
    "call_date",
    "raw_units",
    "raw_unittype",
    "target",
    "reason",
    "identifier",
    "service_id",
    "aapt_cost",
)
_UPDATED = (
    "status",
    "reason",
    "identifier",
    "service_id",
    "plan_id",
    "category",
    "duration_seconds",
    "billed_seconds",
    "charge",
    "rated_at",
    "rated_seq",
)
_SQL_TYPES = {
    "service_id": "bigint",
    "plan_id": "bigint",
    "duration_seconds": "integer",
    "billed_seconds": "integer",
    "charge": "numeric",
    "rated_at": "timestamptz",
    "rated_seq": "bigint",
}
_TEMP_COLUMNS = ", ".join(f"{c} {_SQL_TYPES.get(c, 'text')}" for c in _UPDATED)
_LOCK_CLASS = 7301  # pg_advisory_lock(class, provider id): one cleanse of a provider at a time


@dataclass
class _Totals:
    considered: int = 0
    rated: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, considered: int, rated: int) -> None:
        with self.lock:
            self.considered += considered
            self.rated += rated


def _units(text: str) -> int | Decimal:
    try:
        return int(text)
    except ValueError:
        return Decimal(text)


def _cents(dollars) -> Decimal:
    return Decimal(str(dollars)).scaleb(2)


def _date(value) -> datetime.date:
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)


def quarantine_cleanse(
    *,
    provider: Provider,
    acting_user=None,
    record_ids: Iterable[int] | None = None,
    note: str = "",
) -> QuarantineAction:
    """Re-process the provider's quarantined records (or those of ``record_ids``)."""
    provider = Provider.objects.get(pk=provider.pk)
    ids = None if record_ids is None else sorted(set(record_ids))
    totals = _Totals()
    parallel = connection.vendor == "postgresql" and not connection.in_atomic_block and ids is None
    if parallel:
        refresh_statistics_if_stale()
        with _provider_lock(provider.pk):
            _cleanse_in_parallel(provider, totals)
    else:
        with transaction.atomic():
            Provider.objects.select_for_update().get(pk=provider.pk)
            _Batches(ProviderIndex(provider), timezone.now(), totals).run(connection, [(0, None)], provider.pk, ids)
    return QuarantineAction.objects.create(
        provider=provider,
        kind=QuarantineActionKindChoices.CLEANSE,
        acting_user=acting_user,
        considered=totals.considered,
        rated=totals.rated,
        still_quarantined=totals.considered - totals.rated,
        note=note,
    )


class _provider_lock:
    """A PostgreSQL advisory lock on the provider for the length of a cleanse."""

    def __init__(self, provider_id: int) -> None:
        self.provider_id = provider_id

    def __enter__(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [_LOCK_CLASS, self.provider_id])

    def __exit__(self, *exc):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_LOCK_CLASS, self.provider_id])


def _id_ranges(provider_id: int) -> list[tuple[int, int | None]]:
    """[low, high) id ranges of about BATCH quarantined records each."""
    table = UsageRecord._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM {table} "
            "WHERE provider_id = %s AND status = 'quarantined') AS q WHERE n %% %s = 1 ORDER BY id",
            [provider_id, BATCH],
        )
        starts = [row[0] for row in cursor.fetchall()]
    return [(low, high) for low, high in zip(starts, [*starts[1:], None], strict=True)]


def _share_provider_lock(provider_id: int) -> None:
    """The provider row's lock, shared: the parallel sessions hold it together, while
    a write-off (or an ingest), which takes it ``FOR UPDATE``, waits for the batch to
    commit, so no record is written off between a batch's read and its update."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {Provider._meta.db_table} WHERE id = %s FOR SHARE", [provider_id])


def _cleanse_in_parallel(provider: Provider, totals: _Totals) -> None:
    work: queue.SimpleQueue = queue.SimpleQueue()
    for item in _id_ranges(provider.pk):
        work.put(item)
    batches = _Batches(ProviderIndex(provider), timezone.now(), totals)
    failures: list[BaseException] = []

    def session() -> None:
        try:
            while True:
                try:
                    low, high = work.get_nowait()
                except queue.Empty:
                    return
                with transaction.atomic():
                    _share_provider_lock(provider.pk)
                    batches.run(connection, [(low, high)], provider.pk, None)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            failures.append(exc)
        finally:
            close_old_connections()
            connections.close_all()

    threads = [threading.Thread(target=session, name=f"cleanse-{i}") for i in range(PARALLEL_SESSIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]


class _Batches:
    """Rates fetched rows and writes the outcomes, with the files' counters."""

    def __init__(self, index: ProviderIndex, rated_at: datetime.datetime, totals: _Totals) -> None:
        self.index = index
        self.rated_at = rated_at
        self.totals = totals
        self._index_lock = threading.Lock()

    def run(self, conn, ranges, provider_id: int, ids: list[int] | None) -> None:
        table = UsageRecord._meta.db_table
        only = ""
        extra: list = []
        if ids is not None:
            only = " AND id = ANY(%s)" if conn.vendor == "postgresql" else f" AND id IN ({', '.join(map(str, ids))})"
            extra = [ids] if conn.vendor == "postgresql" else []
        with conn.cursor() as cursor:
            for low, high in ranges:
                after = low - 1
                while True:
                    bound = "" if high is None else f" AND id < {int(high)}"
                    cursor.execute(
                        f"SELECT {', '.join(_FIELDS)} FROM {table} WHERE provider_id = %s AND status = 'quarantined' "
                        f"AND id > %s{bound}{only} ORDER BY id LIMIT {BATCH}",
                        [provider_id, after, *extra],
                    )
                    rows = cursor.fetchall()
                    if not rows:
                        break
                    after = rows[-1][0]
                    self._write(conn, cursor, self._outcomes(rows))

    def _outcomes(self, rows: list[tuple]) -> tuple[list[tuple], int]:
        """The planned changes (and how many rows were considered); what is counted
        is what the guarded UPDATE then changed."""
        changes = []
        with self._index_lock:  # the index's caches are not shared between threads
            evaluate = self.index.evaluate
            for (
                rid,
                _file_id,
                username,
                group_id,
                day,
                units,
                unittype,
                target,
                old_reason,
                old_ident,
                old_service,
                aapt_cost,
            ) in rows:
                (identifier, service_id, plan_id, reason, category, seconds, billed, cents, charge) = evaluate(
                    username, group_id, _date(day), _units(units), unittype, target, _cents(aapt_cost)
                )
                if reason is None:
                    changes.append(
                        (
                            rid,
                            RATED,
                            "",
                            identifier,
                            service_id,
                            plan_id,
                            category,
                            seconds,
                            billed,
                            charge,
                            self.rated_at,
                        )
                    )
                elif (reason, identifier, service_id) != (old_reason, old_ident, old_service):
                    changes.append(
                        (rid, QUARANTINED, reason, identifier, service_id, plan_id, category, seconds, None, None, None)
                    )
        return changes, len(rows)

    def _write(self, conn, cursor, outcome) -> None:
        """Apply the planned changes where the record is still quarantined, and count
        on each file only the rows this UPDATE moved to rated (``RETURNING``): a record
        written off since it was read is neither changed nor counted."""
        changes, considered = outcome
        table = UsageRecord._meta.db_table
        returning = " RETURNING u.carrier_file_id, u.charge"
        moved: list[tuple] = []
        rated_changes = [c for c in changes if c[1] == RATED]
        others = [(*c, None) for c in changes if c[1] != RATED]
        if rated_changes:
            # This batch's transaction holds the provider row's lock (FOR SHARE or FOR UPDATE).
            seq = next_rated_seq(conn)
            rated_changes = [(*c, seq) for c in rated_changes]
        if changes and conn.vendor == "postgresql":
            cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS cleanse_updates (id bigint, {_TEMP_COLUMNS})")
            for group, tail in ((rated_changes, returning), (others, "")):
                if not group:
                    continue
                cursor.execute("DELETE FROM cleanse_updates")
                text = "".join("\t".join(_copy_value(v) for v in change) + "\n" for change in group)
                with cursor.copy(f"COPY cleanse_updates (id, {', '.join(_UPDATED)}) FROM STDIN") as copy:
                    copy.write(text)
                cursor.execute(
                    f"UPDATE {table} AS u SET {', '.join(f'{c} = v.{c}' for c in _UPDATED)} "
                    "FROM cleanse_updates v WHERE u.id = v.id"
                    f" AND u.status = 'quarantined'{tail}"
                )
                if tail:
                    moved = cursor.fetchall()
        elif changes:
            adapt = conn.ops.adapt_datetimefield_value
            sql = (
                f"UPDATE {table} AS u SET {', '.join(f'{c} = %s' for c in _UPDATED)} "
                "WHERE id = %s AND status = 'quarantined'"
            )
            for change in rated_changes:  # SQLite ≥ 3.35 returns the row the UPDATE changed
                cursor.execute(
                    sql + " RETURNING carrier_file_id, charge",
                    [*change[1:-2], adapt(change[-2]), change[-1], change[0]],
                )
                moved += cursor.fetchall()
            cursor.executemany(sql, [(*change[1:-2], adapt(change[-2]), change[-1], change[0]) for change in others])
        files: dict[int, list] = defaultdict(lambda: [0, Decimal(0)])
        for file_id, charge in moved:
            files[file_id][0] += 1
            files[file_id][1] += Decimal(str(charge)).quantize(CENT)
        for file_id, (rated, amount) in files.items():
            CarrierFile.objects.filter(pk=file_id).update(
                rated=F("rated") + rated,
                quarantined=F("quarantined") - rated,
                charge_total=F("charge_total") + amount,
            )
        self.totals.add(considered, len(moved))


def _copy_value(value) -> str:
    if value is None:
        return NULL
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    return copy_escape(str(value))


def quarantine_write_off(
    *,
    provider: Provider,
    acting_user,
    record_ids: Iterable[int],
    reason: str,
) -> QuarantineAction:
    """Take quarantined records out of billing for good, with the reason recorded."""
    reason = reason.strip()
    if not reason:
        raise ValueError("A write-off needs a reason.")
    with transaction.atomic():
        provider = Provider.objects.select_for_update().get(pk=provider.pk)
        now = timezone.now()
        ids = list(record_ids)
        # Quarantined only: a billed record is rated, so it is never written off.
        queryset = UsageRecord.objects.filter(provider=provider, status=Status.QUARANTINED)
        per_file: dict[int, int] = defaultdict(int)
        written = 0
        for start in range(0, len(ids), BATCH):
            chunk = queryset.filter(id__in=ids[start : start + BATCH])
            for file_id in chunk.values_list("carrier_file_id", flat=True):
                per_file[file_id] += 1
            written += chunk.update(
                status=Status.WRITTEN_OFF,
                resolution_note=reason,
                resolved_by=acting_user,
                resolved_at=now,
            )
        for file_id, count in per_file.items():
            CarrierFile.objects.filter(pk=file_id).update(
                quarantined=F("quarantined") - count, written_off=F("written_off") + count
            )
        return QuarantineAction.objects.create(
            provider=provider,
            kind=QuarantineActionKindChoices.WRITE_OFF,
            acting_user=acting_user,
            considered=len(ids),
            written_off=written,
            note=reason,
        )


def quarantined_ids(*, provider: Provider, groups: Iterable[tuple[str, str]]) -> list[int]:
    """Ids of the provider's quarantined records in the given (reason, identifier) groups."""
    ids: list[int] = []
    for reason, identifier in groups:
        ids += UsageRecord.objects.filter(
            provider=provider, status=Status.QUARANTINED, reason=reason, identifier=identifier
        ).values_list("id", flat=True)
    return ids


@register_job(JobKindChoices.QUARANTINE_REPROCESS, permission="usage.cleanse_usagerecord")
def quarantine_reprocess(job: Job, report) -> JobOutcome:
    """Re-process, on the worker, the records a person chose: ``job.params["groups"]``
    (``[reason, identifier]`` pairs, the records in them when the job runs) or
    ``job.params["record_ids"]``."""
    if "groups" in job.params:
        ids = quarantined_ids(provider=job.provider, groups=[tuple(g) for g in job.params["groups"]])
    else:
        ids = job.params.get("record_ids", [])
    report(5)
    action = quarantine_cleanse(provider=job.provider, acting_user=job.requested_by, record_ids=ids)
    return JobOutcome(
        summary=(
            f"{action.provider}: {action.considered} record(s) re-processed, {action.rated} now rated, "
            f"{action.still_quarantined} still quarantined."
        ),
        counts={
            "considered": action.considered,
            "rated": action.rated,
            "still_quarantined": action.still_quarantined,
            "action": action.pk,
        },
    )
