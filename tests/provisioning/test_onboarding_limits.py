"""Onboarding files that would exhaust memory or drown the page in errors (issue 9,
defect 3): inflated workbook size, cell length, rows and errors listed are limited."""

import io
import tracemalloc
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from provisioning.onboarding import onboarding_import
from provisioning.onboarding.reader import read_onboarding_file

from .onboarding_files import csv_file, workbook

SERVICES_HEADER = "Reference,Customer reference,Plan,Status,Start date,End date,Label\n"


def inline_string_bomb(megabytes: int) -> io.BytesIO:
    """An XLSX of one cell holding an inline string of ``megabytes`` MB: tiny zipped."""
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as archive:
        template = workbook({"services": [["Reference"]]})
        with zipfile.ZipFile(template) as source:
            for member in source.infolist():
                if not member.filename.startswith("xl/worksheets/"):
                    archive.writestr(member, source.read(member))
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                b'spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
            )
            block = b"A" * (1 << 20)
            for _ in range(megabytes):
                sheet.write(block)
            sheet.write(b"</t></is></c></row></sheetData></worksheet>")
    data.seek(0)
    data.name = "bomb.xlsx"
    return data


def test_a_workbook_that_inflates_beyond_the_limit_is_refused_before_it_is_read(settings):
    settings.SPREADSHEET_MAX_BYTES = 50 * 1024 * 1024
    bomb = inline_string_bomb(200)
    assert len(bomb.getvalue()) < 1 << 20
    tracemalloc.start()
    try:
        sheets, errors = read_onboarding_file(bomb, name="bomb.xlsx")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert sheets == []
    assert "at most 50 MB (the limit SPREADSHEET_MAX_BYTES)" in errors[0].message
    assert peak < 20 * 1024 * 1024, f"{peak / 1e6:.0f} MB allocated"


def test_a_cell_longer_than_the_limit_is_an_error_naming_row_and_column(settings):
    settings.SPREADSHEET_CELL_MAX_CHARS = 1000
    data = workbook({"services": [["Reference", "Customer reference", "Plan"], ["HV-1", "ACME", "x" * 5000]]})
    _sheets, errors = read_onboarding_file(data, name="onboarding.xlsx")
    assert [(e.sheet, e.row, e.column) for e in errors] == [("services", 2, "column C")]
    assert "5,000 characters: at most 1,000 (the limit SPREADSHEET_CELL_MAX_CHARS)" in errors[0].message


@pytest.mark.django_db
def test_rows_beyond_the_limit_refuse_the_sheet(harbour, settings):
    settings.SPREADSHEET_MAX_ROWS = 1000
    rows = "".join(f"HV-{n},ACME,Business Voice,active,2026-10-01,,\n" for n in range(1500))
    result = onboarding_import(
        acting_user=None,
        provider=harbour,
        file=csv_file(SERVICES_HEADER + rows, "services.csv"),
        file_name="services.csv",
        dry_run=True,
    )
    assert [e.message for e in result.errors] == [
        "More than 1,000 rows (the limit SPREADSHEET_MAX_ROWS): split the file, "
        "or ask an administrator to raise the limit."
    ]


@pytest.mark.django_db
def test_errors_are_listed_up_to_the_limit_then_counted(harbour, settings, admin_client):
    settings.ERRORS_LISTED_MAX = 5
    rows = "".join(f"HV-{n},NO-SUCH-CUSTOMER,Business Voice,active,2026-10-01,,\n" for n in range(300))
    upload = SimpleUploadedFile("services.csv", (SERVICES_HEADER + rows).encode())
    response = admin_client.post(reverse("admin:provisioning_service_import"), {"provider": harbour.pk, "file": upload})
    result = response.context["result"]
    assert len(result.errors) == 5 and result.errors.total == 300
    body = response.content.decode()
    assert "300 errors in services.csv" in body
    assert "… and 295 more errors not listed (the first 5 are shown)." in body


@pytest.mark.django_db
def test_an_upload_over_the_size_limit_is_refused_with_the_limit_named(harbour, settings, admin_client):
    settings.UPLOAD_MAX_BYTES = 1024
    upload = SimpleUploadedFile("services.csv", b"x" * 2048)
    response = admin_client.post(reverse("admin:provisioning_service_import"), {"provider": harbour.pk, "file": upload})
    errors = response.context["form"].errors["file"]
    assert errors == ["services.csv is 2 KB: uploads are limited to 1 KB (the setting UPLOAD_MAX_BYTES)."]
