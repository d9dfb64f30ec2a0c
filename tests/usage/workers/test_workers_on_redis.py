"""Several workers on one Redis queue, against PostgreSQL: each carrier file, each
provider's daily collection and each bill run is done exactly once, however many
times it was queued and by whichever cluster takes it; a worker killed mid-file
leaves the file to be re-processed, and billed once.

Two real ``manage.py qcluster`` processes (two workers each) take their tasks from
a real ``redis-server`` and write to the test database (conftest.py); this test
process queues through the project's own ``enqueue_*`` functions and watches the
database, the queue and the progress store.
"""

from __future__ import annotations

import datetime
import gzip
import os
import shutil
import signal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache.backends.redis import RedisCache
from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import timezone
from django_q.models import Schedule, Task

from providers.models import BillPeriod, Provider
from tests.billing import billed_by
from tests.usage.billing.helpers import add_calls, set_prices
from tests.usage.collection.ftp_servers import HARBOUR_COCE, HARBOUR_CTOP, SOUTHERN_CTOP, Server
from tests.usage.workers.conftest import wait_for
from tests.writers.synthetic import write_ctop
from usage.attention import stuck_files
from usage.billing.models import BillRun, BillRunLine
from usage.billing.services import bill_run_request
from usage.billing.tasks import enqueue_bill_run
from usage.carrier_files.choices import CarrierFileStatusChoices as FileStatus
from usage.carrier_files.models import CarrierFile
from usage.carrier_files.progress import file_progress_key
from usage.carrier_files.receive import carrier_file_receive
from usage.carrier_files.tasks import enqueue_processing
from usage.collection.models import CollectionRun, ProviderCollection
from usage.collection.schedule import SCHEDULE_FUNC
from usage.ctop.choices import UsageRecordStatusChoices
from usage.ctop.models import UsageRecord
from usage.ctop.pipeline import CopySink

pytestmark = [
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="several workers on one queue need PostgreSQL's concurrent transactions and row locks "
        "(SQLite runs one writer at a time): set DATABASE_URL to a PostgreSQL database",
    ),
    pytest.mark.django_db(transaction=True),
]

FINAL = [FileStatus.PROCESSED, FileStatus.PROCESSED_WITH_EXCEPTIONS]
COASTAL_CTOP = "CTOP_3456789_000001_20261103013000.txt"


def tasks_done(name: str) -> list[Task]:
    """The tasks named ``name`` the clusters finished (their monitors record them)."""
    return list(Task.objects.filter(name=name))


def queue_length(redis_queue) -> int:
    return redis_queue.client().llen("django_q:ssaas:q")


def receive(provider, path) -> CarrierFile:
    with open(path, "rb") as content:
        return carrier_file_receive(provider=provider, name=path.name, content=content)


def synthetic_file(tmp_path, ctop_spans, records: int) -> Path:
    """Southern Wholesale's synthetic CTOP of ``records`` calls, gzipped as AAPT sends
    large files (its fixed-width lines are mostly spaces: a few MB, not a hundred)."""
    plain = write_ctop(tmp_path / "CTOP.txt", spans=ctop_spans, account="2345678", records=records)
    path = tmp_path / "CTOP_2345678_000005_20261105020000.txt.gz"
    with open(plain, "rb") as source, gzip.open(path, "wb", compresslevel=1) as target:
        shutil.copyfileobj(source, target, 1 << 20)
    plain.unlink()
    return path


def assert_billed_once(carrier_file: CarrierFile, records: int) -> None:
    """Every line of the file is one usage record, none twice."""
    carrier_file.refresh_from_db()
    assert carrier_file.status in FINAL, carrier_file.reason
    assert carrier_file.lines == records and carrier_file.counts_add_up
    usage = UsageRecord.objects.filter(carrier_file=carrier_file)
    assert usage.count() == records
    assert usage.values("record_id").distinct().count() == records
    assert UsageRecord.objects.count() == records
    # The file's counts are those of one reading: none of its lines seen as a duplicate
    # of itself, its rated and quarantined lines the records that are so.
    assert carrier_file.duplicates == 0 and carrier_file.rated > 0
    assert carrier_file.rated == usage.filter(status=UsageRecordStatusChoices.RATED).count()
    assert carrier_file.quarantined == usage.filter(status=UsageRecordStatusChoices.QUARANTINED).count()


# ---------------------------------------------------------------------------
# A file queued twice
# ---------------------------------------------------------------------------


