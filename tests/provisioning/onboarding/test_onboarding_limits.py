"""Onboarding files that would exhaust memory or drown the page in errors (issue 9,
defect 3): inflated workbook size, cell length, rows and errors listed are limited."""

import io
import tracemalloc
import zipfile
from collections.abc import Iterator

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from provisioning.onboarding.reader import read_onboarding_file
from tests.provisioning.onboarding.onboarding_files import csv_file, run, workbook

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
    result = run(harbour, csv_file(SERVICES_HEADER + rows, "services.csv"), dry_run=True)
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


@pytest.mark.django_db
def test_a_large_file_is_checked_and_imported_by_the_worker(harbour, settings, admin_client):
    """Onboarding 50,000 rows ran about three minutes inside the request. Here the
    file goes to django-q2 (which runs tasks at once in the tests' settings) and the
    status page shows the worker's result."""
    from provisioning.models import Service

    settings.ONBOARDING_SYNC_MAX_BYTES = 100
    rows = "".join(f"HV-9{n:03d},ACME,Business Voice,active,2026-10-01,,\n" for n in range(20))
    upload = SimpleUploadedFile("services.csv", (SERVICES_HEADER + rows).encode())
    response = admin_client.post(reverse("admin:provisioning_service_import"), {"provider": harbour.pk, "file": upload})
    assert response.status_code == 302 and "/import/status/" in response.url
    assert not Service.objects.filter(reference="HV-9000").exists()

    response = admin_client.get(response.url)  # the worker has run the dry run
    kept = response.context["kept"]
    assert kept is not None and not response.context["result"].errors
    assert "would" in response.content.decode() or "Import" in response.content.decode()

    response = admin_client.post(reverse("admin:provisioning_service_import"), {"token": kept.token})
    assert response.status_code == 302 and "/import/status/" in response.url
    response = admin_client.get(response.url, follow=True)
    assert "Imported services.csv into Harbour Voice" in response.content.decode()
    assert Service.objects.filter(reference__startswith="HV-9").count() == 20


@pytest.mark.django_db
def test_the_worker_s_dry_run_shows_the_errors_it_found(harbour, settings, admin_client):
    """A result with errors came back from the worker as a pickle that could not be
    read (its error list was rebuilt without its limit): the status page answered 500."""
    settings.ONBOARDING_SYNC_MAX_BYTES = 100
    settings.ERRORS_LISTED_MAX = 2
    rows = "".join(f"HV-9{n:03d},NO-SUCH-CUSTOMER,Business Voice,active,2026-10-01,,\n" for n in range(5))
    upload = SimpleUploadedFile("services.csv", (SERVICES_HEADER + rows).encode())
    response = admin_client.post(reverse("admin:provisioning_service_import"), {"provider": harbour.pk, "file": upload})
    assert response.status_code == 302 and "/import/status/" in response.url
    response = admin_client.get(response.url)
    assert response.status_code == 200
    errors = response.context["result"].errors
    assert (len(errors), errors.total, errors.limit) == (2, 5, 2)
    assert "5 errors in services.csv" in response.content.decode()


@pytest.mark.django_db
def test_the_status_page_says_queued_until_the_worker_is_done(harbour, settings, admin_client, monkeypatch):
    from provisioning.onboarding import admin_views

    settings.ONBOARDING_SYNC_MAX_BYTES = 50
    monkeypatch.setattr(admin_views, "async_task", lambda *args, **kwargs: "not-run-yet")
    upload = SimpleUploadedFile("services.csv", (SERVICES_HEADER + "HV-1,ACME,Business Voice,,,,\n").encode())
    response = admin_client.post(
        reverse("admin:provisioning_service_import"), {"provider": harbour.pk, "file": upload}, follow=True
    )
    assert "The dry run of services.csv for Harbour Voice is queued" in response.content.decode()
    assert admin_client.get(reverse("admin:provisioning_service_import_status", args=["other"])).status_code == 404


@pytest.mark.django_db
def test_the_status_page_shows_the_worker_s_progress_then_its_failure(harbour, settings, admin_client, monkeypatch):
    """The page reads the progress store: queued (nothing noted), under way (the
    worker's note), then the worker's failure, said on the import page."""
    from provisioning.onboarding import admin_views
    from ssaas.common import progress

    settings.ONBOARDING_SYNC_MAX_BYTES = 50
    queued = []
    monkeypatch.setattr(admin_views, "async_task", lambda *args, **kwargs: queued.append(kwargs) or "not-run-yet")
    upload = SimpleUploadedFile("services.csv", (SERVICES_HEADER + "HV-1,ACME,Business Voice,,,,\n").encode())
    response = admin_client.post(reverse("admin:provisioning_service_import"), {"provider": harbour.pk, "file": upload})
    status_url = response.url
    text = admin_client.get(status_url).content.decode()
    assert "Queued: waiting for the worker" in text and 'id="onboarding-status-bar"' in text

    key = queued[0]["progress_key"]
    progress.report(key, text="checking services.csv")
    text = admin_client.get(status_url).content.decode()
    assert "services.csv for Harbour Voice is under way" in text
    assert "Running: checking services.csv" in text and 'id="onboarding-status-bar"' in text

    progress.fail(key, "RuntimeError: the disk caught fire")
    response = admin_client.get(status_url, follow=True)
    assert "The onboarding dry run failed: RuntimeError: the disk caught fire" in response.content.decode()
    assert admin_client.get(status_url).status_code == 404  # its outcome was said once


