"""The CTOP pipeline: parse → identify → bucket → rate → write, streamed.

Rows go to a *sink*: on PostgreSQL a single ``COPY`` for the whole file (the
fast path, which the unique (provider, record_id) index guards against a
record taken twice); elsewhere, or when that index reports a duplicate, a
batched sink that sets duplicates aside before writing. Either way the caller
holds one transaction for the file.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, connection

from usage.carrier_files.copy_format import NULL, copy_escape
from usage.carrier_files.framing import CARRIER_TIME_ZONE, Rejected
from usage.ctop.choices import UsageRecordStatusChoices as Status
from usage.ctop.identify import ProviderIndex
from usage.ctop.parser import CtopParser

RATED, QUARANTINED = Status.RATED.value, Status.QUARANTINED.value

# The columns every sink writes, in this order.
COLUMNS = (
    "provider_id",
    "carrier_file_id",
    "line_number",
    "record_id",
    "status",
    "reason",
    "identifier",
    "username",
    "group_id",
    "service_id",
    "plan_id",
    "started_at",
    "call_date",
    "origin",
    "target",
    "category",
    "raw_units",
    "raw_unittype",
    "duration_seconds",
    "billed_seconds",
    "charge",
    "aapt_cost",
    "rated_at",
    "rated_seq",
    "resolution_note",
    "time_note",
)
TEXT_COLUMNS = frozenset(
    i
    for i, c in enumerate(COLUMNS)
    if c in {"record_id", "identifier", "username", "group_id", "origin", "target", "raw_unittype"}
)


@dataclass
class Stats:
    rated: int = 0
    quarantined: int = 0
    duplicates: int = 0
    charge_cents: int = 0
    aapt_cents: Decimal = field(default_factory=Decimal)

    def accept(self, status: str, charge_cents: int, aapt_cents: Decimal) -> None:
        if status == RATED:
            self.rated += 1
            self.charge_cents += charge_cents
        else:
            self.quarantined += 1
        self.aapt_cents += aapt_cents


class DuplicateRecord(Exception):
    """The fast path met a record already taken: run the file through the batched sink."""


class CopySink:
    """One PostgreSQL ``COPY`` for the whole file; raises :class:`DuplicateRecord`
    on closing when the unique index refuses a record."""

    CHUNK = 2000

    def __init__(self, table: str, stats: Stats) -> None:
        self.stats = stats
        self._cursor = connection.cursor()
        self._copy_cm = self._cursor.copy(f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN")
        self._copy = self._copy_cm.__enter__()
        self._buffer: list[str] = []

    def add(self, record_id, row, status, charge_cents, aapt_cents, needs_escape) -> None:
        if needs_escape:
            row = [copy_escape(v) if i in TEXT_COLUMNS else v for i, v in enumerate(row)]
        self._buffer.append("\t".join(row))
        self.stats.accept(status, charge_cents, aapt_cents)
        if len(self._buffer) >= self.CHUNK:
            self._copy.write("\n".join(self._buffer) + "\n")
            self._buffer.clear()

    def close(self) -> None:
        from psycopg.errors import UniqueViolation

        if self._buffer:
            self._copy.write("\n".join(self._buffer) + "\n")
            self._buffer.clear()
        try:
            self._copy_cm.__exit__(None, None, None)
        except (UniqueViolation, IntegrityError) as exc:
            raise DuplicateRecord(str(exc)) from exc
        finally:
            self._cursor.close()

    def abort(self) -> None:
        try:
            self._copy_cm.__exit__(RuntimeError, RuntimeError("aborted"), None)
        except Exception:  # noqa: BLE001, S110 - the transaction is being rolled back anyway
            pass
        self._cursor.close()


# What makes two records with one record_id the same record (an exact repeat,
# counted as a duplicate) rather than two calls (the later one rejected).
CONTENT_COLUMNS = ("started_at", "origin", "target", "raw_units", "raw_unittype", "aapt_cost", "username", "group_id")
_CONTENT_AT = tuple(COLUMNS.index(c) for c in CONTENT_COLUMNS)


def content_of(values: tuple) -> tuple:
    """The comparable content of a record, from a row (texts) or from the database
    (``CONTENT_COLUMNS`` as stored): instants compared as instants, amounts as numbers."""
    started, origin, target, units, unittype, cost, username, group_id = values
    if isinstance(started, str):
        started = datetime.datetime.fromisoformat(started)
    elif started.tzinfo is None:  # SQLite without time zone support: stored in UTC
        started = started.replace(tzinfo=datetime.UTC)
    return (started, origin, target, str(units), unittype, Decimal(str(cost)), username, group_id)


class BatchSink:
    """Writes in batches, setting aside records already taken (in earlier files or
    earlier in this one): an exact repeat is a duplicate; a record whose
    record_id is taken by a record of *different* content is a rejected line,
    so staff see every such call rather than a counter."""

    SIZE = 2000

    def __init__(
        self,
        *,
        provider_id: int,
        stats: Stats,
        existing: Callable[[list[str]], dict[str, tuple[str, tuple]]],
        write: Callable[[list[tuple]], None],
        rejected: list[Rejected] | None = None,
    ) -> None:
        self.provider_id = provider_id
        self.stats = stats
        self._existing = existing
        self._write = write
        self._rejected = rejected if rejected is not None else []
        self._batch: list[tuple] = []

    def add(self, record_id, row, status, charge_cents, aapt_cents, needs_escape) -> None:
        self._batch.append((record_id, row, status, charge_cents, aapt_cents, needs_escape))
        if len(self._batch) >= self.SIZE:
            self.flush()

    def flush(self) -> None:
        if not self._batch:
            return
        taken = self._existing([item[0] for item in self._batch])  # record_id -> (where, content)
        keep = []
        for item in self._batch:
            record_id, row = item[0], item[1]
            content = content_of(tuple(row[i] for i in _CONTENT_AT))
            first = taken.get(record_id)
            if first is not None:
                where, first_content = first
                if first_content == content:
                    self.stats.duplicates += 1
                else:
                    self._rejected.append(
                        Rejected(
                            int(row[2]),
                            "record_id",
                            f"record_id {record_id} repeats {where} with different content: "
                            "a second call under one record id is not billed; ask AAPT",
                            " | ".join(f"{c}={row[i]}" for c, i in zip(CONTENT_COLUMNS, _CONTENT_AT, strict=True)),
                        )
                    )
                continue
            taken[record_id] = (f"line {row[2]}", content)
            self.stats.accept(item[2], item[3], item[4])
            keep.append(item)
        if keep:
            self._write(keep)
        self._batch.clear()

    def close(self) -> None:
        self.flush()

    def abort(self) -> None:
        self._batch.clear()


@dataclass
class _TimeOf:
    """Sydney wall-clock minutes as stored instants and provider-local dates.

    Daylight saving makes some wall-clock times ambiguous or impossible; the
    rule (PEP 495, as ``zoneinfo`` applies it with ``fold=0``):

    - the hour repeated when daylight saving ends (02:00–02:59 on the first
      Sunday of April) is taken as its *first* occurrence, daylight time
      (+11:00): AAPT's file says nothing that tells the two apart;
    - the hour skipped when it starts (02:00–02:59 on the first Sunday of
      October) is shifted forward by the gap: 02:30 is taken as 03:30 +11:00.

    Either way the record keeps a note (``time_note``) saying what was read and
    what was taken."""

    provider_tz: zoneinfo.ZoneInfo
    cache: dict[str, tuple[str, str, datetime.date, str, str]] = field(default_factory=dict)

    def __call__(self, stamp: str) -> tuple[str, str, datetime.date, str, str]:
        key = stamp[:12]
        found = self.cache.get(key)
        if found is None:
            moment = datetime.datetime(
                int(key[:4]),
                int(key[4:6]),
                int(key[6:8]),
                int(key[8:10]),
                int(key[10:12]),
                tzinfo=CARRIER_TIME_ZONE,
            )
            note = ""
            if moment.utcoffset() != moment.replace(fold=1).utcoffset():
                wall = f"{key[:4]}-{key[4:6]}-{key[6:8]} {key[8:10]}:{key[10:12]}"
                real = moment.astimezone(datetime.UTC).astimezone(CARRIER_TIME_ZONE)
                if real.replace(tzinfo=None) != moment.replace(tzinfo=None):
                    moment = real
                    note = (
                        f"Sydney time {wall} does not exist (clocks went forward): "
                        f"taken as {real:%H:%M} {_offset_text(real)}"
                    )
                else:
                    note = (
                        f"Sydney time {wall} occurs twice (clocks went back): "
                        f"taken as the first, {_offset_text(moment)} (daylight time)"
                    )
            offset_text = _offset_text(moment)
            day = moment.astimezone(self.provider_tz).date()
            prefix = f"{moment:%Y-%m-%d %H:%M}:"
            if len(self.cache) > 100_000:
                self.cache.clear()
            found = self.cache[key] = (prefix, offset_text, day, day.isoformat(), note)
        return found


def _offset_text(moment: datetime.datetime) -> str:
    minutes = int(moment.utcoffset().total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def run(
    *,
    parser: CtopParser,
    raw_lines: Iterable[bytes],
    index: ProviderIndex,
    carrier_file_id: int,
    rated_at: datetime.datetime,
    rated_seq: int,
    sink,
    rejected: list[Rejected],
) -> None:
    """Stream every line of the file through identify, bucket and rate into ``sink``.

    Rejected lines are appended to ``rejected``; the sink counts the rest. Rated
    records carry ``rated_seq``, drawn by the caller under the provider's row lock
    (usage/ctop/rated_seq.py)."""
    provider_id = str(index.provider.pk)
    file_id = str(carrier_file_id)
    rated_at_text = rated_at.isoformat()
    rated_seq_text = str(rated_seq)
    time_of = _TimeOf(index.provider.tz)
    evaluate = index.evaluate
    costs: dict[Decimal, str] = {}
    for event in parser.parse(raw_lines):
        if event.__class__ is Rejected:
            rejected.append(event)
            continue
        (
            line_number,
            record_id,
            stamp,
            target,
            origin,
            cents,
            units,
            unittype,
            special1,
            special2,
            esc,
        ) = event
        prefix, offset, day, day_text, time_note = time_of(stamp)
        (
            identifier,
            service_id,
            plan_id,
            reason,
            category,
            seconds,
            billed,
            charge_cents,
            charge,
        ) = evaluate(special1, special2, day, units, unittype, target, cents)
        cost = costs.get(cents)
        if cost is None:
            cost = costs[cents] = str(cents.scaleb(-2))
        status = QUARANTINED if reason else RATED
        row = (
            provider_id,
            file_id,
            str(line_number),
            record_id,
            status,
            reason or "",
            identifier,
            special1.lower(),
            special2.upper(),
            NULL if service_id is None else str(service_id),
            NULL if plan_id is None else str(plan_id),
            prefix + stamp[12:14] + offset,
            day_text,
            origin,
            target,
            category,
            str(units),
            unittype,
            NULL if seconds is None else str(seconds),
            NULL if billed is None else str(billed),
            NULL if charge is None else charge,
            cost,
            rated_at_text if status == RATED else NULL,
            rated_seq_text if status == RATED else NULL,
            "",
            time_note,
        )
        sink.add(record_id, row, status, charge_cents, cents, esc)
