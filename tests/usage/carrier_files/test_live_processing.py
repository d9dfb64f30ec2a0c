"""A carrier file's page follows the worker: progress while it runs, then the split."""

import io

import pytest
from django.urls import reverse

from ssaas.common import progress as store
from usage.carrier_files import progress
from usage.carrier_files.choices import CarrierFileSourceChoices
from usage.carrier_files.models import CarrierFile
from usage.carrier_files.receive import carrier_file_process, carrier_file_receive

NAME = "CTOP_1234567_000002_20261102013000.txt"


@pytest.fixture
def received(harbour, writer):
    w = writer(harbour)
    for n in range(6):
        w.call(record_id=f"L{n}", special2="ACMEPTYLTD" if n < 4 else "NOSUCHGROUP")
    data = w.text().encode("ascii")
    return carrier_file_receive(
        provider=harbour, name=NAME, content=io.BytesIO(data), source=CarrierFileSourceChoices.COMMAND
    )


def test_the_worker_notes_how_far_it_has_read(received, monkeypatch):
    monkeypatch.setattr(progress, "EVERY_LINES", 1)
    monkeypatch.setattr(progress, "EVERY_SECONDS", 0)
    raw = io.BytesIO(b"a\nb\nc\nd\n")
    seen = []
    for _ in progress.track_progress(iter([b"a", b"b", b"c", b"d"]), raw, received.pk, size=8):
        raw.read(2)
        seen.append(store.read(progress.file_progress_key(received.pk)))
    # The third line read, after two were used (4 bytes of 8): about 6 lines in all.
    assert (seen[2].done, seen[2].total, seen[2].percent) == (3, 6, 50)
    assert seen[2].text == "3 of about 6 records read"
    assert store.read(progress.file_progress_key(received.pk)) is None  # gone at the end


def test_a_file_being_processed_shows_records_read_of_the_estimate(billing_client, received):
    CarrierFile.objects.filter(pk=received.pk).update(status="processing", size=1000)
    progress.report_lines(received.pk, lines=250, position=500, size=1000)
    page = billing_client.get(reverse("admin:usage_carrierfile_change", args=[received.pk])).content.decode()
    assert 'data-running="1"' in page and "ssaas/js/progress.js" in page
    assert 'id="file-progress-bar"' in page  # the one progress panel (templates/admin/includes/progress.html)
    assert "250 of about 500 records read" in page
    status = billing_client.get(reverse("admin:usage_carrierfile_status", args=[received.pk])).json()
    assert (status["running"], status["lines"], status["estimate"], status["percent"]) == (True, 250, 500, 50)
    progress.clear_progress(received.pk)


def test_a_file_the_worker_has_not_reached_says_so(billing_client, received):
    CarrierFile.objects.filter(pk=received.pk).update(status="processing")
    page = billing_client.get(reverse("admin:usage_carrierfile_change", args=[received.pk])).content.decode()
    assert "Processing: waiting for the worker" in page and 'id="file-progress-bar"' in page


def test_once_done_the_page_shows_the_split(billing_client, received):
    carrier_file_process(carrier_file_id=received.pk)
    status = billing_client.get(reverse("admin:usage_carrierfile_status", args=[received.pk])).json()
    assert (status["running"], status["rated"], status["quarantined"]) == (False, 4, 2)
    page = billing_client.get(reverse("admin:usage_carrierfile_change", args=[received.pk])).content.decode()
    assert 'data-running="0"' in page
    assert "rated 66.7% · quarantined 33.3%" in page


def test_another_providers_file_status_is_not_found(client, make_staff, southern, received):
    client.force_login(make_staff("sw-bill", southern, role="Billing staff"))
    assert client.get(reverse("admin:usage_carrierfile_status", args=[received.pk])).status_code == 404
