"""BroadWorks utilisation reports: validated row by row, stored whole, replaced."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from usage.models import BroadWorksItem, BroadWorksReport

from .coce import BROADWORKS_SAMPLE
from .conftest import SAMPLES

BAD = (
    "group_id,item_type,item_name,quantity\n"
    "ACMEPTYLTD,SERVICE_PACK,Standard User Service Pack,11\n"
    "ACMEPTYLTD,SERVICE_PACK,Gold User Service Pack,2\n"
    "BLUEGUMCAFE,SIP_TRUNK,BLUEGUM-TG1,4\n"
    "BLUEGUMCAFE,SIP_SESSION,BLUEGUM-TG1,four\n"
    "ACMEPTYLTD,SERVICE_PACK,Standard User Service Pack,1\n"
)


def test_the_sample_through_the_command(harbour):
    out = io.StringIO()
    call_command(
        "ingest_broadworks",
        str(SAMPLES / BROADWORKS_SAMPLE),
        provider="harbour-voice",
        period="2026-10",
        stdout=out,
    )
    assert json.loads(out.getvalue()) == {
        "file": BROADWORKS_SAMPLE,
        "provider": "harbour-voice",
        "period": "2026-10-01/2026-10-31",
        "rows": 3,
    }
    rows = BroadWorksItem.objects.order_by("row_number")
    assert [(r.group_id, r.product.element_id, r.quantity) for r in rows] == [
        ("ACMEPTYLTD", "501001", 11),
        ("ACMEPTYLTD", "501002", 2),
        ("BLUEGUMCAFE", "502001", 4),
    ]


def test_every_problem_names_file_row_and_column(harbour, tmp_path):
    path = tmp_path / "bw_october.csv"
    path.write_text(BAD)
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("ingest_broadworks", str(path), provider="harbour-voice", period="2026-10", stderr=err)
    assert exit_info.value.code == 1
    assert err.getvalue().splitlines() == [
        "bw_october.csv row 3, column item_name: no Service Pack named "
        "'Gold User Service Pack' in Harbour Voice's catalogue",
        "bw_october.csv row 4, column item_type: unknown 'SIP_TRUNK' (SERVICE_PACK or SIP_SESSION)",
        "bw_october.csv row 5, column quantity: not a whole number ≥ 0: 'four'",
        "bw_october.csv row 6, column item_name: repeats row 2",
    ]
    assert not BroadWorksReport.objects.exists()


def test_a_new_report_for_the_period_replaces_the_current_one(harbour, tmp_path):
    sample = SAMPLES / BROADWORKS_SAMPLE
    for _ in range(2):
        call_command(
            "ingest_broadworks",
            str(sample),
            provider="harbour-voice",
            period="2026-10",
            stdout=io.StringIO(),
        )
    first, second = BroadWorksReport.objects.order_by("uploaded_at", "pk")
    assert (first.status, second.status) == ("superseded", "current")
    assert first.superseded_by == second
    # The same content for another month is that month's report, not a duplicate.
    call_command(
        "ingest_broadworks",
        str(sample),
        provider="harbour-voice",
        period="2026-11",
        stdout=io.StringIO(),
    )
    assert BroadWorksReport.objects.filter(status="current").count() == 2


def test_upload_in_the_admin_shows_the_problems(harbour, harbour_billing, client):
    client.force_login(harbour_billing)
    url = reverse("admin:usage_broadworksreport_add")
    bad = SimpleUploadedFile("bw.csv", BAD.encode())
    response = client.post(url, {"provider": harbour.pk, "period": "2026-10", "upload": bad})
    assert response.status_code == 200
    errors = str(response.context["adminform"].form.non_field_errors())
    assert "bw.csv row 5, column quantity" in errors
    assert not BroadWorksReport.objects.exists()

    good = SimpleUploadedFile(BROADWORKS_SAMPLE, (SAMPLES / BROADWORKS_SAMPLE).read_bytes())
    response = client.post(url, {"provider": harbour.pk, "period": "2026-10", "upload": good}, follow=True)
    assert "3 row(s) for October 2026" in response.content.decode()
    report = BroadWorksReport.objects.get()
    assert report.uploaded_by == harbour_billing and report.source == "upload"
    assert report.stored.read().startswith(b"group_id,item_type")
