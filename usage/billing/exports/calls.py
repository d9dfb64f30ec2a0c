"""The itemised calls: every call a run billed, as CSV chunks, streamed; made by
PostgreSQL itself (each line in SQL) where it is the database."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from django.db import connection
from psycopg import pq

from provisioning.choices import PlanRateCategoryChoices
from provisioning.models import Service
from ssaas.common import formats
from ssaas.common.spreadsheet import CONTROL_RANGES, FORMULA_TRIGGERS, PREFIX, inert
from usage.billing.exports.common import amount_text
from usage.billing.models import BillRun
from usage.billing.selectors import run_usage, run_usage_sql
from usage.ctop.models import UsageRecord

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
                formats.day(day),
                f"{started.astimezone(tz):%H:%M:%S}",
                inert(target),
                inert(CATEGORIES.get(category, category)),
                duration,
                billed,
                amount_text(charge),
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
    day = "u.call_date::text" if sql_dates else f"to_char(u.call_date, '{formats.SQL_DAY_FORMAT}')"
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
