"""Identify: every method, case and number forms, dates in the provider's zone, ranges."""

import datetime

import pytest

from providers.choices import ProviderIdentificationMethodChoices as Method
from provisioning.choices import ServiceIdentifierKindChoices as Kind
from provisioning.models import Service, ServiceIdentifier
from tests.usage.conftest import ingest_text
from usage.models import UsageRecord


def outcome(record_id):
    r = UsageRecord.objects.get(record_id=record_id)
    return (r.status, r.reason, r.service.reference if r.service else None)


def test_group_id_method_ignores_everything_else(harbour, writer):
    w = writer(harbour)
    w.call(record_id="G1", special2="acmeptyltd", special1="nobody@ssaas.aapt.com.au")  # case
    w.call(record_id="G2", special2="  BLUEGUMCAFE", special1="0290001000@ssaas.aapt.com.au")
    w.call(record_id="G3", special2="", special1="0290001000@ssaas.aapt.com.au")
    ingest_text(harbour, "CTOP_1234567_000002_20261102013000.txt", w.text())
    assert outcome("G1") == ("rated", "", "HV-1001")
    assert outcome("G2") == ("rated", "", "HV-1002")
    assert outcome("G3") == ("quarantined", "non_existent_service", None)


@pytest.mark.parametrize(
    "special1",
    [
        "0290002000@ssaas.aapt.com.au",
        "+61290002000@ssaas.aapt.com.au",
        "61290002000@SSAAS.AAPT.COM.AU",
        "JSmith.Acme@ssaas.aapt.com.au",
    ],
)
def test_distinct_username_number_forms_and_case(southern, writer, special1):
    w = writer(southern)
    w.call(record_id="U1", special1=special1)
    ingest_text(southern, "CTOP_2345678_000002_20261102013000.txt", w.text())
    assert outcome("U1") == ("rated", "", "SW-2001")


def test_distinct_username_needs_the_default_realm(southern, writer):
    w = writer(southern)
    w.call(record_id="U1", special1="jsmith.acme@voice.other.com.au")
    w.call(record_id="U2", special1="")
    w.call(record_id="U3", special1="jsmith.acme")
    ingest_text(southern, "CTOP_2345678_000002_20261102013000.txt", w.text())
    for rid in ("U1", "U2", "U3"):
        assert outcome(rid) == ("quarantined", "non_existent_service", None)


def test_custom_realm_whole_username_case_insensitive(coastal, writer):
    w = writer(coastal)
    w.call(record_id="C1", special1="SALES@voice.coastal.COM.AU")
    w.call(record_id="C2", special1="sales@ssaas.aapt.com.au")
    ingest_text(coastal, "CTOP_3456789_000002_20261103013000.txt", w.text())
    assert outcome("C1") == ("rated", "", "CC-3001")
    assert outcome("C2") == ("quarantined", "non_existent_service", None)


def test_hosted_number_in_a_range_and_outside(southern, writer):
    w = writer(southern)
    for rid, number in [
        ("R1", "0370002000"),
        ("R2", "0370002099"),
        ("R3", "0370002100"),
        ("R4", "0370001999"),
    ]:
        w.call(record_id=rid, special1=f"{number}@ssaas.aapt.com.au")
    ingest_text(southern, "CTOP_2345678_000002_20261102013000.txt", w.text())
    assert outcome("R1")[2] == outcome("R2")[2] == "SW-2002"
    assert outcome("R3")[1] == outcome("R4")[1] == "non_existent_service"


def test_reassignment_across_midnight_in_perth(southern, writer):
    """A call stamped 1 Nov 02:30 Sydney is a call of 31 October in Perth."""
    southern.time_zone = "Australia/Perth"
    southern.save()
    dental = Service.objects.get(reference="SW-2001")
    motors = Service.objects.get(reference="SW-2002")
    held = ServiceIdentifier.objects.get(service=dental, kind=Kind.USERNAME)
    held.active_to = datetime.date(2026, 10, 31)
    held.save()
    moved = ServiceIdentifier(
        service=motors,
        kind=Kind.USERNAME,
        value="jsmith.acme",
        active_from=datetime.date(2026, 11, 1),
    )
    moved.full_clean()
    moved.save()
    w = writer(southern)
    w.call(record_id="P1", when="20261101023000", special1="jsmith.acme@ssaas.aapt.com.au")  # 31 Oct 23:30 Perth
    w.call(record_id="P2", when="20261101033000", special1="jsmith.acme@ssaas.aapt.com.au")  # 1 Nov 00:30 Perth
    ingest_text(southern, "CTOP_2345678_000002_20261102013000.txt", w.text())
    first, second = UsageRecord.objects.get(record_id="P1"), UsageRecord.objects.get(record_id="P2")
    assert (first.call_date, first.service.reference) == (datetime.date(2026, 10, 31), "SW-2001")
    assert (second.call_date, second.service.reference) == (datetime.date(2026, 11, 1), "SW-2002")
    assert first.started_at.isoformat() == "2026-10-31T15:30:00+00:00"


def test_same_reassignment_in_sydney_stays_on_the_first_of_november(southern, writer):
    w = writer(southern)
    w.call(record_id="S1", when="20261101023000", special1="jsmith.acme@ssaas.aapt.com.au")
    ingest_text(southern, "CTOP_2345678_000002_20261102013000.txt", w.text())
    assert UsageRecord.objects.get(record_id="S1").call_date == datetime.date(2026, 11, 1)


def test_bucket_no_active_period(southern, writer):
    dental = Service.objects.get(reference="SW-2001")
    dental.end_date = datetime.date(2026, 10, 31)
    dental.status = "ceased"
    dental.save()
    w = writer(southern)
    w.call(record_id="B1", when="20261031120000", special1="0290002000@ssaas.aapt.com.au")
    w.call(record_id="B2", when="20261101120000", special1="0290002000@ssaas.aapt.com.au")
    w.call(record_id="B3", when="20260930120000", special1="0290002000@ssaas.aapt.com.au")
    ingest_text(southern, "CTOP_2345678_000002_20261102013000.txt", w.text())
    assert outcome("B1") == ("rated", "", "SW-2001")
    assert outcome("B2") == ("quarantined", "no_active_period", "SW-2001")
    # The identifier only starts on 1 October: before that no service holds it.
    assert outcome("B3") == ("quarantined", "non_existent_service", None)


def test_method_change_applies_to_later_files(harbour, writer):
    harbour.identification_method = Method.DISTINCT_USERNAME
    harbour.save()
    w = writer(harbour)
    w.call(record_id="M1", special2="ACMEPTYLTD", special1="0290001005@ssaas.aapt.com.au")
    ingest_text(harbour, "CTOP_1234567_000002_20261102013000.txt", w.text())
    assert outcome("M1") == ("rated", "", "HV-1001")  # by its hosted range now
