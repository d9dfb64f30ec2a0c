"""The usage admin as billing staff use it."""

import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from provisioning.choices import ServiceIdentifierKindChoices
from provisioning.models import Service
from tests.factories import ServiceIdentifierFactory
from usage.carrier_files.models import CarrierFile
from usage.ctop import admin as records_admin
from usage.ctop.models import UsageRecord

from .conftest import SAMPLE_FILES, SAMPLES, ingest_sample, ingest_text


@pytest.fixture
def loaded(harbour, southern, coastal):
    return {p.slug: ingest_sample(p) for p in (harbour, southern, coastal)}


def test_carrier_file_page_shows_counts_and_rejected_lines(admin_client, harbour, writer):
    w = writer(harbour)
    w.call(record_id="OK", special2="ACMEPTYLTD")
    w.add_raw("JUNKJUNK", counts=False)
    carrier_file = ingest_text(harbour, "CTOP_1234567_000002_20261102013000.txt", w.text())
    body = admin_client.get(reverse("admin:usage_carrierfile_change", args=[carrier_file.pk])).content.decode()
    assert "2 read, 1 rated, 0 quarantined, 0 written off, 1 rejected, 0 duplicate (they add up)" in body
    assert "unknown record type &#x27;JUNKJU&#x27;" in body
    listing = admin_client.get(reverse("admin:usage_carrierfile_changelist")).content.decode()
    assert "Processed with exceptions" in listing


def _rows(response) -> int:
    return len(response.context["cl"].result_list)


def test_usage_list_for_a_service_and_search_by_number(admin_client, loaded):
    acme = Service.objects.get(reference="HV-1001")
    url = reverse("admin:usage_usagerecord_changelist")
    assert _rows(admin_client.get(url, {"service__id__exact": acme.pk})) == 4  # three calls and the credit
    bluegum = Service.objects.get(reference="HV-1002")
    assert _rows(admin_client.get(url, {"q": "1800123456", "service__id__exact": bluegum.pk})) == 1
    assert _rows(admin_client.get(url, {"q": "UNKNOWNGROUP"})) == 1
    # A number called is searched within a service or a file only (no index over all calls).
    assert _rows(admin_client.get(url, {"q": "1800123456"})) == 0


