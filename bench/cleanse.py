#!/usr/bin/env python
"""Cleansing speed per record against ingest speed per record, on PostgreSQL.

    .venv/bin/python bench/cleanse.py 100000

Ingests an N-record file whose numbers no service holds yet (all quarantined),
gives the numbers to a service, then re-processes the quarantine; both steps
run in fresh processes. Target: cleansing takes no longer per record than
ingesting.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import Bench  # noqa: E402


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    bench = Bench()
    print(f"database {bench.dbname}")
    bench.recreate()
    os.environ.update({k: v for k, v in bench.env.items() if k in {"DATABASE_URL"}})
    from tests.writers.synthetic import write_ctop

    path = write_ctop(
        bench.workdir / "CTOP_2345678_000001_20261102020000.txt",
        spans=bench.spans(),
        account="2345678",
        records=n,
        unmatched=1.0,
    )
    ingest = bench.child("ingest", str(path), "southern-wholesale")
    quarantined = ingest["summary"]["quarantined"]
    print(f"ingest  {n:>9,} records: {ingest['seconds']:7.2f} s ({quarantined:,} quarantined)")
    bench.manage(
        "shell",
        "-c",
        "import datetime\n"
        "from provisioning.models import Service, ServiceIdentifier\n"
        "i = ServiceIdentifier(service=Service.objects.get(reference='SW-2002'), kind='number_range', "
        "value='0380000000-0380000049', active_from=datetime.date(2026, 10, 1))\n"
        "i.full_clean(); i.save()",
    )
    cleanse = bench.child("cleanse", "southern-wholesale")
    print(f"cleanse {cleanse['considered']:>9,} records: {cleanse['seconds']:7.2f} s ({cleanse['rated']:,} now rated)")
    per_ingest = ingest["seconds"] / n
    per_cleanse = cleanse["seconds"] / cleanse["considered"]
    print(f"per record: ingest {per_ingest * 1e6:.1f} µs, cleanse {per_cleanse * 1e6:.1f} µs")
    shutil.rmtree(bench.workdir, ignore_errors=True)
    print(f"cleanse/ingest per-record ratio: {per_cleanse / per_ingest:.2f}")


if __name__ == "__main__":
    main()
