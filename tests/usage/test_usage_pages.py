"""The usage admin's pages as billing and provisioning staff meet them: the
quarantine, the reconciliation, BroadWorks uploads, one format for money and sizes."""

import re
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from provisioning.models import PlanRate, Service
from tests.factories import ServiceFactory
from usage.ctop.models import QuarantinedRecord

from .conftest import ingest_text

GROUPS = reverse("admin:usage_quarantinedrecord_groups")
NAME = "CTOP_1234567_000002_20261102013000.txt"


@pytest.fixture
def unknown_group(harbour, writer):
    """Two calls from a Group ID no service has: one quarantine group."""
    w = writer(harbour)
    w.call(record_id="Q1", special2="NOSUCHGROUP")
    w.call(record_id="Q2", special2="NOSUCHGROUP")
    return ingest_text(harbour, NAME, w.text())


def test_reprocess_on_the_grouped_quarantine_is_not_blocked_by_the_write_off_reason(billing_client, unknown_group):
    """Defect 2: the write-off reason was ``required``, so the browser never sent Re-process."""
    body = billing_client.get(GROUPS).content.decode()
    textarea = re.search(r"<textarea[^>]*name=\"reason\"[^>]*>", body).group(0)
    assert "required" not in textarea


def test_grouped_quarantine_money_has_no_float_noise(billing_client, harbour, writer):
    """Defect 7: SQLite sums decimals as floats ($714.359999999999)."""
    w = writer(harbour)
    for n in range(60):
        w.call(record_id=f"Q{n}", special2="NOSUCHGROUP")
    ingest_text(harbour, NAME, w.text())
    QuarantinedRecord.objects.filter(identifier="NOSUCHGROUP").update(aapt_cost=Decimal("0.1"))
    body = billing_client.get(GROUPS).content.decode()
    assert "$6.00<" in body
    assert "5.9999" not in body


def test_no_price_points_at_the_missing_rate(billing_client, harbour, writer):
    """Defect 9: "No price" groups said "check the dates"; the cause is the plan's missing rate."""
    acme = Service.objects.get(reference="HV-1001")
    PlanRate.objects.filter(plan=acme.plan, category="mobile").delete()
    w = writer(harbour)
    w.call(record_id="NP1", special2="ACMEPTYLTD", target="0412345678")
    ingest_text(harbour, NAME, w.text())
    assert QuarantinedRecord.objects.get(record_id="NP1").reason == "no_price"
    body = billing_client.get(GROUPS).content.decode()
    assert "check the dates" not in body
    assert f"no mobile rate on plan {acme.plan.name}" in body
    add = f"{reverse('admin:provisioning_planrate_add')}?plan={acme.plan_id}&amp;category=mobile"
    assert f'href="{add}&amp;next=%2Fadmin%2Fusage%2Fquarantinedrecord%2Fgroups%2F"' in body
    assert billing_client.get(add.replace("&amp;", "&")).status_code == 200


def test_add_rate_from_the_quarantine_returns_to_the_quarantine(billing_client, harbour, writer):
    acme = Service.objects.get(reference="HV-1001")
    PlanRate.objects.filter(plan=acme.plan, category="mobile").delete()
    w = writer(harbour)
    w.call(record_id="NP1", special2="ACMEPTYLTD", target="0412345678")
    ingest_text(harbour, NAME, w.text())
    groups = f"{GROUPS}?reason=no_price"
    body = billing_client.get(groups).content.decode()
    add = re.search(r'href="([^"]+)">Add rate</a>', body).group(1).replace("&amp;", "&")
    page = billing_client.get(add).content.decode()
    assert f'<a href="{groups.replace("&", "&amp;")}">the page you came from</a>' in page
    rate = {
        "plan": acme.plan_id,
        "category": "mobile",
        "flagfall": "0",
        "rate_per_minute": "0.25",
        "initial_increment": "60",
        "subsequent_increment": "60",
        "_save": "Save",
    }
    response = billing_client.post(add, rate)
    assert response.status_code == 302 and response.url == groups
    assert PlanRate.objects.filter(plan=acme.plan, category="mobile").exists()