def test_a_file_queued_twice_is_processed_once(clusters, redis_queue, southern, ctop_spans, tmp_path):
    clusters.start(2)
    records = 10_000
    carrier_file = receive(southern, synthetic_file(tmp_path, ctop_spans, records))

    # Twice, as a double click on "Re-process" or a collection and an upload do.
    enqueue_processing(carrier_file.pk)
    enqueue_processing(carrier_file.pk)

    name = f"process carrier file {carrier_file.pk}"
    done = wait_for(
        lambda: len(tasks_done(name)) == 2 and tasks_done(name),
        timeout=60,
        what=lambda: f"the two tasks did not both finish:\n{clusters.logs()}",
    )
    assert all(task.success for task in done), [task.result for task in done]
    workers = [pid for cluster in clusters.started for pid in cluster.worker_pids(name)]
    assert len(set(workers)) == 2  # taken by two workers at once, not one after the other
    assert_billed_once(carrier_file, records)
    assert queue_length(redis_queue) == 0


# ---------------------------------------------------------------------------
# The daily collection
# ---------------------------------------------------------------------------


@pytest.fixture
def coastal_ftp_server(tmp_path):
    """Coastal Comms' plain FTP server: its CTOP sample."""
    root = tmp_path / "coastal-ftp"
    home = root / "coastal"
    home.mkdir(parents=True)
    shutil.copy(settings.SAMPLES_DIR / COASTAL_CTOP, home / COASTAL_CTOP)
    server = Server(root, {"coastal": "Cc-th1rd&pa55"})
    yield server
    server.stop()


@pytest.fixture
def three_on_ftp(ftp_world, coastal_ftp_server, clusters):
    """Harbour Voice on FTPS, Southern Wholesale and Coastal Comms on plain FTP; the
    clusters trust the test certificate as this process does."""
    coastal = ftp_world["coastal"]
    coastal.ftp_host, coastal.ftp_port = "127.0.0.1", coastal_ftp_server.port
    coastal.ftp_username, coastal.ftp_directory = "coastal", "/coastal"
    coastal.ftp_use_tls = False
    coastal.set_ftp_password("Cc-th1rd&pa55")
    coastal.save()
    clusters.environment.update(FTP_CA_FILE=settings.FTP_CA_FILE, COLLECTION_BACKOFF_SECONDS="1")
    return ftp_world


def test_the_daily_collection_of_three_providers_is_done_once(clusters, redis_queue, three_on_ftp):
    # The schedule falls due, and both clusters' schedulers look at it as they start.
    schedule = Schedule.objects.get(func=SCHEDULE_FUNC)
    Schedule.objects.filter(pk=schedule.pk).update(next_run=timezone.now() - datetime.timedelta(minutes=1))
    clusters.start(2, scheduler_at_start=True)

    expected = {
        "harbour-voice": {HARBOUR_CTOP, HARBOUR_COCE},
        "southern-wholesale": {SOUTHERN_CTOP},
        "coastal-comms": {COASTAL_CTOP},
    }

    def collected_and_processed():
        collections = ProviderCollection.objects.all()
        return (
            collections.count() == 3
            and not collections.filter(status__in=["queued", "running"]).exists()
            and CarrierFile.objects.count() == 4
            and not CarrierFile.objects.filter(status__in=[FileStatus.RECEIVED, FileStatus.PROCESSING]).exists()
            and Task.objects.filter(func="usage.carrier_files.tasks.process_carrier_file").count() >= 4
        )

    wait_for(collected_and_processed, timeout=60, what=lambda: f"the collection did not finish:\n{clusters.logs()}")

    run = CollectionRun.objects.get()  # one run, whatever the number of schedulers
    assert run.trigger == "schedule" and run.finished_at is not None
    schedule.refresh_from_db()
    assert schedule.next_run > timezone.now()  # moved to the next day, once
    assert Task.objects.filter(func=SCHEDULE_FUNC).count() == 1
    collections = {c.provider.slug: c for c in run.collections.select_related("provider")}
    assert set(collections) == set(expected)
    for slug, names in expected.items():
        assert collections[slug].fetched == len(names), collections[slug].files
        received = CarrierFile.objects.filter(provider__slug=slug)
        assert sorted(received.values_list("name", flat=True)) == sorted(names)  # each file received once
    for carrier_file in CarrierFile.objects.all():
        assert carrier_file.status in FINAL, carrier_file.reason
        assert carrier_file.duplicates == 0 and carrier_file.lines > 0
    for carrier_file in CarrierFile.objects.filter(kind="ctop"):
        assert UsageRecord.objects.filter(carrier_file=carrier_file).count() == carrier_file.lines
    # One task per provider and per file, each done once; nothing left on the queue.
    for func, count in (
        ("usage.collection.tasks.collect_provider", 3),
        ("usage.carrier_files.tasks.process_carrier_file", 4),
    ):
        tasks = Task.objects.filter(func=func)
        assert tasks.count() == count and all(task.success for task in tasks), [t.result for t in tasks]
    assert queue_length(redis_queue) == 0


# ---------------------------------------------------------------------------
# A bill run queued twice
# ---------------------------------------------------------------------------

