"""Rate: categories, increments, credits, unit types, short records, no price."""

from decimal import Decimal

import pytest

from tests.usage.conftest import ingest_text
from usage.ctop.models import UsageRecord

HARBOUR = "CTOP_1234567_000002_20261102013000.txt"


def charge(record_id):
    return UsageRecord.objects.get(record_id=record_id).charge


@pytest.mark.parametrize(
    ("raw_units", "unittype", "seconds", "expected"),
    [
        (95, "100", 95, "0.24"),  # seconds; mobile 60/30 at 0.12
        (950, "101", 95, "0.24"),  # tenths
        (951, "101", 96, "0.24"),  # tenths round up to a whole second
        (2, "120", 120, "0.24"),  # minutes
        (1, "130", 3600, "7.20"),  # hours
    ],
)
def test_unit_types(harbour, writer, raw_units, unittype, seconds, expected):
    w = writer(harbour)
    w.call(record_id="U1", seconds=raw_units, unittype=unittype, special2="ACMEPTYLTD")
    ingest_text(harbour, HARBOUR, w.text())
    record = UsageRecord.objects.get(record_id="U1")
    assert record.duration_seconds == seconds
    assert record.charge == Decimal(expected)


def test_data_units_are_quarantined_as_unsupported(harbour, writer):
    w = writer(harbour)
    w.call(record_id="D1", seconds=1024, unittype="200", special2="ACMEPTYLTD")
    ingest_text(harbour, HARBOUR, w.text())
    record = UsageRecord.objects.get(record_id="D1")
    assert (record.status, record.reason, record.charge) == (
        "quarantined",
        "unsupported_unit",
        None,
    )


def test_credit_is_the_negative_of_the_call(harbour, writer):
    w = writer(harbour)
    w.call(
        record_id="C1",
        seconds=610,
        unittype="101",
        target="0011442079460000",
        price=42,
        special2="ACMEPTYLTD",
    )
    w.call(
        record_id="C2",
        seconds=-610,
        unittype="101",
        target="0011442079460000",
        price=-42,
        special2="ACMEPTYLTD",
    )
    carrier_file = ingest_text(harbour, HARBOUR, w.text())
    assert charge("C1") == Decimal("1.00") and charge("C2") == Decimal("-1.00")
    assert carrier_file.charge_total == Decimal("0.00") and carrier_file.aapt_cost_total == Decimal("0")


def test_no_price_quarantined(coastal, writer):
    """Coastal Voice prices only mobile calls."""
    w = writer(coastal)
    w.call(record_id="N1", target="0298765432", special1="sales@voice.coastal.com.au")
    ingest_text(coastal, "CTOP_3456789_000002_20261103013000.txt", w.text())
    record = UsageRecord.objects.get(record_id="N1")
    assert (record.status, record.reason, record.category) == ("quarantined", "no_price", "fixed")
    assert record.service.reference == "CC-3001"


def test_short_records_read_missing_fields_as_empty(southern, harbour, writer):
    """An older ~400-character record: special1 is cut short and the Group ID is past its end."""
    w = writer(southern)
    w.call(record_id="S1", length=400, special1="jsmith.acme@ssaas.aapt.com.au")
    ingest_text(southern, "CTOP_2345678_000002_20261102013000.txt", w.text())
    assert UsageRecord.objects.get(record_id="S1").service.reference == "SW-2001"

    w = writer(harbour)
    w.call(record_id="S2", length=400, special1="0290001000@ssaas.aapt.com.au")
    ingest_text(harbour, HARBOUR, w.text())
    record = UsageRecord.objects.get(record_id="S2")
    assert (record.group_id, record.reason) == ("", "non_existent_service")


def test_half_up_to_the_cent_per_call(southern, writer):
    w = writer(southern)  # Wholesale Voice mobile: 0.10/min, 1/1
    for i, seconds in enumerate([75, 3, 9], start=1):
        w.call(record_id=f"H{i}", seconds=seconds, special1="0290002000@ssaas.aapt.com.au")
    carrier_file = ingest_text(southern, "CTOP_2345678_000002_20261102013000.txt", w.text())
    assert [charge(f"H{i}") for i in (1, 2, 3)] == [
        Decimal("0.13"),
        Decimal("0.01"),
        Decimal("0.02"),
    ]
    assert carrier_file.charge_total == Decimal("0.16")  # the sum of rounded calls