# ---------------------------------------------------------------------------
# Workbooks whose XML cannot be read, or holds more than it may
# ---------------------------------------------------------------------------

MAIN_NS = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_PACKAGE = "http://schemas.openxmlformats.org/package/2006"
_RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CONTENT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
SERVICES = [["Reference", "Customer reference", "Plan"], ["HV-1", "ACME", "Business Voice"]]
TEXTS = [text.encode() for row in SERVICES for text in row]


def shared_strings(texts: list[bytes], *, more: int = 0) -> Iterator[bytes]:
    """The shared strings part: ``texts``, then ``more`` one-letter strings (in blocks)."""
    yield b'<?xml version="1.0"?><sst xmlns="' + MAIN_NS + b'">'
    yield b"".join(b"<si><t>" + text + b"</t></si>" for text in texts)
    block = b"<si><t>a</t></si>" * 10_000
    for _ in range(more // 10_000):
        yield block
    yield b"</sst>"


def shared_strings_workbook(name: str = "onboarding.xlsx", parts: dict | None = None) -> io.BytesIO:
    """A services sheet holding SERVICES as Excel writes it: every text a shared
    string (openpyxl writes inline strings). ``parts``: members by name (bytes, or
    an iterable of bytes, streamed) replacing or added to these."""
    cells = iter(range(len(TEXTS)))
    rows = "".join(
        f'<row r="{r}">'
        + "".join(f'<c r="{chr(65 + c)}{r}" t="s"><v>{next(cells)}</v></c>' for c in range(len(row)))
        + "</row>"
        for r, row in enumerate(SERVICES, start=1)
    )
    members = {
        "[Content_Types].xml": f'<Types xmlns="{_PACKAGE}/content-types">'
        f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        f'<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_CONTENT}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_CONTENT}.worksheet+xml"/>'
        f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_CONTENT}.sharedStrings+xml"/></Types>',
        "_rels/.rels": f'<Relationships xmlns="{_PACKAGE}/relationships"><Relationship Id="rId1" '
        f'Type="{_RELATIONSHIP}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{MAIN_NS.decode()}" xmlns:r="{_RELATIONSHIP}"><sheets>'
        '<sheet name="services" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{_PACKAGE}/relationships">'
        f'<Relationship Id="rId1" Type="{_RELATIONSHIP}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_RELATIONSHIP}/sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>",
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{MAIN_NS.decode()}"><sheetData>{rows}</sheetData></worksheet>',
        "xl/sharedStrings.xml": shared_strings(TEXTS),
        **(parts or {}),
    }
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, content in members.items():
            with archive.open(member, "w") as part:
                for chunk in [content] if isinstance(content, str | bytes) else content:
                    part.write(chunk.encode() if isinstance(chunk, str) else chunk)
    data.seek(0)
    data.name = name
    return data


def entity_bomb() -> bytes:
    """Shared strings whose one text is a billion-laughs entity: ten to the ninth 'lol's."""
    entities = b'<!ENTITY lol0 "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (n, b"&lol%d;" % (n - 1) * 10) for n in range(1, 10)
    )
    return (
        b'<?xml version="1.0"?><!DOCTYPE sst [' + entities + b']><sst xmlns="' + MAIN_NS + b'">'
        b"<si><t>&lol9;</t></si></sst>"
    )


HOSTILE_XML = {
    # 1.9 KB zipped; answered 500 with xml.etree's ParseError (expat's amplification limit)
    "an entity bomb in the shared strings": {"xl/sharedStrings.xml": entity_bomb()},
    "a sheet cut short": {"xl/worksheets/sheet1.xml": b'<worksheet xmlns="' + MAIN_NS + b'"><sheetData><row'},
    "a workbook part that is not XML": {"xl/workbook.xml": b"<workbook><sheets></workbook>"},
}


@pytest.mark.django_db
@pytest.mark.parametrize("members", HOSTILE_XML.values(), ids=HOSTILE_XML.keys())
def test_a_workbook_whose_xml_cannot_be_read_is_refused_naming_the_file(harbour, admin_client, members):
    hostile = shared_strings_workbook("hostile.xlsx", members)
    assert len(hostile.getvalue()) < 10_000
    response = admin_client.post(
        reverse("admin:provisioning_service_import"), {"provider": harbour.pk, "file": hostile}
    )
    assert response.status_code == 200
    errors = response.context["result"].errors
    assert len(errors) == 1 and errors[0].sheet == "hostile.xlsx"
    assert "XML cannot be read" in errors[0].message and "Save it again from Excel" in errors[0].message
    body = response.content.decode()
    assert "1 error in hostile.xlsx" in body and "XML cannot be read" in body
    assert response.context["kept"] is None  # nothing to import