@pytest.mark.parametrize("model", ["usagerecord", "quarantinedrecord"])
def test_large_usage_lists_never_count_the_table(admin_client, loaded, model, monkeypatch):
    """Page by page (Previous / Next): no COUNT over the table, and no count stated."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    monkeypatch.setattr(records_admin._LargeTableAdmin, "list_per_page", 2)
    url = reverse(f"admin:usage_{model}_changelist")
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(url)
    table = UsageRecord._meta.db_table
    counted = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper() and table in q["sql"]]
    assert counted == []
    body = response.content.decode()
    assert _rows(response) == 2
    assert 'href="?p=2"' in body  # Next
    assert "9999999999" not in body and not re.search(r"\d+ (usage|quarantined) records", body)
    assert _rows(admin_client.get(url, {"p": 2})) >= 1


def test_grouped_quarantine_with_hints(admin_client, loaded):
    body = admin_client.get(reverse("admin:usage_quarantinedrecord_groups")).content.decode()
    assert "UNKNOWNGROUP" in body and "reception@other.realm.com.au" in body
    assert "next to range 0370002000-0370002099 of SW-2002 (Geelong Motors)" in body


def test_hint_same_number_under_another_method(admin_client, harbour, writer):
    w = writer(harbour)
    w.call(record_id="H1", special2="NEWGROUP", special1="0290001005@ssaas.aapt.com.au")
    ingest_text(harbour, "CTOP_1234567_000002_20261102013000.txt", w.text())
    body = admin_client.get(reverse("admin:usage_quarantinedrecord_groups")).content.decode()
    assert "matches HV-1001 (Acme Pty Ltd) by FNN 0290001005" in body


def test_reprocess_groups_after_fixing_the_cause(admin_client, loaded, southern, django_capture_on_commit_callbacks):
    ServiceIdentifierFactory(
        service=Service.objects.get(reference="SW-2002"),
        kind=ServiceIdentifierKindChoices.NUMBER_RANGE,
        value="0370002100-0370002199",
    )
    url = reverse("admin:usage_quarantinedrecord_groups")
    with django_capture_on_commit_callbacks(execute=True):  # the worker re-processes as the request commits
        asked = admin_client.post(url, {"group": [f"{southern.pk}|non_existent_service|0370002150"], "do": "cleanse"})
    response = admin_client.get(asked["Location"])
    assert "1 record(s) re-processed, 1 now rated" in response.content.decode()
    assert UsageRecord.objects.get(record_id="SW0000000000000000006").status == "rated"


def test_write_off_from_the_list_asks_for_a_reason(billing_client, loaded, harbour_billing):
    record = UsageRecord.objects.get(record_id="HV0000000000000000007")
    url = reverse("admin:usage_quarantinedrecord_changelist")
    data = {"action": "write_off_selected", "_selected_action": [record.pk]}
    confirm = billing_client.post(url, data)
    assert "Write off 1 record" in confirm.content.decode()
    record.refresh_from_db()
    assert record.status == "quarantined"
    billing_client.post(url, {**data, "reason": "AAPT test calls"})
    record.refresh_from_db()
    assert (record.status, record.resolution_note, record.resolved_by) == (
        "written_off",
        "AAPT test calls",
        harbour_billing,
    )


def test_billing_user_sees_and_acts_on_own_provider_only(billing_client, loaded, southern):
    body = billing_client.get(reverse("admin:usage_quarantinedrecord_groups")).content.decode()
    assert "UNKNOWNGROUP" in body and "0370002150" not in body
    response = billing_client.post(
        reverse("admin:usage_quarantinedrecord_groups"),
        {"group": [f"{southern.pk}|non_existent_service|0370002150"], "do": "cleanse"},
    )
    assert response.status_code == 403
    foreign = UsageRecord.objects.get(record_id="SW0000000000000000001")
    page = billing_client.get(reverse("admin:usage_usagerecord_change", args=[foreign.pk]))
    assert page.status_code == 302
    files = billing_client.get(reverse("admin:usage_carrierfile_changelist")).content.decode()
    assert SAMPLE_FILES["harbour-voice"] in files and SAMPLE_FILES["southern-wholesale"] not in files


def test_attention_panel(admin_client, loaded, harbour, writer):
    ingest_text(harbour, "CTOP_1234567_000003_20261104013000.txt", writer(harbour, sequence=3).text(count=5))
    body = admin_client.get(reverse("admin:index")).content.decode()
    assert "Needs attention" in body
    assert "1 quarantined record</a> at Harbour Voice" in body
    assert "2 quarantined records</a> at Southern Wholesale" in body
    assert "1 rejected file</a>" in body
    assert "Harbour Voice: CTOP file 000002 missing (between 000001 and 000003)" in body


def test_attention_panel_names_silent_providers(admin_client, harbour):
    body = admin_client.get(reverse("admin:index")).content.decode()
    assert "No CTOP file from Harbour Voice yet" in body


def test_upload_a_file_in_the_admin(billing_client, harbour, django_capture_on_commit_callbacks):
    with open(SAMPLES / SAMPLE_FILES["harbour-voice"], "rb") as fh:
        upload = io.BytesIO(fh.read())
    upload.name = SAMPLE_FILES["harbour-voice"]
    with django_capture_on_commit_callbacks(execute=True):
        response = billing_client.post(
            reverse("admin:usage_carrierfile_upload"),
            {"provider": harbour.pk, "kind": "ctop", "file": upload},
            follow=True,
        )
    carrier_file = CarrierFile.objects.get()
    assert carrier_file.source == "upload" and carrier_file.rated == 7  # the worker ran it (sync in tests)
    assert "received; processing is queued" in response.content.decode()
    assert Path(carrier_file.stored.path).is_relative_to(settings.CARRIER_FILES_ROOT)


@pytest.mark.parametrize(
    "key", ["abc", "x|non_existent_service|1", "1|no_such_reason|1", "999999|non_existent_service|1", "1|"]
)
def test_malformed_quarantine_group_key_gets_a_message_not_a_500(admin_client, loaded, key):
    url = reverse("admin:usage_quarantinedrecord_groups")
    response = admin_client.post(url, {"group": [key], "do": "cleanse"}, follow=True)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Not a quarantine group" in body or "No provider 999999" in body
    assert admin_client.get(url, {"provider": "abc"}).status_code == 200
