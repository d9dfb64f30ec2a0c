"""The three sample files give exactly the outcomes of samples/README.md."""

import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django_q.tasks import async_task

from tests.usage.conftest import SAMPLE_FILES, SAMPLES, ingest_command
from usage.carrier_files.models import CarrierFile
from usage.carrier_files.receive import carrier_file_receive
from usage.ctop.models import UsageRecord

EXPECTED = {
    "harbour-voice": {
        "records": 8,
        "rated": 7,
        "quarantined": 1,
        "rejected": 0,
        "duplicates": 0,
        "charge_total": "1.40",
        "aapt_cost_total": "0.74",
    },
    "southern-wholesale": {
        "records": 6,
        "rated": 4,
        "quarantined": 2,
        "rejected": 0,
        "duplicates": 0,
        "charge_total": "0.55",
        "aapt_cost_total": "0.56",
    },
    "coastal-comms": {
        "records": 3,
        "rated": 2,
        "quarantined": 1,
        "rejected": 0,
        "duplicates": 0,
        "charge_total": "0.30",
        "aapt_cost_total": "0.21",
    },
}

# Per call: (record_id, status, category, charge) from samples/README.md.
HARBOUR_CALLS = [
    ("HV0000000000000000001", "rated", "mobile", "0.24"),
    ("HV0000000000000000002", "rated", "fixed", "0.15"),
    ("HV0000000000000000003", "rated", "international", "1.00"),
    ("HV0000000000000000004", "rated", "local_rate", "0.25"),
    ("HV0000000000000000005", "rated", "freecall", "0.00"),
    ("HV0000000000000000006", "rated", "emergency", "0.00"),
    ("HV0000000000000000007", "quarantined", "mobile", None),
    ("HV0000000000000000008", "rated", "mobile", "-0.24"),
]


@pytest.mark.parametrize("slug", list(SAMPLE_FILES))
def test_ingest_ctop_command(sample_provider, slug):
    sample_provider(slug)
    out = io.StringIO()
    call_command("ingest_ctop", str(SAMPLES / SAMPLE_FILES[slug]), provider=slug, stdout=out)
    (line,) = out.getvalue().splitlines()
    summary = json.loads(line)
    assert summary == {
        "file": SAMPLE_FILES[slug],
        "status": "processed_with_exceptions",
        **EXPECTED[slug],
    }


@pytest.mark.parametrize("slug", list(SAMPLE_FILES))
def test_through_the_task(sample_provider, slug):
    provider = sample_provider(slug)
    with open(SAMPLES / SAMPLE_FILES[slug], "rb") as content:
        received = carrier_file_receive(provider=provider, name=SAMPLE_FILES[slug], content=content)
    async_task("usage.carrier_files.tasks.process_carrier_file", received.pk)  # the cluster runs sync in tests
    summary = CarrierFile.objects.get(pk=received.pk).summary()
    assert {k: v for k, v in summary.items() if k not in {"file", "status"}} == EXPECTED[slug]


def test_harbour_calls_priced_one_by_one(harbour_setup):
    ingest_command("ingest_ctop", SAMPLES / SAMPLE_FILES["harbour-voice"], "harbour-voice")
    got = [
        (r.record_id, r.status, r.category, None if r.charge is None else str(r.charge))
        for r in UsageRecord.objects.order_by("record_id")
    ]
    assert got == HARBOUR_CALLS
    unknown = UsageRecord.objects.get(record_id="HV0000000000000000007")
    assert unknown.reason == "non_existent_service"
    assert unknown.identifier == "UNKNOWNGROUP"
    credit = UsageRecord.objects.get(record_id="HV0000000000000000008")
    assert credit.service == harbour_setup.acme_service
    assert credit.duration_seconds == -95 and credit.aapt_cost == Decimal("-0.19")
    international = UsageRecord.objects.get(record_id="HV0000000000000000003")
    assert international.duration_seconds == 61 and international.billed_seconds == 120


def test_southern_quarantine_reasons(southern_setup):
    ingest_command("ingest_ctop", SAMPLES / SAMPLE_FILES["southern-wholesale"], "southern-wholesale")
    quarantined = {r.identifier: r.reason for r in UsageRecord.objects.filter(status="quarantined")}
    assert quarantined == {
        "reception@other.realm.com.au": "non_existent_service",
        "0370002150": "non_existent_service",
    }
    in_range = UsageRecord.objects.get(record_id="SW0000000000000000003")
    assert in_range.service == southern_setup.motors_service and in_range.charge == Decimal("0.13")
    hour = UsageRecord.objects.get(record_id="SW0000000000000000002")
    assert hour.duration_seconds == 3600 and hour.charge == Decimal("0.10")


def test_exit_status_non_zero_when_a_file_is_rejected(harbour, tmp_path):
    broken = tmp_path / "CTOP_1234567_000002_20261103013000.txt"
    lines = (SAMPLES / SAMPLE_FILES["harbour-voice"]).read_text().splitlines()
    broken.write_text("\n".join(lines[:-2] + lines[-1:]) + "\n")  # a record gone: trailer disagrees
    summary = ingest_command("ingest_ctop", broken, "harbour-voice", fails=True)
    assert summary["status"] == "rejected" and summary["rated"] == 0
    assert not UsageRecord.objects.exists()
