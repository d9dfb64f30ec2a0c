"""The reconciliation: exactly the samples' outcome, through the spreadsheet staff
download; pro-rata; explanations; provider scoping."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from providers.months import period_for
from provisioning.actions.features import service_feature_cease
from provisioning.models import ServiceFeature
from tests.usage.coce.helpers import COCE_SAMPLE, coce_writer, ingest_broadworks, ingest_coce
from tests.usage.conftest import ingest_sample
from usage.reconciliation.models import ReconciliationNote
from usage.reconciliation.report import open_product_differences, reconciliation_build

SHEETS = [
    "Summary",
    "Products",
    "Hosted ranges",
    "Credits and adjustments",
    "Unknown elements",
    "Usage",
]
RED, YELLOW = "FFF4CCCC", "FFFFF2CC"


@pytest.fixture
def october(harbour):
    """Harbour Voice with the sample COCE and BroadWorks report taken."""
    ingest_sample(harbour, COCE_SAMPLE)
    ingest_broadworks()
    return harbour


def download(client, provider, period="2026-10"):
    """Ask for the spreadsheet (made on the worker, run here as the request commits),
    then download it from its job's page."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        asked = client.post(reverse("admin:usage_reconciliation_export", args=[provider.pk, period]))
    if asked.status_code != 302:
        return asked
    job = client.get(asked["Location"]).context["job"]
    return client.get(reverse("admin:usage_job_download", args=[job.pk]))


