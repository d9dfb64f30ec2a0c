"""Long work on the worker: the request only queues a job; the job's page shows it
queued, running, then done with its result; other providers never see it."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from ssaas.common import progress, queue
from usage.ctop.models import UsageRecord
from usage.jobs.models import Job
from usage.jobs.tasks import run_job
from usage.reconciliation import export as reconciliation_export

from .conftest import ingest_text

NAME = "CTOP_1234567_000002_20261102013000.txt"


@pytest.fixture
def queued(monkeypatch):
    """The tasks queued for the worker, not run (the test cluster would run them at once)."""
    calls = []
    monkeypatch.setattr(queue, "async_task", lambda func, *args, **kwargs: calls.append((func, args)))
    return calls


def ask_for_spreadsheet(client, provider, capture, period="2026-10"):
    with capture(execute=True):
        return client.post(reverse("admin:usage_reconciliation_export", args=[provider.pk, period]))


def job_page(client, job) -> str:
    return client.get(reverse("admin:usage_job_change", args=[job.pk])).content.decode()


def test_the_spreadsheet_is_made_on_the_worker_not_in_the_request(
    billing_client, harbour, harbour_billing, queued, monkeypatch, django_capture_on_commit_callbacks
):
    built = []
    real_build = reconciliation_export.reconciliation_build
    monkeypatch.setattr(
        reconciliation_export,
        "reconciliation_build",
        lambda **kwargs: built.append(kwargs) or real_build(**kwargs),
    )
    response = ask_for_spreadsheet(billing_client, harbour, django_capture_on_commit_callbacks)

    job = Job.objects.get()
    assert response["Location"] == reverse("admin:usage_job_change", args=[job.pk])
    assert queued == [("usage.jobs.tasks.run_job", (job.pk,))]
    assert built == []  # the request did none of the work
    assert (job.kind, job.provider, job.requested_by, job.status) == (
        "reconciliation_export",
        harbour,
        harbour_billing,
        "queued",
    )
    page = job_page(billing_client, job)
    assert "Queued: waiting for the worker" in page and 'http-equiv="refresh"' in page

    run_job(job.pk)  # what the worker does

    assert len(built) == 1
    page = job_page(billing_client, job)
    assert "Done at" in page and 'http-equiv="refresh"' not in page
    download = reverse("admin:usage_job_download", args=[job.pk])
    assert f'href="{download}"' in page
    response = billing_client.get(download)
    assert response.status_code == 200
    assert "reconciliation_harbour-voice_2026-10.xlsx" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert "Summary" in workbook.sheetnames


def test_a_jobs_page_leads_back_to_what_it_is_about(
    billing_client, harbour, queued, django_capture_on_commit_callbacks
):
    ask_for_spreadsheet(billing_client, harbour, django_capture_on_commit_callbacks)
    job = Job.objects.get()
    page = job_page(billing_client, job)

    reconciliation = reverse("admin:usage_reconciliation_detail", args=[harbour.pk, "2026-10"])
    assert f'href="{reconciliation}"' in page and "The reconciliation of Harbour Voice, 2026-10" in page
    assert f'href="{reverse("admin:usage_job_changelist")}"' in page
    assert billing_client.get(reconciliation).status_code == 200


def test_a_running_job_shows_how_far_it_is(billing_client, harbour, queued, django_capture_on_commit_callbacks):
    ask_for_spreadsheet(billing_client, harbour, django_capture_on_commit_callbacks)
    job = Job.objects.get()
    Job.objects.update(status="running")
    progress.report(job.progress_key, done=40, total=100, text="40% done")  # what the handler's report(40) notes
    page = job_page(billing_client, job)
    assert "Running: 40% done" in page and 'http-equiv="refresh"' in page
    assert 'id="job-status-bar"' in page and 'value="40"' in page  # the one progress panel
    listed = billing_client.get(reverse("admin:usage_job_changelist")).content.decode()
    assert "40%" in listed


def test_a_job_s_report_reaches_its_page_while_it_runs(
    billing_client, harbour, queued, monkeypatch, django_capture_on_commit_callbacks
):
    """The handler's report(5), before it builds the spreadsheet, is what the page shows
    while it builds."""
    seen = []

    def build(**kwargs):
        seen.append(job_page(billing_client, Job.objects.get()))
        raise RuntimeError("stop here")

    monkeypatch.setattr(reconciliation_export, "reconciliation_build", build)
    ask_for_spreadsheet(billing_client, harbour, django_capture_on_commit_callbacks)
    job = Job.objects.get()
    run_job(job.pk)
    assert "Running: 5% done" in seen[0] and 'id="job-status-bar"' in seen[0]
    assert progress.read(job.progress_key).failed  # the note says it stopped; the job's row says why


def test_a_failed_job_says_why(billing_client, harbour, queued, monkeypatch, django_capture_on_commit_callbacks):
    def broken(**kwargs):
        raise RuntimeError("the disk caught fire")

    monkeypatch.setattr(reconciliation_export, "reconciliation_build", broken)
    ask_for_spreadsheet(billing_client, harbour, django_capture_on_commit_callbacks)
    job = Job.objects.get()
    run_job(job.pk)
    job.refresh_from_db()
    assert job.status == "failed"
    assert "RuntimeError: the disk caught fire" in job_page(billing_client, job)
    assert billing_client.get(reverse("admin:usage_job_download", args=[job.pk])).status_code == 404


def test_a_job_runs_once(billing_client, harbour, queued, django_capture_on_commit_callbacks):
    ask_for_spreadsheet(billing_client, harbour, django_capture_on_commit_callbacks)
    job = Job.objects.get()
    run_job(job.pk)
    first = Job.objects.get().result_file.name
    run_job(job.pk)  # the broker delivered it twice
    assert Job.objects.get().result_file.name == first


def test_another_providers_staff_neither_see_nor_download_the_job(
    billing_client, harbour, southern, make_staff, client, queued, django_capture_on_commit_callbacks
):
    ask_for_spreadsheet(billing_client, harbour, django_capture_on_commit_callbacks)
    job = Job.objects.get()
    run_job(job.pk)
    billing_client.logout()
    client.force_login(make_staff("sw-bill", southern, role="Billing staff"))
    assert client.get(reverse("admin:usage_job_change", args=[job.pk])).status_code == 404
    assert client.get(reverse("admin:usage_job_download", args=[job.pk])).status_code == 404
    assert list(client.get(reverse("admin:usage_job_changelist")).context["cl"].result_list) == []
    # Nor may they ask for another provider's spreadsheet.
    response = ask_for_spreadsheet(client, harbour, django_capture_on_commit_callbacks)
    assert response.status_code == 404 and Job.objects.count() == 1


def test_staff_without_the_kinds_permission_do_not_see_its_jobs(
    billing_client, harbour, harbour_provisioning, client, queued, django_capture_on_commit_callbacks
):
    ask_for_spreadsheet(billing_client, harbour, django_capture_on_commit_callbacks)
    job = Job.objects.get()
    client.force_login(harbour_provisioning)
    assert client.get(reverse("admin:usage_job_change", args=[job.pk])).status_code in (403, 404)
    assert client.get(reverse("admin:usage_job_download", args=[job.pk])).status_code in (403, 404)


def test_reprocessing_quarantine_groups_is_a_job(
    billing_client, harbour, harbour_billing, writer, queued, django_capture_on_commit_callbacks
):
    w = writer(harbour)
    for n in range(3):
        w.call(record_id=f"Q{n}", special2="NOSUCHGROUP")
    ingest_text(harbour, NAME, w.text())
    quarantined = UsageRecord.objects.filter(status="quarantined")
    assert quarantined.count() == 3
    group = quarantined.values_list("reason", "identifier").first()

    with django_capture_on_commit_callbacks(execute=True):
        response = billing_client.post(
            reverse("admin:usage_quarantinedrecord_groups"),
            {"group": [f"{harbour.pk}|{group[0]}|{group[1]}"], "do": "cleanse"},
        )
    job = Job.objects.get()
    assert response["Location"] == reverse("admin:usage_job_change", args=[job.pk])
    assert queued == [("usage.jobs.tasks.run_job", (job.pk,))]
    assert (job.kind, job.params) == ("quarantine_reprocess", {"groups": [list(group)]})
    assert "Queued" in job_page(billing_client, job)

    run_job(job.pk)

    job.refresh_from_db()
    assert job.result["considered"] == 3 and job.result["still_quarantined"] == 3
    page = job_page(billing_client, job)
    assert "3 record(s) re-processed, 0 now rated, 3 still quarantined" in page


def test_reprocessing_selected_records_is_a_job(
    billing_client, harbour, writer, queued, django_capture_on_commit_callbacks
):
    w = writer(harbour)
    w.call(record_id="Q1", special2="NOSUCHGROUP")
    w.call(record_id="Q2", special2="NOSUCHGROUP")
    ingest_text(harbour, NAME, w.text())
    chosen = UsageRecord.objects.get(record_id="Q1")
    with django_capture_on_commit_callbacks(execute=True):
        billing_client.post(
            reverse("admin:usage_quarantinedrecord_changelist"),
            {"action": "reprocess_selected", "_selected_action": [chosen.pk]},
        )
    job = Job.objects.get()
    assert job.params == {"record_ids": [chosen.pk]}
    run_job(job.pk)
    job.refresh_from_db()
    assert (job.status, job.result["considered"]) == ("done", 1)
