#!/usr/bin/env python
"""Ingest speed and memory against a raw COPY into the same table, on PostgreSQL.

    .venv/bin/python bench/ingest.py 1000000

Generates a realistic N-record CTOP file (Southern Wholesale's identifiers,
mixed call categories, ~1% unmatched) and one of N/10 records, ingests each
with ``manage.py ingest_ctop`` in a fresh process (time and peak RSS), then
loads the N rows the ingest wrote into the same, emptied table with a plain
psycopg ``COPY`` and compares. The database (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/ssaas_bench) is dropped and re-created.
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import Bench  # noqa: E402


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    small = max(n // 10, 1)
    bench = Bench()
    print(f"database {bench.dbname}; work files in {bench.workdir}")
    bench.recreate()

    import os

    os.environ.update(
        {k: v for k, v in bench.env.items() if k in {"DATABASE_URL", "SECRET_KEY", "FIELD_ENCRYPTION_KEYS"}}
    )
    from tests.writers.synthetic import write_ctop

    spans = bench.spans()
    files = {}
    for size, seq in ((small, 1), (n, 2)):
        started = time.perf_counter()
        path = bench.workdir / f"CTOP_2345678_{seq:06d}_20261102020000.txt"
        files[size] = write_ctop(path, spans=spans, account="2345678", records=size, seed=seq)
        print(
            f"generated {size:,} records ({path.stat().st_size / 1e6:,.0f} MB) in {time.perf_counter() - started:.1f} s"
        )

    runs = {}
    for size in (small, n):
        bench.reset_usage()
        runs[size] = bench.child("ingest", str(files[size]), "southern-wholesale")
        summary = runs[size]["summary"]
        print(
            f"ingest {size:>9,}: {runs[size]['seconds']:7.2f} s, {size / runs[size]['seconds']:>9,.0f} records/s, "
            f"peak {runs[size]['peak_rss_mb']:6.1f} MB; rated {summary['rated']:,}, "
            f"quarantined {summary['quarantined']:,}, status {summary['status']}"
        )

    dump = bench.workdir / "usage-rows.copy"
    with bench.connect() as conn, conn.cursor() as cur, open(dump, "wb") as out:
        columns = [
            r[0]
            for r in conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'usage_usagerecord' "
                "AND column_name <> 'id' ORDER BY ordinal_position"
            ).fetchall()
        ]
        with cur.copy(f"COPY (SELECT {', '.join(columns)} FROM usage_usagerecord) TO STDOUT") as copy:
            for chunk in copy:
                out.write(chunk)
    rows = sum(1 for _ in open(dump, "rb"))
    with bench.connect() as conn:
        conn.execute("TRUNCATE usage_usagerecord")
        conn.commit()
        started = time.perf_counter()
        with conn.cursor() as cur, cur.copy(f"COPY usage_usagerecord ({', '.join(columns)}) FROM STDIN") as copy:
            with open(dump, "rb") as source:
                while chunk := source.read(1 << 20):
                    copy.write(chunk)
        conn.commit()
        copy_seconds = time.perf_counter() - started
    print(f"raw COPY {rows:>8,}: {copy_seconds:7.2f} s, {rows / copy_seconds:>9,.0f} rows/s (same table, same indexes)")
    shutil.rmtree(bench.workdir, ignore_errors=True)
    print(f"memory {n:,}/{small:,} ratio: {runs[n]['peak_rss_mb'] / runs[small]['peak_rss_mb']:.2f}")
    print(f"ingest/copy ratio: {runs[n]['seconds'] / copy_seconds:.2f}")


if __name__ == "__main__":
    main()
