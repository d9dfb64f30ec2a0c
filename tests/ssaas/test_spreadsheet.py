"""Every spreadsheet and CSV the product writes holds user and carrier text as
inert text, never as a formula (issue 9, defect 2)."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.test import TestCase
from django.urls import reverse
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from providers.models import Customer
from provisioning.models import FeatureProduct
from ssaas.common.spreadsheet import InertCsvWriter, inert, inert_cell, inert_row
from ssaas.roles import BILLING_STAFF
from tests.billing import close_period
from tests.factories import (
    BillPeriodFactory,
    CustomerFactory,
    FeatureProductFactory,
    ProviderFactory,
    ServiceFactory,
    ServiceFeatureFactory,
    UsageRecordFactory,
    UserFactory,
)
from tests.usage.coce.helpers import coce_writer, ingest_broadworks, ingest_coce
from tests.usage.conftest import ingest_sample
from usage.billing.services import adjustment_add
from usage.coce.models import OtherCharge

HOSTILE = ['=HYPERLINK("http://evil","click")', "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1"]


@pytest.mark.parametrize("text", HOSTILE)
def test_inert_prefixes_text_a_spreadsheet_would_run(text):
    assert inert(text) == "'" + text
    assert inert_row([text, 5, None]) == ["'" + text, 5, None]


@pytest.mark.parametrize("value", ["Acme Pty Ltd", "", 12, -4.5, None, "a=b"])
def test_inert_leaves_everything_else_alone(value):
    assert inert(value) == value


def test_csv_writer_and_openpyxl_cells_are_inert(tmp_path):
    buffer = io.StringIO()
    InertCsvWriter(buffer).writerows([HOSTILE, [1, -2]])
    rows = list(csv.reader(io.StringIO(buffer.getvalue())))
    assert rows[0] == ["'" + text for text in HOSTILE] and rows[1] == ["1", "-2"]

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("s")
    sheet.append([inert_cell(sheet, text) for text in HOSTILE])
    workbook.save(tmp_path / "x.xlsx")
    cells = next(load_workbook(tmp_path / "x.xlsx")["s"].iter_rows())
    assert [c.data_type for c in cells] == ["s"] * len(HOSTILE)
    assert [c.value for c in cells] == ["'" + text for text in HOSTILE]


def _cells(workbook):
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            yield from row


def test_the_reconciliation_workbook_holds_no_formula_from_names_or_carrier_text(harbour, harbour_billing, client):
    # Carrier text: COCE external_id / description, including an unknown element.
    w = coce_writer(harbour)
    for number, text in enumerate(HOSTILE):
        # Unknown element ids: the sheet that lists description and external id.
        # A carriage return would split the line: that one is put in below.
        text = text if "\r" not in text else "placeholder"
        w.charge(record_id=f"CE-HOSTILE-{number}", element_id=f"99999{number}", description=text, external_id=text)
    ingest_coce(harbour, w)
    ingest_broadworks()
    ingest_sample(harbour)
    # The parser trims a field's blanks: put the exact texts in as well.
    charges = OtherCharge.objects.filter(provider=harbour, coce_record_id__startswith="CE-HOSTILE").order_by("pk")
    assert charges.count() == len(HOSTILE)
    for charge, text in zip(charges, HOSTILE, strict=True):
        OtherCharge.objects.filter(pk=charge.pk).update(description=text, external_id=text)
    # Staff / onboarding text: customer and catalogue names.
    for customer, text in zip(Customer.objects.filter(provider=harbour).order_by("pk"), HOSTILE, strict=False):
        Customer.objects.filter(pk=customer.pk).update(name=text)
    for product, text in zip(FeatureProduct.objects.filter(provider=harbour).order_by("pk"), HOSTILE, strict=False):
        FeatureProduct.objects.filter(pk=product.pk).update(name=text)

    client.force_login(harbour_billing)
    shown = set()
    for period in ("2026-10", "2026-11"):
        with TestCase.captureOnCommitCallbacks(execute=True):  # the worker makes it as the request commits
            asked = client.post(reverse("admin:usage_reconciliation_export", args=[harbour.pk, period]))
        job = client.get(asked["Location"]).context["job"]
        response = client.get(reverse("admin:usage_job_download", args=[job.pk]))
        assert response.status_code == 200
        workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        for cell in _cells(workbook):
            assert cell.data_type != "f", f"{cell.parent.title}!{cell.coordinate} is a formula: {cell.value!r}"
            if isinstance(cell.value, str):
                assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r")), (
                    f"{cell.parent.title}!{cell.coordinate}: {cell.value!r}"
                )
                shown.update(text for text in HOSTILE if text in cell.value and cell.value.startswith("'"))
    # Every hostile text reached the workbook, and shows there as inert text.
    assert shown == set(HOSTILE)


# ---------------------------------------------------------------------------
# Control characters (issue 20): never in a cell, never breaking a file
# ---------------------------------------------------------------------------

# What openpyxl refuses (IllegalCharacterError), what lxml refuses (U+FFFE, U+FFFF)
# and the other control characters (DEL, C1); tab, line feed and carriage return stay.
REFUSED = "".join(chr(c) for c in range(0x20) if ILLEGAL_CHARACTERS_RE.match(chr(c)))
CONTROLS = REFUSED + "\x7f\x85\x9f\ufffe\uffff"
STORED = CONTROLS.replace("\x00", "")  # PostgreSQL's text holds no NUL
SHORT = "\x07\x1b\x7f\ufffe"  # for a number called (24 characters)


def _controls_in(text: str) -> list[str]:
    return sorted({repr(c) for c in text if c in CONTROLS})


def test_inert_removes_every_control_character_but_tab_and_line_breaks():
    assert len(REFUSED) == 29  # C0 less tab, LF and CR
    assert inert(f"Acme{CONTROLS} Pty\tLtd\r\n") == "Acme Pty\tLtd\r\n"
    assert inert(f"{STORED}=HYPERLINK(1)") == "'=HYPERLINK(1)"  # removed, then made inert
    assert inert("\x07") == "" and inert("Ünïcødé – fine") == "Ünïcødé – fine"
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("s")
    sheet.append([inert_cell(sheet, f"a{c}b") for c in CONTROLS])  # openpyxl raised IllegalCharacterError
    workbook.save(io.BytesIO())


@pytest.mark.django_db
def test_the_reconciliation_workbook_is_made_whatever_control_characters_its_texts_hold(
    harbour, harbour_billing, client
):
    """A control character in a customer name, service reference, product name, COCE
    description or reconciliation note made the reconciliation job fail
    (openpyxl's IllegalCharacterError): it is made, and opens, without them."""
    ingest_coce(harbour, coce_writer(harbour).charge(record_id="CE-1", element_id="999991", description="x"))
    ingest_broadworks()
    ingest_sample(harbour)
    customer = Customer.objects.filter(provider=harbour).order_by("pk").first()
    Customer.objects.filter(pk=customer.pk).update(name=f"Acme{STORED} Pty Ltd")
    service = customer.services.order_by("pk").first()
    type(service).objects.filter(pk=service.pk).update(reference=f"HV{STORED}-1001")
    product = FeatureProduct.objects.filter(provider=harbour, element_id="501001").get()
    FeatureProduct.objects.filter(pk=product.pk).update(name=f"Standard{STORED} Pack")
    OtherCharge.objects.filter(provider=harbour).update(description=f"Outage{STORED} credit")
    client.force_login(harbour_billing)
    explained = client.post(
        reverse("admin:usage_reconciliation_explain", args=[harbour.pk, "2026-10"]),
        {"key": "product:501001", "line": "Standard", "note": f"Checked{STORED} with AAPT"},
    )
    assert explained.status_code == 302

    texts = []
    for period in ("2026-10", "2026-11"):
        with TestCase.captureOnCommitCallbacks(execute=True):  # the worker makes it as the request commits
            asked = client.post(reverse("admin:usage_reconciliation_export", args=[harbour.pk, period]))
        job = client.get(asked["Location"]).context["job"]
        assert job.status == "done", job.error
        response = client.get(reverse("admin:usage_job_download", args=[job.pk]))
        assert response.status_code == 200
        workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        texts += [cell.value for cell in _cells(workbook) if isinstance(cell.value, str)]
    assert [t for t in texts if _controls_in(t)] == []
    for shown in ("Acme Pty Ltd", "HV-1001", "Standard Pack", "Outage credit", "Checked with AAPT"):
        assert any(shown in text for text in texts), shown


@pytest.fixture
def hostile_run(db):
    """A bill run of one provider whose every text holds control characters: the
    customer, the service reference, a product (active, and requested: an outstanding
    item), an adjustment's reason, a call's number and category."""
    provider = ProviderFactory()
    period = BillPeriodFactory(provider=provider, month="2026-11")
    customer = CustomerFactory(provider=provider, name=f"Acme{STORED} Pty Ltd")
    service = ServiceFactory(customer=customer, reference=f"HV{STORED}-1")
    product = FeatureProductFactory(provider=provider, name=f"Standard{STORED} Pack", retail_price=Decimal("8.00"))
    ServiceFeatureFactory(service=service, product=product)
    ServiceFeatureFactory(service=service, product=product, requested=True)  # outstanding at the close
    UsageRecordFactory(service=service, target=f"04{SHORT}12", category=f"odd{STORED}"[:20])
    UsageRecordFactory(service=service, target=f"{SHORT}=1+2")
    billing = UserFactory(role=BILLING_STAFF, providers=[provider])
    adjustment_add(
        service=service, date=datetime.date(2026, 11, 15), amount=Decimal("-1.00"),
        reason=f"Outage{STORED} credit", acting_user=billing,
    )  # fmt: skip
    run = close_period(period=period, acting_user=billing)
    assert run.status == "done" and run.outstanding
    return run, billing


def test_a_bill_run_s_files_hold_no_control_character(hostile_run, client):
    """The run summary answered 500 (IllegalCharacterError from its outstanding items,
    a requested feature's product name); the CSVs carried the characters as they
    were. All three download, the summary opens, and none holds one."""
    run, billing = hostile_run
    client.force_login(billing)

    def download(kind: str):
        response = client.get(reverse("admin:usage_billrun_download", args=[run.pk, kind]))
        assert response.status_code == 200, kind
        return b"".join(response.streaming_content) if response.streaming else response.content

    book = load_workbook(io.BytesIO(download("summary")))
    texts = [c.value for c in _cells(book) if isinstance(c.value, str)]
    assert [t for t in texts if _controls_in(t)] == []
    outstanding = [row for row in book["Outstanding items"].iter_rows(values_only=True)][1:]
    assert outstanding == [
        ("requested features", 1, "feature(s) requested but not activated: Standard Pack ×1 on HV-1")
    ]
    assert {row[1] for row in book["Service lines"].iter_rows(min_row=2, values_only=True)} == {"HV-1"}

    xero = download("xero").decode("utf-8")
    assert _controls_in(xero) == []
    table = list(csv.DictReader(io.StringIO(xero, newline="")))
    assert {r["*ContactName"] for r in table} == {"Acme Pty Ltd"}
    assert "HV-1: Credit 15/11/2026: Outage credit" in {r["*Description"] for r in table}

    calls = download("calls").decode("utf-8")
    assert _controls_in(calls) == []
    rows = list(csv.reader(io.StringIO(calls, newline="")))[1:]
    assert sorted((r[0], r[1], r[4], r[5]) for r in rows) == [
        ("Acme Pty Ltd", "HV-1", "'=1+2", "Mobile"),
        ("Acme Pty Ltd", "HV-1", "0412", "odd"),
    ]
