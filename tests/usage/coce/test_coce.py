"""COCE other charges: integrity, duplicates, re-issues, classification, ranges."""

import datetime
import io
import json
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from provisioning.models import FeatureProduct, Service, ServiceIdentifier
from tests.usage.coce.helpers import COCE_SAMPLE, coce_writer, ingest_coce
from tests.usage.conftest import SAMPLES, ingest_command, ingest_sample, ingest_text
from usage.carrier_files.models import CarrierFile, RejectedLine
from usage.coce.models import OtherCharge, OtherChargeException


def test_the_sample_through_the_command(harbour):
    out = io.StringIO()
    call_command("ingest_coce", str(SAMPLES / COCE_SAMPLE), provider="harbour-voice", stdout=out)
    assert json.loads(out.getvalue()) == {
        "file": COCE_SAMPLE,
        "status": "processed_with_exceptions",
        "records": 6,
        "charges": 6,
        "exceptions": 1,
        "rejected": 0,
        "duplicates": 0,
        "amount_total": "101.52",
    }
    packs = OtherCharge.objects.get(element_id="501001")
    assert packs.amount == Decimal("54.00") and packs.product.name == "Standard User Service Pack"
    assert (packs.charged_from, packs.charged_to) == (
        datetime.date(2026, 10, 1),
        datetime.date(2026, 10, 31),  # to_date 2026-11-01 00:00 is exclusive
    )
    acme_range = OtherCharge.objects.get(element_id="503100")
    assert acme_range.service.reference == "HV-1001"
    assert acme_range.matched_range.value == "0290001000-0290001099"
    nobody = OtherChargeException.objects.get()
    assert (nobody.external_id, nobody.amount) == ("0353009990-0353009999", Decimal("0.52"))
    assert nobody.exception == "unmatched_range" and nobody.service is None
    assert nobody.nearest_range is None  # no range in the 03 area code here
    credit = OtherCharge.objects.get(amount__lt=0)
    assert credit.amount == Decimal("-5.00") and credit.type_code == "4"
    assert credit.exception == "" and credit.adjustment_code == "17"


def test_trailer_disagreeing_rejects_the_whole_file(harbour, tmp_path):
    w = coce_writer(harbour)
    w.charge(amount=5400)
    w.charge(amount=1800, element_id="501002")
    path = tmp_path / "COCE_1234567_000002_20261102030000.txt"
    path.write_text(w.text(total_cents=7000))
    summary = ingest_command("ingest_coce", path, "harbour-voice", fails=True)
    assert summary["status"] == "rejected" and summary["charges"] == 0
    carrier_file = CarrierFile.objects.get()
    assert "total is 7000 cents but the records add up to 7200" in carrier_file.reason
    assert not OtherCharge.objects.exists()

    wrong_count = coce_writer(harbour, sequence=3)
    wrong_count.charge()
    assert ingest_coce(harbour, wrong_count, count=2).status == "rejected"
    assert not OtherCharge.objects.exists()


def test_same_content_again_is_a_duplicate_file(harbour):
    first = ingest_sample(harbour, COCE_SAMPLE)
    data = (SAMPLES / COCE_SAMPLE).read_bytes()
    again = ingest_text(harbour, "COCE_1234567_000009_20261109030000.txt", data)
    assert again.status == "duplicate" and again.duplicate_of == first
    assert OtherCharge.objects.count() == 6


def test_a_coce_record_id_is_never_counted_twice(harbour):
    first = coce_writer(harbour)
    first.charge(record_id="CE1", amount=5400)
    ingest_coce(harbour, first)
    # A later statement carrying CE1 again, and a line repeated within the file.
    second = coce_writer(harbour, sequence=2, produced="20261202030000")
    statement = {"statement": "20261201000000"}
    second.charge(record_id="CE1", amount=5400, **statement)
    second.charge(record_id="CE2", amount=450, **statement)
    second.charge(record_id="CE2", amount=450, **statement)
    taken = ingest_coce(harbour, second)
    assert (taken.lines, taken.rated, taken.duplicates) == (3, 1, 2)
    assert taken.status == "processed_with_exceptions" and taken.counts_add_up
    assert OtherCharge.objects.filter(coce_record_id="CE1", status="counted").count() == 1
    again = OtherCharge.objects.get(coce_record_id="CE1", carrier_file=taken)
    assert again.status == "duplicate" and again.duplicate_of.carrier_file.sequence == 1


def _statement(provider, *, sequence, produced, packs):
    w = coce_writer(provider, sequence=sequence, produced=produced)
    w.charge(record_id="CE-PACKS", amount=450 * packs)
    w.charge(record_id="CE-SIP", element_id="502001", amount=2400)
    return w


def test_a_reissued_coce_replaces_the_earlier_one(harbour):
    first = ingest_coce(harbour, _statement(harbour, sequence=1, produced="20261102030000", packs=12))
    reissue = ingest_coce(harbour, _statement(harbour, sequence=2, produced="20261105030000", packs=11))
    first.refresh_from_db()
    assert first.status == "superseded"
    assert reissue.name in first.reason
    assert reissue.status == "processed" and first.name in reissue.reason
    counted = OtherCharge.objects.filter(status="counted")
    assert set(counted.values_list("carrier_file", flat=True)) == {reissue.pk}
    assert counted.get(coce_record_id="CE-PACKS").amount == Decimal("49.50")
    assert OtherCharge.objects.filter(carrier_file=first, status="superseded").count() == 2