CALLS = [
    (f"OCT-{n}", f"202610{1 + n % 28:02d}090000", group, target, 30 + n)
    for n, (group, target) in enumerate(
        [("ACMEPTYLTD", "0298765432"), ("ACMEPTYLTD", "0412345678"), ("BLUEGUMCAFE", "0298765432")] * 40
    )
]


def test_a_bill_run_queued_twice_closes_the_period_once(clusters, redis_queue, harbour, harbour_billing, writer):
    set_prices(harbour)
    add_calls(harbour, writer, CALLS)
    numbering_before = Provider.objects.get(pk=harbour.pk).invoice_next_number
    october = BillPeriod.objects.get(provider=harbour, start_date=datetime.date(2026, 10, 1))
    clusters.start(2)

    run = bill_run_request(period=october, acting_user=harbour_billing)
    # Two people press "Close" at once: both see it queued, both queue it.
    enqueue_bill_run(run.pk)
    enqueue_bill_run(run.pk)

    name = f"bill run {run.pk}"
    done = wait_for(
        lambda: len(tasks_done(name)) == 2 and tasks_done(name),
        timeout=60,
        what=lambda: f"the two closes did not both finish:\n{clusters.logs()}",
    )
    assert all(task.success for task in done), [task.result for task in done]

    run.refresh_from_db()
    october.refresh_from_db()
    assert (run.status, october.status) == ("done", "closed")
    assert BillRun.objects.count() == 1
    assert run.calls == len(CALLS)
    usage_lines = BillRunLine.objects.filter(run=run, kind__in=["usage", "late_usage"])
    assert usage_lines.aggregate(calls=Sum("quantity"))["calls"] == len(CALLS)
    records = UsageRecord.objects.filter(provider=harbour)
    assert records.count() == len(CALLS) and all(billed_by(record) == run for record in records)
    # The invoices numbered once: one per customer, the numbering moved on by as many.
    invoices = run.invoices.all()
    assert invoices.count() == 2
    assert invoices.values("number").annotate(n=Count("id")).filter(n__gt=1).count() == 0
    harbour.refresh_from_db()
    assert harbour.invoice_next_number == numbering_before + 2


# ---------------------------------------------------------------------------
# A worker killed mid-file
# ---------------------------------------------------------------------------


def test_a_worker_killed_mid_file_leaves_it_to_re_process_and_billed_once(
    clusters, redis_queue, southern, ctop_spans, tmp_path, root_client, superuser
):
    clusters.start(2)
    records = 60_000
    carrier_file = receive(southern, synthetic_file(tmp_path, ctop_spans, records))
    # The progress store the clusters write (Redis, as Q_REDIS_URL makes it).
    store = RedisCache(redis_queue.url, {"KEY_PREFIX": "ssaas-progress"})
    key = file_progress_key(carrier_file.pk)
    name = f"process carrier file {carrier_file.pk}"

    enqueue_processing(carrier_file.pk)
    # Killed once the worker has written records in the file's transaction (batches of
    # CopySink.CHUNK), well before the end.
    wait_for(
        lambda: (note := store.get(key)) is not None and note.running and note.done > 2 * CopySink.CHUNK,
        timeout=30,
        what=lambda: f"the file's progress never showed it running:\n{clusters.logs()}",
        every=0.02,
    )
    worker = next(cluster for cluster in clusters.started if cluster.worker_pid(name))
    pid = worker.worker_pid(name)
    os.kill(pid, signal.SIGKILL)
    # Its cluster notices the dead worker and starts another in its place.
    wait_for(lambda: "reincarnated worker" in worker.text(), timeout=15, what="the dead worker was not replaced")

    carrier_file.refresh_from_db()
    assert carrier_file.status == FileStatus.PROCESSING  # not shown as processed
    assert UsageRecord.objects.count() == 0  # what the killed worker wrote was not kept
    assert not tasks_done(name)  # the task went with the worker: nothing runs it again by itself
    # Once STUCK_FILE_MINUTES have passed, the front page lists it as stuck...
    later = timezone.now() + datetime.timedelta(minutes=settings.STUCK_FILE_MINUTES + 1)
    assert carrier_file in stuck_files(superuser, now=later)

    # ... and "Re-process selected files" queues it again.
    response = root_client.post(
        reverse("admin:usage_carrierfile_changelist"),
        {"action": "reprocess", "_selected_action": [carrier_file.pk]},
        follow=True,
    )
    assert "1 file(s) queued for processing." in response.content.decode()
    done = wait_for(
        lambda: tasks_done(name),
        timeout=60,
        what=lambda: f"the re-processed file did not finish:\n{clusters.logs()}",
    )
    assert [task.success for task in done] == [True]
    assert_billed_once(carrier_file, records)
