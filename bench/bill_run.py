#!/usr/bin/env python
"""Bill run speed and memory against a plain COPY of the same records, on PostgreSQL.

    .venv/bin/python bench/bill_run.py 1000000

Sets up 10,000 services of Harbour Voice with features (a Service Pack each,
SIP Sessions starting mid-month on one in ten, a pack ceasing mid-month on one
in twenty), writes a month (October 2026) of N rated records over them, 2% of
them late (dated in the closed September), closes October in a fresh process
with all three exports (time, peak RSS), then times a plain
``COPY (SELECT … FROM usage_usagerecord WHERE <the run's records>) TO STDOUT`` of
the same records (the run's condition, usage/billing/selectors.py run_usage_sql).
Done for N/10 and N; prints ``close/copy ratio`` (at N) and ``memory N/(N/10)
ratio``. The database (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/ssaas_bench) is dropped and re-created.
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import Bench  # noqa: E402

COLUMNS = (
    "id, provider_id, carrier_file_id, line_number, record_id, status, reason, identifier, username, group_id, "
    "service_id, plan_id, started_at, call_date, origin, target, category, raw_units, raw_unittype, "
    "duration_seconds, billed_seconds, charge, aapt_cost, rated_at, rated_seq"
)


def step(bench: Bench, *args: str) -> dict:
    return bench.child(*args, script="_bill_run_child.py")


def reset(bench: Bench) -> None:
    """No usage, no bill run, October open again."""
    with bench.connect() as conn:
        conn.execute("TRUNCATE usage_billrunline, usage_billruninvoice CASCADE")
        conn.execute("UPDATE usage_adjustment SET bill_run_id = NULL")
        conn.execute("DELETE FROM usage_billrun")
        conn.execute(
            "TRUNCATE usage_usagerecord, usage_rejectedline, usage_quarantineaction, usage_carrierfile CASCADE"
        )
        # The bench's own database: its closed October is reopened for the next run,
        # which the closed-period trigger refuses to anything but its owner, here.
        conn.execute("ALTER TABLE providers_billperiod DISABLE TRIGGER providers_billperiod_closed_guard")
        conn.execute(
            "UPDATE providers_billperiod SET status = 'open' WHERE start_date >= '2026-10-01' "
            "AND provider_id = (SELECT id FROM providers_provider WHERE slug = 'harbour-voice')"
        )
        conn.execute("ALTER TABLE providers_billperiod ENABLE TRIGGER providers_billperiod_closed_guard")
        conn.execute("UPDATE providers_provider SET invoice_next_number = 1")
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")  # statistics as a live database has them


def copy_seconds(bench: Bench, run: dict) -> tuple[float, int]:
    with bench.connect() as conn, conn.cursor() as cur:
        started = time.perf_counter()
        size = 0
        query = f"COPY (SELECT {COLUMNS} FROM usage_usagerecord u WHERE {run['where']}) TO STDOUT"
        with cur.copy(query) as copy:
            for chunk in copy:
                size += len(chunk)
        return time.perf_counter() - started, size


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    small = max(n // 10, 1)
    bench = Bench()
    print(f"database {bench.dbname}; work files in {bench.workdir}")
    bench.recreate()
    made = step(bench, "setup")
    print(f"set up {made['services']:,} services, {made['features']:,} features")
    runs = {}
    for seed, size in ((1, small), (2, n)):
        reset(bench)
        loaded = step(bench, "usage", str(size), str(seed))
        print(f"wrote {loaded['records']:,} rated records in {loaded['seconds']:.1f} s")
        out = bench.workdir / f"files-{size}"
        out.mkdir()
        runs[size] = step(bench, "close", str(out))
        run = runs[size]
        copy, copy_bytes = copy_seconds(bench, run)
        run["copy_seconds"] = copy
        print(
            f"close {size:>9,}: {run['seconds']:7.2f} s (close {run['close_seconds']:.2f} s, exports "
            f"{run['export_seconds']:.2f} s), peak {run['peak_rss_mb']:6.1f} MB; {run['calls']:,} calls "
            f"({run['late_calls']:,} late), {run['invoices']:,} invoices; files "
            + ", ".join(f"{name} {b / 1e6:.1f} MB" for name, b in run["files"].items())
        )
        print(f"plain COPY {size:>9,}: {copy:7.2f} s ({copy_bytes / 1e6:.0f} MB)")
    shutil.rmtree(bench.workdir, ignore_errors=True)
    print(f"close/copy ratio: {runs[n]['seconds'] / runs[n]['copy_seconds']:.2f}")
    print(f"memory {n:,}/{small:,} ratio: {runs[n]['peak_rss_mb'] / runs[small]['peak_rss_mb']:.2f}")


if __name__ == "__main__":
    main()
