"""BroadWorks utilisation reports: validated row by row, stored whole, replaced."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from tests.usage.coce.helpers import BROADWORKS_SAMPLE, ingest_broadworks
from tests.usage.conftest import SAMPLES
from usage.broadworks.models import BroadWorksItem, BroadWorksReport

BAD = (
    "group_id,item_type,item_name,quantity\n"
    "ACMEPTYLTD,SERVICE_PACK,Standard User Service Pack,11\n"
    "ACMEPTYLTD,SERVICE_PACK,Gold User Service Pack,2\n"
    "BLUEGUMCAFE,SIP_TRUNK,BLUEGUM-TG1,4\n"
    "BLUEGUMCAFE,SIP_SESSION,BLUEGUM-TG1,four\n"
    "ACMEPTYLTD,SERVICE_PACK,Standard User Service Pack,1\n"
)


def test_the_sample_through_the_command(harbour):
    assert json.loads(ingest_broadworks()) == {
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
    for _ in range(2):
        ingest_broadworks()
    first, second = BroadWorksReport.objects.order_by("uploaded_at", "pk")
    assert (first.status, second.status) == ("superseded", "current")
    assert first.superseded_by == second
    # The same content for another month is that month's report, not a duplicate.
    ingest_broadworks(period="2026-11")
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


# -- hostile reports (issue 9, defects 4 and 11) ------------------------------------------

HEADER = "group_id,item_type,item_name,quantity\n"
GOOD_ROW = "ACMEPTYLTD,SERVICE_PACK,Standard User Service Pack,11\n"


def stored_reports() -> list:
    from pathlib import Path

    from django.conf import settings

    root = Path(settings.CARRIER_FILES_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file() and "broadworks" in p.parts)


@pytest.mark.parametrize(
    "row, where",
    [
        ("ACMEPTYLTD,SERVICE_PACK," + "S" * 300 + ",1\n", "row 3, column item_name: 300 characters, at most 200"),
        ("G" * 200 + ",SIP_SESSION,TG1,1\n", "row 3, column group_id: 200 characters, at most 96"),
        ("ACME\0PTYLTD,SIP_SESSION,TG1,1\n", "row 3, column group_id: contains a NUL character"),
        (
            "ACMEPTYLTD,SIP_SESSION," + "T" * 200_000 + ",1\n",
            "bw.csv line 3 is longer than 64 KB (the limit LINE_MAX_BYTES)",
        ),
    ],
    ids=["item_name-300", "group_id-200", "nul", "field-200000"],
)
def test_a_hostile_row_is_named_never_a_500_and_nothing_is_left_on_disk(harbour, harbour_billing, client, row, where):
    before = stored_reports()
    client.force_login(harbour_billing)
    upload = SimpleUploadedFile("bw.csv", (HEADER + GOOD_ROW + row).encode())
    response = client.post(
        reverse("admin:usage_broadworksreport_add"), {"provider": harbour.pk, "period": "2026-10", "upload": upload}
    )
    assert response.status_code == 200
    errors = str(response.context["adminform"].form.non_field_errors())
    assert where in errors
    assert not BroadWorksReport.objects.exists()
    assert stored_reports() == before


def test_the_service_refuses_a_hostile_row_without_storing_anything(harbour, tmp_path):
    from providers.months import period_for
    from usage.broadworks.services import ReportInvalid, broadworks_report_upload

    before = stored_reports()
    with pytest.raises(ReportInvalid) as refused:
        broadworks_report_upload(
            provider=harbour,
            period=period_for(harbour, "2026-10"),
            name="bw.csv",
            content=io.BytesIO((HEADER + GOOD_ROW + "ACMEPTYLTD,SERVICE_PACK," + "S" * 300 + ",1\n").encode()),
        )
    assert "bw.csv row 3, column item_name" in str(refused.value)
    assert stored_reports() == before


def test_rows_beyond_the_limit_and_problems_beyond_the_list_are_counted(harbour, tmp_path, settings, capsys):
    settings.SPREADSHEET_MAX_ROWS = 1000
    settings.ERRORS_LISTED_MAX = 5
    path = tmp_path / "bw.csv"
    path.write_text(HEADER + "ACMEPTYLTD,SIP_SESSION,TG,four\n" * 1500)
    with pytest.raises(SystemExit):
        call_command("ingest_broadworks", str(path), provider="harbour-voice", period="2026-10")
    problems = capsys.readouterr().err.strip().splitlines()
    assert len(problems) == 7
    assert problems[0].startswith("bw.csv row 2, column quantity")
    assert problems[5] == "bw.csv row 1002: more than 1,000 rows (the limit SPREADSHEET_MAX_ROWS): not read further"
    assert problems[6] == "… and 995 more problem(s) not listed"
    assert not BroadWorksReport.objects.exists()


def test_a_large_report_page_shows_a_bounded_number_of_rows(harbour, admin_client, tmp_path):
    from usage.broadworks.admin import ROWS_SHOWN

    groups = [f"GROUP{n:05d}" for n in range(300)]
    path = tmp_path / "bw.csv"
    path.write_text(HEADER + "".join(f"{g},SERVICE_PACK,Standard User Service Pack,1\n" for g in groups))
    ingest_broadworks(path)
    report = BroadWorksReport.objects.get()
    assert report.rows == 300
    body = admin_client.get(reverse("admin:usage_broadworksreport_change", args=[report.pk])).content.decode()
    assert body.count("GROUP0") == ROWS_SHOWN
    assert "GROUP00299" not in body
    link = reverse("admin:usage_broadworksitem_changelist") + f"?report__id__exact={report.pk}"
    assert f'href="{link}"' in body and "All 300 rows" in body
    listing = admin_client.get(link).content.decode()
    assert "GROUP00000" in listing