def _sheet(cell: bytes) -> dict[str, bytes]:
    row = b'<row r="1">' + cell + b"</row>"
    return {
        "xl/worksheets/sheet1.xml": b'<worksheet xmlns="'
        + MAIN_NS
        + b'"><sheetData>'
        + row
        + b"</sheetData></worksheet>"
    }


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        (b'<c r="A1" t="s"><v>99</v></c>', "a text that is not in its shared strings"),
        (b'<c r="A1"><v>abc</v></c>', "invalid literal for int() with base 10: 'abc'"),
        (b'<c r="ZZZZZZZ1"><v>1</v></c>', "'ZZZZZZZ' is not a valid column name"),
        (b'<c r="A1" t="d"><v>notadate</v></c>', "Invalid datetime value notadate"),
    ],
)
def test_a_sheet_holding_a_cell_openpyxl_cannot_read_is_refused_naming_the_sheet(cell, reason):
    sheets, errors = read_onboarding_file(shared_strings_workbook("odd.xlsx", _sheet(cell)), name="odd.xlsx")
    assert sheets == [] and [(e.sheet, e.row) for e in errors] == [("odd.xlsx", None)]
    assert errors[0].message.startswith(f"Sheet services holds a cell that cannot be read ({reason}")


@pytest.mark.django_db
def test_a_workbook_large_once_unpacked_goes_to_the_worker(harbour, admin_client, monkeypatch):
    """The upload's size alone sent a workbook of a few kilobytes holding any amount
    once unpacked to be read in the request: its unpacked size decides too."""
    from provisioning.onboarding import admin_views

    queued = []
    monkeypatch.setattr(admin_views, "async_task", lambda *args, **kwargs: queued.append(kwargs) or "queued-task")
    padded = shared_strings_workbook("padded.xlsx", {"xl/media/padding.bin": bytes(1 << 20)})  # 1 MB of zeros
    assert len(padded.getvalue()) < 20_000  # far under ONBOARDING_SYNC_MAX_BYTES (256 KB) zipped
    response = admin_client.post(reverse("admin:provisioning_service_import"), {"provider": harbour.pk, "file": padded})
    assert response.status_code == 302 and response.url.endswith("/import/status/queued-task/")
    assert [task["name"] for task in queued] == ["padded.xlsx"]


def many_strings_workbook(more: int) -> io.BytesIO:
    """The finding's workbook: ``more`` one-letter shared strings after the sheet's own,
    17 bytes each once unpacked, a few hundred kilobytes zipped (streamed into the zip)."""
    return shared_strings_workbook("strings.xlsx", {"xl/sharedStrings.xml": shared_strings(TEXTS, more=more)})


@pytest.mark.django_db
def test_a_workbook_of_millions_of_shared_strings_goes_to_the_worker_and_is_refused(harbour, admin_client):
    """5.5 million one-letter shared strings: 95 MB unpacked (within SPREADSHEET_MAX_BYTES),
    228 KB zipped (under ONBOARDING_SYNC_MAX_BYTES): read in the request, 108 s and
    592 MB. It goes to the worker (by its unpacked size), which refuses it after
    counting a million strings, naming the limit."""
    many = many_strings_workbook(5_500_000)
    assert len(many.getvalue()) < 256 * 1024
    response = admin_client.post(reverse("admin:provisioning_service_import"), {"provider": harbour.pk, "file": many})
    assert response.status_code == 302 and "/import/status/" in response.url
    response = admin_client.get(response.url)  # the worker has run the dry run (at once, in the tests)
    errors = response.context["result"].errors
    assert [(e.sheet, e.message) for e in errors] == [
        (
            "strings.xlsx",
            "This workbook holds more than 1,000,000 different texts (shared strings): at most 1,000,000 "
            "(the limit SPREADSHEET_MAX_STRINGS). Split it.",
        )
    ]
    assert "more than 1,000,000 different texts" in response.content.decode()


def test_shared_strings_are_counted_before_openpyxl_keeps_them(settings):
    settings.SPREADSHEET_MAX_STRINGS = 100_000
    many = many_strings_workbook(200_000)
    tracemalloc.start()
    try:
        sheets, errors = read_onboarding_file(many, name="strings.xlsx")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert sheets == [] and "more than 100,000 different texts" in errors[0].message
    assert peak < 20 * 1024 * 1024, f"{peak / 1e6:.0f} MB allocated"
    # Within the limit, the workbook reads as before.
    settings.SPREADSHEET_MAX_STRINGS = 200_010
    sheets, errors = read_onboarding_file(many_strings_workbook(200_000), name="strings.xlsx")
    assert errors == [] and [row.cells["reference"] for row in sheets[0].rows] == ["HV-1"]