def test_an_earlier_issue_arriving_late_counts_for_nothing(harbour):
    later = ingest_coce(harbour, _statement(harbour, sequence=2, produced="20261105030000", packs=11))
    late = ingest_coce(harbour, _statement(harbour, sequence=1, produced="20261102030000", packs=12))
    assert late.status == "superseded" and later.name in late.reason
    later.refresh_from_db()
    assert later.status == "processed"
    assert not OtherCharge.objects.filter(carrier_file=late, status="counted").exists()


def test_an_unknown_element_id_is_listed_not_fatal(harbour, harbour_billing, client):
    w = coce_writer(harbour)
    w.charge(record_id="CE-KNOWN", amount=450)
    w.charge(record_id="CE-NEW", element_id="599999", amount=1234, description="Call recording")
    carrier_file = ingest_coce(harbour, w)
    assert carrier_file.status == "processed_with_exceptions"
    assert (carrier_file.rated, carrier_file.quarantined) == (1, 1)
    unknown = OtherChargeException.objects.get()
    assert (unknown.coce_record_id, unknown.exception) == ("CE-NEW", "unknown_element")

    client.force_login(harbour_billing)
    listing = client.get(reverse("admin:usage_otherchargeexception_changelist"))
    assert "CE-NEW" in listing.content.decode() and "CE-KNOWN" not in listing.content.decode()

    FeatureProduct.objects.create(
        provider=harbour,
        element_id="599999",
        name="Call recording",
        kind="other",
        unit_cost=Decimal("12.34"),
    )
    response = client.post(
        reverse("admin:usage_otherchargeexception_changelist"),
        {"action": "classify_again", "_selected_action": [unknown.pk]},
        follow=True,
    )
    assert "0 exception(s) remain" in response.content.decode()
    unknown.refresh_from_db()
    assert unknown.exception == "" and unknown.product.name == "Call recording"
    assert unknown.classified_by == harbour_billing


def test_a_range_charge_inside_a_larger_service_range(harbour):
    w = coce_writer(harbour)
    range_line = {"element_id": "503010", "level": 1, "external_id_type": 1}
    w.charge(record_id="CE-10", external_id="0290001050-0290001059", amount=100, **range_line)
    w.charge(record_id="CE-1", external_id="0290001077", amount=10, **range_line)
    ingest_coce(harbour, w)
    acme = Service.objects.get(reference="HV-1001")
    for record_id in ("CE-10", "CE-1"):
        charge = OtherCharge.objects.get(coce_record_id=record_id)
        assert charge.service == acme and charge.exception == ""
        assert charge.matched_range.value == "0290001000-0290001099"


def test_an_unmatched_range_names_the_nearest_range(harbour):
    bluegum = Service.objects.get(reference="HV-1002")
    later = ServiceIdentifier.objects.create(
        service=bluegum,
        kind="number_range",
        value="0290002000-0290002099",
        active_from=datetime.date(2026, 11, 1),
    )
    w = coce_writer(harbour)
    range_line = {"element_id": "503100", "level": 1, "amount": 1000}
    w.charge(record_id="CE-LATER", external_id="0290002000-0290002099", **range_line)
    w.charge(record_id="CE-GAP", external_id="0290001200-0290001299", **range_line)
    ingest_coce(harbour, w)
    on_other_dates = OtherCharge.objects.get(coce_record_id="CE-LATER")
    assert on_other_dates.exception == "unmatched_range"
    assert on_other_dates.nearest_range == later  # held, but only from November
    gap = OtherCharge.objects.get(coce_record_id="CE-GAP")
    assert gap.exception == "unmatched_range" and gap.service is None
    assert gap.nearest_range.value == "0290001000-0290001099"


def test_unreadable_lines_are_listed_and_the_rest_taken(harbour):
    w = coce_writer(harbour)
    w.charge(record_id="OK1")
    w.charge(record_id="BADTYPE", type_code=9)
    w.charge(record_id="BADDATE", start="20261301000000")
    w.charge(record_id="", amount=450)
    w.charge(record_id="OK2")
    carrier_file = ingest_coce(harbour, w)
    assert carrier_file.status == "processed_with_exceptions"
    assert (carrier_file.lines, carrier_file.rated, carrier_file.rejected) == (5, 2, 3)
    assert carrier_file.counts_add_up
    rejected = [(r.line_number, r.field) for r in RejectedLine.objects.order_by("line_number")]
    assert rejected == [(3, "type_code"), (4, "from_date"), (5, "coce_record_id")]


def test_upload_in_the_admin(
    harbour, harbour_billing, client, southern, make_staff, django_capture_on_commit_callbacks
):
    client.force_login(harbour_billing)
    url = reverse("admin:usage_cocefile_add")
    upload = SimpleUploadedFile(COCE_SAMPLE, (SAMPLES / COCE_SAMPLE).read_bytes())
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(url, {"provider": harbour.pk, "upload": upload})
    # Processed by the worker, not in the request (issue 9: a COCE bomb took 37 s in it).
    assert CarrierFile.objects.get().status == "received"
    for callback in queued:
        callback()  # the worker (synchronous in tests)
    response = client.get(response.url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "processing is queued" in body
    assert CarrierFile.objects.get().status == "processed_with_exceptions"
    assert "Processed with exceptions" in body

    client.force_login(make_staff("sw-bill", southern, role="Billing staff"))
    upload = SimpleUploadedFile(COCE_SAMPLE, (SAMPLES / COCE_SAMPLE).read_bytes())
    response = client.post(url, {"provider": harbour.pk, "upload": upload})
    assert "Select a valid choice" in str(response.context["adminform"].form.errors["provider"])
    assert CarrierFile.objects.count() == 1