def workbook_of(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def rows(sheet) -> list[dict]:
    header, *body = sheet.iter_rows()
    names = [c.value for c in header]
    return [{n: c for n, c in zip(names, row, strict=True)} for row in body]


def find(table: list[dict], **where) -> dict:
    (row,) = [r for r in table if all(r[k].value == v for k, v in where.items())]
    return row


def values(row: dict, *names) -> tuple:
    return tuple(row[n].value for n in names)


def test_the_samples_reconcile_exactly(october, harbour_billing, client):
    client.force_login(harbour_billing)
    response = download(client, october)
    assert "reconciliation_harbour-voice_2026-10.xlsx" in response["Content-Disposition"]
    workbook = workbook_of(response)
    assert workbook.sheetnames == SHEETS

    products = rows(workbook["Products"])
    figures = ("AAPT amount", "AAPT quantity", "Active here", "BroadWorks")
    standard = find(products, Product="Standard User Service Pack", Group="All groups")
    assert values(standard, *figures) == (54, 12, 12, 11)
    assert standard["Finding"].value.startswith("Paying for unused: AAPT charges for 1 more")
    assert standard["Product"].fill.fgColor.rgb == RED
    premium = find(products, Product="Premium User Service Pack", Group="All groups")
    assert values(premium, *figures) == (18, 2, 2, 2)
    assert premium["Finding"].value is None and premium["Product"].fill.fgColor.rgb != RED
    sip = find(products, Product="SIP Session", Group="All groups")
    assert values(sip, *figures) == (24, 4, 3, 4)
    assert sip["Finding"].value.startswith("Under-billed: AAPT charges for 1 more")
    acme = find(products, Product="Standard User Service Pack", Group="ACMEPTYLTD")
    assert values(acme, "Services", "Active here", "BroadWorks") == ("HV-1001", 12, 11)

    ranges = rows(workbook["Hosted ranges"])
    matched = find(ranges, **{"Charged range": "0290001000-0290001099"})
    assert values(matched, "Status", "Service", "Customer", "Amount") == (
        "Matched",
        "HV-1001",
        "Acme Pty Ltd",
        10,
    )
    nobody = find(ranges, **{"Charged range": "0353009990-0353009999"})
    assert values(nobody, "Status", "Service", "Amount") == ("Owned by no service", None, 0.52)
    assert (nobody["From"].value.date(), nobody["To"].value.date()) == (
        datetime.date(2026, 10, 16),
        datetime.date(2026, 10, 31),
    )
    assert nobody["Status"].fill.fgColor.rgb == RED

    (credit,) = rows(workbook["Credits and adjustments"])
    assert values(credit, "Kind", "Description", "Amount", "Against") == (
        "Credit",
        "Credit: service outage 3 Oct",
        -5,
        "On its own",
    )

    summary = {r["Item"].value: r for r in rows(workbook["Summary"])}
    assert summary["AAPT other charges (COCE)"]["Amount"].value == 101.52
    assert summary["Product lines with a difference"]["Value"].value == "4 (0 explained)"
    assert summary["Hosted range charges owned by no service"]["Amount"].value == 0.52


def test_the_workbook_is_laid_out_for_people(october, harbour_billing, client):
    client.force_login(harbour_billing)
    workbook = workbook_of(download(client, october))
    for sheet in workbook.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet.auto_filter.ref.startswith("A1:"), sheet.title
        header = next(sheet.iter_rows(max_row=1))
        assert all(cell.font.b for cell in header)
        for cell in header:
            width = sheet.column_dimensions[cell.column_letter].width
            assert width >= len(cell.value), (sheet.title, cell.value)
    ranges = workbook["Hosted ranges"]
    assert ranges.auto_filter.ref == "A1:M3"
    assert ranges.column_dimensions["A"].width >= len("0290001000-0290001099")
    assert "$" in ranges["F2"].number_format and ranges["D2"].number_format == "dd/mm/yyyy"
    assert "0.00" in workbook["Products"]["G2"].number_format


def test_the_command_writes_the_same_workbook(october, harbour_billing, client, tmp_path):
    client.force_login(harbour_billing)
    downloaded = workbook_of(download(client, october))
    path = tmp_path / "october.xlsx"
    call_command(
        "reconciliation",
        provider="harbour-voice",
        period="2026-10",
        output=str(path),
        stdout=io.StringIO(),
    )
    written = load_workbook(path)
    assert written.sheetnames == downloaded.sheetnames
    for name in SHEETS:
        ours = [r for r in written[name].iter_rows(values_only=True) if r[0] != "Produced"]
        theirs = [r for r in downloaded[name].iter_rows(values_only=True) if r[0] != "Produced"]
        assert ours == theirs, name


def test_an_explanation_shows_in_the_next_download(october, harbour_billing, client):
    client.force_login(harbour_billing)
    page = client.get(reverse("admin:usage_reconciliation_detail", args=[october.pk, "2026-10"]))
    assert page.status_code == 200 and "Mark explained" in page.content.decode()
    response = client.post(
        reverse("admin:usage_reconciliation_explain", args=[october.pk, "2026-10"]),
        {
            "key": "product:501001",
            "line": "Standard User Service Pack, all groups",
            "note": "One user left Acme on 30 Oct; pack removed in BroadWorks first.",
        },
    )
    assert response.status_code == 302
    note = ReconciliationNote.objects.get()
    assert note.explained_by == harbour_billing and note.period_end == datetime.date(2026, 10, 31)

    workbook = workbook_of(download(client, october))
    standard = find(rows(workbook["Products"]), Product="Standard User Service Pack", Group="All groups")
    assert standard["Explanation"].value.startswith("One user left Acme on 30 Oct")
    assert "hv-bill" in standard["Explanation"].value
    assert standard["Product"].fill.fgColor.rgb == YELLOW
    summary = {r["Item"].value: r for r in rows(workbook["Summary"])}
    assert summary["Product lines with a difference"]["Value"].value == "4 (1 explained)"
    # November is another period: the note is not carried there.
    november = workbook_of(download(client, october, "2026-11"))
    assert not any(r["Explanation"].value for r in rows(november["Products"]))


def test_another_providers_billing_staff_are_refused(october, make_staff, southern, client):
    client.force_login(make_staff("sw-bill", southern, role="Billing staff"))
    args = [october.pk, "2026-10"]
    assert download(client, october).status_code == 404
    detail = client.get(reverse("admin:usage_reconciliation_detail", args=args))
    assert detail.status_code == 404
    explain = client.post(
        reverse("admin:usage_reconciliation_explain", args=args),
        {"key": "product:501001", "note": "not mine"},
    )
    assert explain.status_code == 404 and not ReconciliationNote.objects.exists()
    chooser = client.get(reverse("admin:usage_reconciliation_changelist"))
    assert "Harbour Voice" not in chooser.content.decode()
    # Their own provider's works.
    assert download(client, southern).status_code == 200


def test_staff_without_the_reconciliation_permission_are_refused(october, harbour_provisioning, client):
    client.force_login(harbour_provisioning)
    assert download(client, october).status_code == 403


def test_a_feature_ceased_mid_period_counts_its_active_days(october, harbour_billing):
    sip = ServiceFeature.objects.get(product__element_id="502001")
    service_feature_cease(feature=sip, active_to=datetime.date(2026, 10, 15), acting_user=harbour_billing)
    report = reconciliation_build(provider=october, period=period_for(october, "2026-10"))
    products = report.sections[0]
    lines = {tuple(line.values[i] for i in (0, 3)): line for line in products.lines()}
    sip_line = lines[("SIP Session", "All groups")]
    charged, active, assigned = sip_line.values[6:9]
    # 3 sessions for 15 of October's 31 days.
    assert (charged, active, assigned) == (Decimal(4), Decimal("1.45"), Decimal(4))
    assert sip_line.values[9] == Decimal("2.55")
    assert "Under-billed: AAPT charges for 2.55 more than is active here" in sip_line.values[11]


def test_usage_cost_beside_what_was_billed(harbour, harbour_billing, client):
    ingest_sample(harbour)  # the CTOP sample: calls of 1 November
    client.force_login(harbour_billing)
    usage = rows(workbook_of(download(client, harbour, "2026-11"))["Usage"])
    assert sum(Decimal(str(r["Billed"].value)) for r in usage) == Decimal("1.40")
    assert sum(Decimal(str(r["AAPT usage cost"].value)) for r in usage) == Decimal("0.74")
    unidentified = find(usage, Service="(no service)")
    assert values(unidentified, "Calls", "Calls not billed", "Billed") == (1, 1, 0)
    assert unidentified["Finding"].value == "1 call(s) not identified"
    acme = find(usage, Service="HV-1001")
    assert acme["Customer"].value == "Acme Pty Ltd" and acme["Calls not billed"].value == 0


def test_a_credit_is_listed_against_the_charge_it_reverses(october, harbour_billing, client):
    w = coce_writer(october, sequence=2, produced="20261203030000")
    w.charge(
        record_id="CE-CREDIT",
        type_code=4,
        amount=-450,
        start="20261010000000",
        end="20261011000000",
        statement="20261201000000",
        description="Credit: pack billed twice",
    )
    ingest_coce(october, w)
    client.force_login(harbour_billing)
    workbook = workbook_of(download(client, october))
    credits = rows(workbook["Credits and adjustments"])
    reversing = find(credits, **{"COCE record id": "CE-CREDIT"})
    assert values(reversing, "Kind", "Product", "Amount", "Against") == (
        "Credit",
        "Standard User Service Pack",
        -4.5,
        "Standard User Service Pack (CE000000000000000001)",
    )
    assert find(credits, **{"COCE record id": "CE000000000000000006"})["Against"].value == ("On its own")
    # A credit is not a product charge: the packs' quantity is untouched.
    standard = find(rows(workbook["Products"]), Product="Standard User Service Pack", Group="All groups")
    assert values(standard, "AAPT amount", "AAPT quantity") == (54, 12)
    summary = {r["Item"].value: r for r in rows(workbook["Summary"])}
    assert summary["  Credits, adjustments and one-off charges"]["Amount"].value == -9.5


@pytest.mark.parametrize("form", ["{pk}", "+{pk}", "%20{pk}", "{pk}%20"])
def test_another_providers_note_cannot_be_read_edited_or_moved(october, harbour_billing, make_staff, coastal, form):
    """Past the custom <int:provider_id>/ route, the default change and history
    pages of a note are scoped too (issue 9, defect 1)."""
    client_ = Client()
    client_.force_login(harbour_billing)
    client_.post(
        reverse("admin:usage_reconciliation_explain", args=[october.pk, "2026-10"]),
        {"key": "product:501001", "line": "Standard User Service Pack", "note": "Harbour's private reason"},
    )
    note = ReconciliationNote.objects.get()
    before = list(ReconciliationNote.objects.values())

    client_.force_login(make_staff("cc-bill", coastal, role="Billing staff"))
    base = reverse("admin:usage_reconciliation_changelist") + form.format(pk=note.pk)
    for view in ("change", "history"):
        body = client_.get(f"{base}/{view}/", follow=True).content.decode()
        assert "private reason" not in body and "Harbour Voice" not in body
    client_.post(
        f"{base}/change/",
        {
            "provider": coastal.pk,
            "period_start": "2026-10-01",
            "period_end": "2026-10-31",
            "key": "product:501001",
            "line": "moved",
            "note": "edited",
        },
    )
    assert list(ReconciliationNote.objects.values()) == before


def test_the_front_page_counts_the_products_unexplained_differences(october, harbour_billing):
    """The front page's count reads the products alone, not the whole report."""
    period = period_for(october, "2026-10")
    assert open_product_differences(provider=october, period=period) == 4
    ReconciliationNote.objects.create(
        provider=october,
        period_start=period.start_date,
        period_end=period.end_date,
        key="product:501001",
        line="Standard User Service Pack, all groups",
        note="Pack removed in BroadWorks first.",
        explained_by=harbour_billing,
        explained_at=timezone.now(),
    )
    assert open_product_differences(provider=october, period=period) == 3
