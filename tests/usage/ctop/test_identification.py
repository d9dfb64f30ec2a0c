"""Identify: every method, case and number forms, dates in the provider's zone, ranges."""

import datetime

import pytest

from providers.choices import ProviderIdentificationMethodChoices as Method
from provisioning.choices import ServiceIdentifierKindChoices as Kind
from provisioning.models import Service, ServiceIdentifier
from tests.usage.conftest import ingest_text
from usage.ctop.models import UsageRecord


def outcome(record_id):
    r = UsageRecord.objects.get(record_id=record_id)
    return (r.status, r.reason, r.service.reference if r.service else None)


def identified(provider, writer, **calls: dict) -> dict[str, tuple]:
    """One file of ``provider``'s with a call per keyword (its record id) and the
    call's fields, processed: each record's outcome, by record id."""
    w = writer(provider)
    for record_id, fields in calls.items():
        w.call(record_id=record_id, **fields)
    ingest_text(provider, f"CTOP_{provider.aapt_account}_000002_20261102013000.txt", w.text())
    return {record_id: outcome(record_id) for record_id in calls}


def rated_on(reference: str) -> tuple:
    return ("rated", "", reference)


UNKNOWN = "quarantined", "non_existent_service", None


def test_group_id_method_ignores_everything_else(harbour, writer):
    assert identified(
        harbour,
        writer,
        G1={"special2": "acmeptyltd", "special1": "nobody@ssaas.aapt.com.au"},  # case
        G2={"special2": "  BLUEGUMCAFE", "special1": "0290001000@ssaas.aapt.com.au"},
        G3={"special2": "", "special1": "0290001000@ssaas.aapt.com.au"},
    ) == {"G1": rated_on("HV-1001"), "G2": rated_on("HV-1002"), "G3": UNKNOWN}


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
    assert identified(southern, writer, U1={"special1": special1}) == {"U1": rated_on("SW-2001")}


def test_distinct_username_needs_the_default_realm(southern, writer):
    usernames = {"U1": "jsmith.acme@voice.other.com.au", "U2": "", "U3": "jsmith.acme"}
    got = identified(southern, writer, **{rid: {"special1": name} for rid, name in usernames.items()})
    assert got == dict.fromkeys(usernames, UNKNOWN)


def test_custom_realm_whole_username_case_insensitive(coastal, writer):
    assert identified(
        coastal,
        writer,
        C1={"special1": "SALES@voice.coastal.COM.AU"},
        C2={"special1": "sales@ssaas.aapt.com.au"},
    ) == {"C1": rated_on("CC-3001"), "C2": UNKNOWN}


def test_hosted_number_in_a_range_and_outside(southern, writer):
    numbers = {"R1": "0370002000", "R2": "0370002099", "R3": "0370002100", "R4": "0370001999"}
    got = identified(southern, writer, **{rid: {"special1": f"{n}@ssaas.aapt.com.au"} for rid, n in numbers.items()})
    assert got["R1"][2] == got["R2"][2] == "SW-2002"
    assert got["R3"][1] == got["R4"][1] == "non_existent_service"


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
    identified(
        southern,
        writer,
        P1={"when": "20261101023000", "special1": "jsmith.acme@ssaas.aapt.com.au"},  # 31 Oct 23:30 Perth
        P2={"when": "20261101033000", "special1": "jsmith.acme@ssaas.aapt.com.au"},  # 1 Nov 00:30 Perth
    )
    first, second = UsageRecord.objects.get(record_id="P1"), UsageRecord.objects.get(record_id="P2")
    assert (first.call_date, first.service.reference) == (datetime.date(2026, 10, 31), "SW-2001")
    assert (second.call_date, second.service.reference) == (datetime.date(2026, 11, 1), "SW-2002")
    assert first.started_at.isoformat() == "2026-10-31T15:30:00+00:00"


def test_same_reassignment_in_sydney_stays_on_the_first_of_november(southern, writer):
    identified(southern, writer, S1={"when": "20261101023000", "special1": "jsmith.acme@ssaas.aapt.com.au"})
    assert UsageRecord.objects.get(record_id="S1").call_date == datetime.date(2026, 11, 1)


def test_bucket_no_active_period(southern, writer):
    dental = Service.objects.get(reference="SW-2001")
    dental.end_date = datetime.date(2026, 10, 31)
    dental.status = "ceased"
    dental.save()
    days = {"B1": "20261031", "B2": "20261101", "B3": "20260930"}
    got = identified(
        southern,
        writer,
        **{rid: {"when": f"{day}120000", "special1": "0290002000@ssaas.aapt.com.au"} for rid, day in days.items()},
    )
    assert got == {
        "B1": rated_on("SW-2001"),
        "B2": ("quarantined", "no_active_period", "SW-2001"),
        # The identifier only starts on 1 October: before that no service holds it.
        "B3": UNKNOWN,
    }


def test_method_change_applies_to_later_files(harbour, writer):
    harbour.identification_method = Method.DISTINCT_USERNAME
    harbour.save()
    got = identified(harbour, writer, M1={"special2": "ACMEPTYLTD", "special1": "0290001005@ssaas.aapt.com.au"})
    assert got == {"M1": rated_on("HV-1001")}  # by its hosted range now