@pytest.mark.parametrize("elsewhere", ["https://evil.example/", "//evil.example/admin/", "/\\evil.example"])
def test_add_rate_never_returns_off_the_site(billing_client, harbour, elsewhere):
    acme = Service.objects.get(reference="HV-1001")
    PlanRate.objects.filter(plan=acme.plan, category="mobile").delete()
    add = reverse("admin:provisioning_planrate_add")
    assert "the page you came from" not in billing_client.get(add, {"next": elsewhere}).content.decode()
    rate = {
        "plan": acme.plan_id,
        "category": "mobile",
        "flagfall": "0",
        "rate_per_minute": "0.25",
        "initial_increment": "60",
        "subsequent_increment": "60",
        "_save": "Save",
    }
    response = billing_client.post(f"{add}?{urlencode({'next': elsewhere})}", rate)
    assert response.status_code == 302 and response.url == reverse("admin:provisioning_planrate_changelist")


def test_a_large_list_never_states_an_exact_count(billing_client, harbour, writer, monkeypatch):
    """Defect 13: "10001 results" in the search bar while the paginator said "more than 10000".
    The list no longer counts at all: no total, Previous / Next to the next page."""
    from usage.ctop import admin as records_admin

    w = writer(harbour)
    for n in range(4):
        w.call(record_id=f"C{n}", special2="ACMEPTYLTD")
    ingest_text(harbour, NAME, w.text())
    monkeypatch.setattr(records_admin._LargeTableAdmin, "list_per_page", 2)
    url = reverse("admin:usage_usagerecord_changelist")
    body = billing_client.get(url + "?status__exact=rated").content.decode()
    assert not re.search(r"\b\d+ (results|usage records?)\b", body)
    assert "Select all" not in body
    assert 'href="?p=2&amp;status__exact=rated"' in body
    following = billing_client.get(url + "?p=2&status__exact=rated")
    assert following.status_code == 200
    assert len(following.context["cl"].result_list) == 2


def test_the_reconciliation_page_offers_the_download(billing_client, harbour):
    """Defect 3: the template replaced the block holding the download button."""
    body = billing_client.get(reverse("admin:usage_reconciliation_detail", args=[harbour.pk, "2026-10"]))
    export = reverse("admin:usage_reconciliation_export", args=[harbour.pk, "2026-10"])
    assert f'action="{export}"' in body.content.decode()
    assert "Download the spreadsheet (.xlsx)" in body.content.decode()


def test_an_empty_explanation_of_an_unexplained_line_is_not_a_withdrawal(billing_client, harbour):
    """Defect 11: saving an empty explanation on a never-explained line said "Explanation withdrawn"."""
    response = billing_client.post(
        reverse("admin:usage_reconciliation_explain", args=[harbour.pk, "2026-10"]),
        {"key": "product:501001", "line": "Standard User Service Pack, all groups", "note": "  "},
        follow=True,
    )
    said = [str(m) for m in response.context["messages"]]
    assert said == ["Nothing saved: the explanation was empty."]


def test_a_broadworks_period_written_as_on_the_pages_fits_and_is_read(harbour):
    """Defect 16: the period box was cut at 7 characters ("Oct 2026" → "Oct 202")."""
    from providers.months import period_for
    from usage.broadworks.admin import BroadWorksUploadForm

    field = BroadWorksUploadForm.base_fields["period"]
    assert field.max_length >= len("October 2026")
    assert period_for(harbour, "Oct 2026").start_date.isoformat() == "2026-10-01"


