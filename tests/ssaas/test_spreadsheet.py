"""Every spreadsheet and CSV the product writes holds user and carrier text as
inert text, never as a formula (issue 9, defect 2)."""

import csv
import io

import pytest
from django.test import TestCase
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from providers.models import Customer
from provisioning.models import FeatureProduct
from ssaas.common.spreadsheet import InertCsvWriter, inert, inert_cell, inert_row
from tests.usage.coce.helpers import coce_writer, ingest_broadworks, ingest_coce
from tests.usage.conftest import ingest_sample
from usage.models import OtherCharge

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
