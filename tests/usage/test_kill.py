"""A kill during ingest leaves nothing partial, and a re-run completes the file."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from ssaas.demo import data as demo
from usage.carrier_files.receive import carrier_file_process
from usage.ctop.synthetic import write_ctop
from usage.models import CarrierFile, Layout, UsageRecord

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_kill_during_ingest(tmp_path):
    # Enough records that the kill lands mid-file: SQLite writes far fewer a second.
    records = 25_000 if connection.vendor == "sqlite" else 120_000
    demo.load_setup()
    layout = Layout.objects.get(kind="ctop", is_default=True)
    spans = {record: layout.spans(record) for record in ("header", "detail", "trailer")}
    path = write_ctop(
        tmp_path / "CTOP_2345678_000005_20261105020000.txt", spans=spans, account="2345678", records=records
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "ssaas.settings_test", "DATABASE_URL": database_url()}
    child = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "ingest_ctop", str(path), "--provider", "southern-wholesale"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not CarrierFile.objects.filter(status="processing").exists():
            assert child.poll() is None, "the ingest ended before it could be interrupted"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(1.0)  # well into the file's records
        assert child.poll() is None, "the ingest ended before it could be interrupted"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()

    carrier_file = CarrierFile.objects.get()
    assert carrier_file.status == "processing"  # shown as interrupted, not as processed
    assert UsageRecord.objects.count() == 0  # nothing of the file was kept

    done = carrier_file_process(carrier_file_id=carrier_file.pk)
    assert done.status == "processed_with_exceptions"
    assert done.lines == records and done.counts_add_up
    assert UsageRecord.objects.count() == records