def test_a_broadworks_report_is_refused_under_carrier_files(billing_client, harbour):
    """Defect 4: a BroadWorks report uploaded as a carrier file stayed "Processing" for ever."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from usage.carrier_files.models import CarrierFile

    upload = SimpleUploadedFile("broadworks_utilisation_1234567_202610.csv", b"group_id,item_type\n")
    response = billing_client.post(
        reverse("admin:usage_carrierfile_upload"), {"provider": harbour.pk, "kind": "broadworks", "file": upload}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "BroadWorks utilisation report is uploaded with its bill period" in body
    assert reverse("admin:usage_broadworksreport_add") in body
    assert not CarrierFile.objects.exists()


def test_provisioning_staff_never_get_a_403_from_needs_attention(client, harbour_provisioning, unknown_group):
    """Defect 5: provisioning staff saw a quarantine link on the front page that answered 403."""
    client.force_login(harbour_provisioning)
    body = client.get(reverse("admin:index")).content.decode()
    for href in set(re.findall(r'href="(/admin/[^"#]*)"', body)):
        href = href.replace("&amp;", "&")
        if "logout" in href:
            continue
        assert client.get(href).status_code != 403, href


def test_one_format_for_money_sizes_and_names(billing_client, harbour, writer):
    """Defect 14: AAPT cost with 6 decimals and money without $ in lists, raw byte
    counts, internal names (rated_price, Raw unittype) on the pages."""
    from usage.carrier_files.models import CarrierFile
    from usage.ctop.models import UsageRecord

    w = writer(harbour)
    w.call(record_id="F1", special2="ACMEPTYLTD", price=1234567)
    carrier_file = ingest_text(harbour, NAME, w.text())
    record = UsageRecord.objects.get(record_id="F1")
    UsageRecord.objects.filter(pk=record.pk).update(aapt_cost=Decimal("1234.567891"))
    CarrierFile.objects.filter(pk=carrier_file.pk).update(size=9_876_543)

    listing = billing_client.get(reverse("admin:usage_usagerecord_changelist")).content.decode()
    assert "$1,234.57" in listing and "1234.567891" not in listing
    page = billing_client.get(reverse("admin:usage_usagerecord_change", args=[record.pk])).content.decode()
    assert "$1,234.567891" in page
    assert "rated_price" not in page and "Raw unittype" not in page
    file_page = billing_client.get(reverse("admin:usage_carrierfile_change", args=[carrier_file.pk])).content.decode()
    assert "9.9 MB" in file_page and "9876543" not in file_page
    files = billing_client.get(reverse("admin:usage_carrierfile_changelist")).content.decode()
    assert re.search(r"\$\d", files)
    # One date format: dd/mm/yyyy.
    assert re.search(r"\b\d\d/\d\d/2026\b", files) and not re.search(r"\b\d{1,2} \w{3} 2026\b", files)


def test_quarantine_leads_to_the_fix(billing_client, harbour, writer):
    """The quarantine leads to the fix: an unknown identifier links to
    the add-identifier page filled in (kind, value, dated from the earliest call, and
    the service a hint names), and that page opens with those values."""
    import html

    w = writer(harbour)
    w.call(record_id="X1", special2="NEWGROUP", special1="0290001005@ssaas.aapt.com.au", when="20261103090000")
    w.call(record_id="X2", special2="NEWGROUP", special1="0290001005@ssaas.aapt.com.au", when="20261101090000")
    ingest_text(harbour, NAME, w.text())
    body = billing_client.get(GROUPS).content.decode()
    link = html.unescape(re.search(r'<a href="([^"]+)" class="quarantine-fix[^"]*">Add identifier</a>', body).group(1))
    acme = Service.objects.get(reference="HV-1001")
    assert link.startswith(reverse("admin:provisioning_serviceidentifier_add"))
    for part in ("kind=group_id", "value=NEWGROUP", "active_from=01%2F11%2F2026", f"service={acme.pk}"):
        assert part in link, part
    page = billing_client.get(link).content.decode()
    assert 'value="NEWGROUP"' in page and 'value="01/11/2026"' in page


def test_add_identifier_from_the_quarantine_returns_to_the_quarantine(billing_client, harbour, writer):
    """Once the identifier is saved, the user is back on the quarantine group, where
    the re-process waits; not on the identifier list."""
    import html

    w = writer(harbour)
    w.call(record_id="X1", special2="NEWGROUP", special1="0290001005@ssaas.aapt.com.au", when="20261101090000")
    ingest_text(harbour, NAME, w.text())
    groups = f"{GROUPS}?reason=non_existent_service"
    body = billing_client.get(groups).content.decode()
    link = html.unescape(re.search(r'<a href="([^"]+)" class="quarantine-fix[^"]*">Add identifier</a>', body).group(1))
    page = billing_client.get(link).content.decode()
    assert f'<a href="{html.escape(groups)}">the page you came from</a>' in page
    newcomer = ServiceFactory(customer__provider=harbour, plan=Service.objects.get(reference="HV-1001").plan)
    response = billing_client.post(
        link,
        {"service": newcomer.pk, "kind": "group_id", "value": "NEWGROUP", "active_from": "01/11/2026", "_save": "Save"},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert response.url == groups
    assert newcomer.identifiers.filter(value="NEWGROUP").exists()


def test_a_broadworks_header_error_names_the_columns_in_words(harbour):
    """Defect 14: the missing-column error showed a Python tuple."""
    from usage.broadworks.services import parse_broadworks_report

    _, problems = parse_broadworks_report(harbour, "bw.csv", b"group_id,item_type\nACME,SERVICE_PACK\n")
    assert problems and "(" not in problems[0].split("must name")[1]
    assert "group_id, item_type, item_name, quantity" in problems[0]
