"""A bill run's files: Xero invoices (split into a zip past 500 invoices),
itemised calls, the run summary workbook; and the bill_run command."""

import csv
import datetime
import io
import json
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import call_command

from providers.models import Customer
from provisioning.models import Service
from ssaas.common import spreadsheet
from tests.billing import close_period
from tests.usage.billing.helpers import add_calls, outage_credit, period, set_prices
from tests.usage.billing.test_billing_close import NOV_CALLS, OCT_CALLS
from usage.billing import services as billing
from usage.billing.exports import calls, close, summary, xero
from usage.billing.models import Adjustment, BillRun
from usage.billing.selectors import run_usage
from usage.billing.services import adjustment_add, bill_period_close_files

pytestmark = pytest.mark.django_db


@pytest.fixture
def october_run(harbour, harbour_billing, writer):
    set_prices(harbour)
    add_calls(harbour, writer, OCT_CALLS + NOV_CALLS)
    acme = Customer.objects.get(reference="ACME")
    acme.name = "=cmd|' /C calc'!A0"  # a hostile name must reach the ledger inert
    acme.billing_email = "ap@acme.example.com.au"
    acme.save()
    outage_credit(harbour_billing)
    return close_period(period=period(harbour, "2026-10"), acting_user=harbour_billing)


def rows(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"))))


def test_xero_csv_one_invoice_per_customer_one_line_per_charge_kind(october_run):
    name, content, content_type = xero.xero_export(october_run)
    assert (name, content_type) == ("xero-invoices-harbour-voice-2026-10.csv", "text/csv")
    table = rows(content)
    assert list(table[0]) == xero.XERO_COLUMNS
    acme = [r for r in table if r["*InvoiceNumber"] == "INV-1"]
    assert {r["*ContactName"] for r in acme} == {"'=cmd|' /C calc'!A0"}
    assert {r["EmailAddress"] for r in acme} == {"ap@acme.example.com.au"}
    assert {(r["*InvoiceDate"], r["*DueDate"], r["*AccountCode"], r["*TaxType"], r["Currency"]) for r in table} == {
        ("01/11/2026", "15/11/2026", "200", "GST on Income", "AUD")
    }
    assert [(r["*Description"].split(":")[0], r["*Quantity"], r["*UnitAmount"]) for r in acme] == [
        ("HV-1001", "1", "0.15"),  # calls, fixed
        ("HV-1001", "1", "0.24"),  # calls, mobile
        ("HV-1001", "1", "40.00"),  # Premium packs
        ("HV-1001", "1", "120.00"),  # Standard packs
        ("HV-1001", "1", "-5.00"),  # the credit: a number, not made inert
    ]
    assert acme[-1]["*Description"] == "HV-1001: Credit 15/10/2026: Outage credit"
    assert sum(Decimal(r["*UnitAmount"]) for r in acme) == Decimal("155.39")
    bluegum = [r for r in table if r["*InvoiceNumber"] == "INV-2"]
    assert [r["*ContactName"] for r in bluegum] == ["Bluegum Cafe", "Bluegum Cafe"]


# Xero's sales-invoice import template, as Xero issues it ("*": required).
XERO_TEMPLATE = (
    "*ContactName,EmailAddress,POAddressLine1,POAddressLine2,POAddressLine3,POAddressLine4,POCity,PORegion,"
    "POPostalCode,POCountry,*InvoiceNumber,Reference,*InvoiceDate,*DueDate,InventoryItemCode,*Description,"
    "*Quantity,*UnitAmount,Discount,*AccountCode,*TaxType,TrackingName1,TrackingOption1,TrackingName2,"
    "TrackingOption2,Currency,BrandingTheme"
)
OPTIONAL_LEFT_EMPTY = [
    "POAddressLine1",
    "POAddressLine2",
    "POAddressLine3",
    "POAddressLine4",
    "POCity",
    "PORegion",
    "POPostalCode",
    "POCountry",
    "Reference",
    "InventoryItemCode",
    "Discount",
    "TrackingName1",
    "TrackingOption1",
    "TrackingName2",
    "TrackingOption2",
    "BrandingTheme",
]


def test_xero_csv_is_xeros_sales_invoice_template(october_run):
    _name, content, _type = xero.xero_export(october_run)
    header, *lines = content.decode("utf-8").split("\r\n")
    assert header == XERO_TEMPLATE
    table = rows(content)
    assert table and all(len(row) == 27 and None not in row for row in table)
    assert {column: {row[column] for row in table} for column in OPTIONAL_LEFT_EMPTY} == {
        column: {""} for column in OPTIONAL_LEFT_EMPTY
    }


def test_inert_quotes_formula_starts_only():
    assert [xero.inert(v) for v in ("=1+2", "+61", "-x", "@SUM", "Acme", "")] == [
        "'=1+2",
        "'+61",
        "'-x",
        "'@SUM",
        "Acme",
        "",
    ]


def test_more_than_500_invoices_come_as_a_zip_of_files(harbour, harbour_billing):
    plan = Service.objects.get(reference="HV-1001").plan
    customers = Customer.objects.bulk_create(
        Customer(provider=harbour, reference=f"C{n:04d}", name=f"Customer {n:04d}") for n in range(501)
    )
    services = Service.objects.bulk_create(
        Service(
            provider=harbour,
            customer=c,
            plan=plan,
            reference=f"S{n:04d}",
            status="active",
            start_date=datetime.date(2026, 10, 1),
        )
        for n, c in enumerate(customers)
    )
    Adjustment.objects.bulk_create(
        Adjustment(provider=harbour, service=s, date=datetime.date(2026, 10, 2), amount=Decimal("1.00"), reason="x")
        for s in services
    )
    Service.objects.filter(reference__in=["HV-1001", "HV-1002"]).update(status="pending")
    Service.objects.get(reference="HV-1001").features.all().delete()
    Service.objects.get(reference="HV-1002").features.all().delete()
    run = close_period(period=period(harbour, "2026-10"), acting_user=harbour_billing)
    name, content, content_type = xero.xero_export(run)
    assert (name, content_type) == ("xero-invoices-harbour-voice-2026-10.zip", "application/zip")
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        names = archive.namelist()
        counts = [len({r["*InvoiceNumber"] for r in rows(archive.read(n))}) for n in names]
    assert names == ["xero-invoices-harbour-voice-2026-10-01.csv", "xero-invoices-harbour-voice-2026-10-02.csv"]
    assert counts == [500, 1]


def test_itemised_calls_stream_every_billed_call(harbour, harbour_billing, writer, october_run):
    add_calls(harbour, writer, [("LATE-1", "20261020120000", "ACMEPTYLTD", "0298765432", 10)])
    nov = close_period(period=period(harbour, "2026-11"), acting_user=harbour_billing)
    chunks = list(calls.itemised_calls(nov))
    table = list(csv.reader(io.StringIO(b"".join(chunks).decode("utf-8"))))
    assert table[0] == calls.CALL_COLUMNS
    assert table[1:] == [
        ["'=cmd|' /C calc'!A0", "HV-1001", "20/10/2026", "12:00:00", "0298765432", "Fixed (AU geographic)", "10", "10",
         "0.15", "late"],
        ["Bluegum Cafe", "HV-1002", "03/11/2026", "09:00:00", "0298765432", "Fixed (AU geographic)", "30", "30",
         "0.15", ""],
    ]  # fmt: skip
    assert len(table) - 1 == run_usage(nov).count()
    # The same bytes from SQLite's iterator and PostgreSQL's query.
    assert b"".join(chunks).decode("utf-8").split("\n")[2] == (
        "Bluegum Cafe,HV-1002,03/11/2026,09:00:00,0298765432,Fixed (AU geographic),30,30,0.15,"
    )


@pytest.mark.parametrize("target", ["=1+2", "+61", "-x", "@SUM", "\tcmd", "0298765432"])
def test_itemised_calls_sanitise_numbers_called_as_the_shared_sanitiser(
    harbour, harbour_billing, writer, october_run, target
):
    """The calls CSV (PostgreSQL makes it in SQL) treats every formula trigger
    of ssaas.common.spreadsheet as the Python sanitiser does, in the number called
    and in a category with no label of its own (written as it is stored)."""
    add_calls(harbour, writer, [("LATE-1", "20261020120000", "ACMEPTYLTD", "0298765432", 10)])
    nov = close_period(period=period(harbour, "2026-11"), acting_user=harbour_billing)
    run_usage(nov).filter(record_id="LATE-1").update(target=target, category=target[:20])
    table = list(csv.reader(io.StringIO(b"".join(calls.itemised_calls(nov)).decode("utf-8"), newline="")))
    assert table[1][4] == spreadsheet.inert(target)
    assert table[1][5] == spreadsheet.inert(target[:20])


def test_run_summary_workbook(october_run, tmp_path):
    path = tmp_path / "summary.xlsx"
    summary.write_summary(october_run, str(path))
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Customer totals", "Service lines", "Late usage", "Adjustments", "Outstanding items"]
    totals = book["Customer totals"]
    assert totals.freeze_panes == "A2" and totals.auto_filter.ref == "A1:G3"
    assert [c.value for c in totals[2]] == [
        "INV-1",
        "'=cmd|' /C calc'!A0",
        155.39,
        15.54,
        170.93,
        72.2,  # packs 54.00 + 18.00, two calls 0.10 each
        83.19,
    ]
    assert totals["C2"].number_format.startswith('"$"#,##0.00')
    assert book["Adjustments"]["J2"].value == -5
    assert book["Service lines"].max_row == 1 + october_run.lines.count()
    lines = book["Service lines"]
    for row in range(2, lines.max_row + 1):  # every row styled, not just the first
        assert lines[f"J{row}"].number_format.startswith('"$"#,##0.00')
        assert lines[f"H{row}"].number_format == "dd/mm/yyyy"
        assert isinstance(lines[f"H{row}"].value, datetime.datetime)
        assert isinstance(lines[f"J{row}"].value, float | int)


def test_bill_run_command_previews_then_closes(harbour, writer, tmp_path):
    set_prices(harbour)
    add_calls(harbour, writer, OCT_CALLS)
    out = io.StringIO()
    options = {"provider": "harbour-voice", "period": "2026-10", "stdout": out}
    call_command("bill_run", preview=True, output=tmp_path / "p", **options)
    preview = json.loads(out.getvalue())
    assert sorted(p.rsplit("/", 1)[1] for p in preview["files"]) == [
        "bill-run-harbour-voice-2026-10.xlsx",
        "calls-harbour-voice-2026-10.csv",
        "xero-invoices-harbour-voice-2026-10.csv",
    ]
    assert not BillRun.objects.exists()
    assert period(harbour, "2026-10").status == "open"
    previewed = (tmp_path / "p" / "xero-invoices-harbour-voice-2026-10.csv").read_bytes()

    out = io.StringIO()
    call_command("bill_run", provider="harbour-voice", period="2026-10", output=tmp_path / "c", stdout=out)
    closed = json.loads(out.getvalue())
    assert (closed["calls"], closed["invoices"], closed["total_ex_gst"]) == (3, 2, "205.54")
    assert (tmp_path / "c" / "xero-invoices-harbour-voice-2026-10.csv").read_bytes() == previewed
    assert period(harbour, "2026-10").status == "closed"


def test_run_summary_line_sheets_hold_any_text_as_text(harbour, harbour_billing, writer, tmp_path):
    """The line sheets' rows are written as SpreadsheetML text by hand: markup,
    spaces, control characters and formula starts in a description or reference
    come back as the text (made inert), never break the file."""
    set_prices(harbour)
    add_calls(harbour, writer, OCT_CALLS)
    service = Service.objects.get(reference="HV-1001")
    service.reference = "=HV-1001"
    service.save()
    adjustment_add(
        service=service,
        date=datetime.date(2026, 10, 15),
        amount=Decimal("2.50"),
        reason="<b>Tom & Jerry</b>\x07 ok  ",
        acting_user=harbour_billing,
    )
    run = close_period(period=period(harbour, "2026-10"), acting_user=harbour_billing)
    path = tmp_path / "summary.xlsx"
    summary.write_summary(run, str(path))
    book = openpyxl.load_workbook(path)
    adjustments = book["Adjustments"]
    assert [c.value for c in adjustments[2]][:4] == [
        "INV-1",
        "'=HV-1001",
        "Adjustment",
        "Charge 15/10/2026: <b>Tom & Jerry</b> ok",
    ]
    assert adjustments["J2"].value == 2.5 and adjustments["H2"].value.date() == datetime.date(2026, 10, 15)
    assert adjustments.auto_filter.ref == "A1:L2" and adjustments.freeze_panes == "A2"
    lines = book["Service lines"]
    assert lines.max_row == 1 + run.lines.count()
    assert {lines[f"B{row}"].value for row in range(2, lines.max_row + 1)} == {"'=HV-1001", "HV-1002"}


@pytest.mark.django_db(transaction=True)
def test_files_written_with_the_close_are_the_files_of_the_run(harbour, writer, tmp_path):
    """Outside a transaction PostgreSQL makes the itemised calls on a connection of
    its own from the moment the close has fixed what it bills, and the invoices
    and summary from the lines it has just written: the same files as those read
    back from the stored run, and no part file left behind."""
    set_prices(harbour)
    add_calls(harbour, writer, OCT_CALLS + NOV_CALLS)
    run, paths = bill_period_close_files(period=period(harbour, "2026-10"), acting_user=None, directory=tmp_path)
    assert [p.name for p in paths] == [
        "xero-invoices-harbour-voice-2026-10.csv",
        "calls-harbour-voice-2026-10.csv",
        "bill-run-harbour-voice-2026-10.xlsx",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in paths)
    assert paths[0].read_bytes() == xero.xero_export(run)[1]
    assert paths[1].read_bytes() == b"".join(calls.itemised_calls(run))
    table = list(csv.reader(io.StringIO(paths[1].read_text())))
    assert [row[1] for row in table[1:]] == ["HV-1001", "HV-1001", "HV-1002"]
    book = openpyxl.load_workbook(paths[2])
    assert book["Service lines"].max_row == 1 + run.lines.count()
    again = tmp_path / "again"
    again.mkdir()
    stored = close.write_files(run, again)
    assert [p.read_bytes() for p in stored[:2]] == [p.read_bytes() for p in paths[:2]]

    def cells(path):
        book = openpyxl.load_workbook(path)
        return {sheet.title: [[c.value for c in row] for row in sheet.iter_rows()] for sheet in book}

    assert cells(stored[2]) == cells(paths[2])
    assert len(cells(paths[2])["Adjustments"]) == 1  # only the header: no adjustment this run
    assert len(cells(paths[2])["Late usage"]) == 1 + run.lines.filter(kind="late_usage").count()


@pytest.mark.django_db(transaction=True)
def test_a_close_that_fails_leaves_no_calls_file(harbour, writer, tmp_path, monkeypatch):
    """The calls are being made when the close fails: nothing is left in the
    folder, and the close run again writes all three files."""
    set_prices(harbour)
    add_calls(harbour, writer, OCT_CALLS)
    october = period(harbour, "2026-10")

    def fail(run):
        raise RuntimeError("disk full")

    monkeypatch.setattr(billing, "_after_usage_marked", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        bill_period_close_files(period=october, acting_user=None, directory=tmp_path)
    assert list(tmp_path.iterdir()) == []
    monkeypatch.undo()
    run, paths = bill_period_close_files(period=october, acting_user=None, directory=tmp_path)
    assert run.status == "done" and sorted(tmp_path.iterdir()) == sorted(paths)


def test_itemised_calls_quote_commas_quotes_and_line_breaks(harbour, harbour_billing, writer, october_run):
    """Text with a comma, a double quote or a line break comes quoted as csv.writer
    quotes it, on SQLite and on PostgreSQL (which makes each line itself)."""
    add_calls(harbour, writer, [("LATE-1", "20261020120000", "ACMEPTYLTD", "0298765432", 10)])
    nov = close_period(period=period(harbour, "2026-11"), acting_user=harbour_billing)
    Customer.objects.filter(reference="BLUEGUM").update(name='Bluegum, "the"\nCafe')
    run_usage(nov).filter(record_id="LATE-1").update(target='02,"9"')
    content = b"".join(calls.itemised_calls(nov)).decode("utf-8")
    table = list(csv.reader(io.StringIO(content, newline="")))
    assert [(row[0], row[4]) for row in table[1:]] == [
        ("'=cmd|' /C calc'!A0", '02,"9"'),
        ('Bluegum, "the"\nCafe', "0298765432"),
    ]
    assert content.endswith(
        '"Bluegum, ""the""\nCafe",HV-1002,03/11/2026,09:00:00,0298765432,Fixed (AU geographic),30,30,0.15,\n'
    )
