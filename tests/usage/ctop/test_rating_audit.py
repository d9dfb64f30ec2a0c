"""Issue 10: the charges an independent audit found wrong (defects 2 to 5; the
category cache, defect 1, is tested in tests/provisioning/test_categories.py)."""

import datetime
from decimal import Decimal

import pytest

from provisioning.choices import ServiceIdentifierKindChoices
from provisioning.models import Service, ServiceIdentifier
from tests.usage.conftest import ingest_text
from usage.carrier_files.models import RejectedLine
from usage.ctop.models import UsageRecord

HARBOUR = "CTOP_1234567_000002_20261102013000.txt"
COASTAL = "CTOP_3456789_000002_20261103013000.txt"


def record(record_id):
    return UsageRecord.objects.get(record_id=record_id)


# -- 2. a credit by price ---------------------------------------------------------


def test_a_negative_price_with_positive_units_is_a_credit_of_the_same_call(harbour, writer):
    w = writer(harbour)
    w.call(record_id="CALL", seconds=95, price=24, special2="ACMEPTYLTD")  # mobile 95 s: 0.24
    w.call(record_id="CREDIT", seconds=95, price=-24, special2="ACMEPTYLTD")
    carrier_file = ingest_text(harbour, HARBOUR, w.text())
    call, credit = record("CALL"), record("CREDIT")
    assert call.charge == Decimal("0.24")
    assert credit.status == "rated" and credit.charge == Decimal("-0.24")
    assert credit.service_id == call.service_id
    assert carrier_file.charge_total == Decimal("0.00")


def test_a_negative_price_with_zero_units_credits_the_flagfall(harbour, writer):
    w = writer(harbour)
    w.call(record_id="ZERO", seconds=0, target="0298765432", price=-15, special2="ACMEPTYLTD")  # fixed: 0.15
    ingest_text(harbour, HARBOUR, w.text())
    assert record("ZERO").charge == Decimal("-0.15")


def test_a_credit_by_price_stays_a_credit_when_re_processed_from_quarantine(harbour, writer):
    from usage.ctop.quarantine import quarantine_cleanse

    w = writer(harbour)
    w.call(record_id="LATE", seconds=95, price=-24, special2="NEWGROUP")
    ingest_text(harbour, HARBOUR, w.text())
    assert record("LATE").reason == "non_existent_service"
    ServiceIdentifier.objects.filter(value="ACMEPTYLTD").update(value="NEWGROUP")
    assert quarantine_cleanse(provider=harbour).rated == 1
    assert record("LATE").charge == Decimal("-0.24")


# -- 3. long calls in tenths of a second ------------------------------------------------


def test_a_long_call_in_tenths_is_rated_like_the_same_call_in_seconds(harbour, writer):
    w = writer(harbour)
    w.call(record_id="TENTHS", seconds=500_001, unittype="101", special2="ACMEPTYLTD")  # 13.9 hours
    w.call(record_id="SECONDS", seconds=50_001, unittype="100", special2="ACMEPTYLTD")
    ingest_text(harbour, HARBOUR, w.text())
    assert record("TENTHS").status == "rated"
    assert record("TENTHS").duration_seconds == 50_001
    assert record("TENTHS").charge == record("SECONDS").charge == Decimal("100.02")


def test_a_duration_beyond_any_call_is_a_rejected_line_saying_the_limit(harbour, writer):
    w = writer(harbour)
    w.call(record_id="OK", special2="ACMEPTYLTD")
    w.call(record_id="AGES", seconds=9_999_999, unittype="130", special2="ACMEPTYLTD")
    carrier_file = ingest_text(harbour, HARBOUR, w.text())
    assert (carrier_file.rated, carrier_file.rejected) == (1, 1)
    line = RejectedLine.objects.get()
    assert line.field == "raw_units"
    assert "2,000,000,000 seconds" in line.reason


# -- 4. numbers in username@realm ----------------------------------------------------------


def test_a_realm_username_written_as_an_international_number_matches(coastal, writer):
    w = writer(coastal)
    w.call(record_id="PLUS", special1="+61290005000@voice.coastal.com.au")
    w.call(record_id="SIXTYONE", special1="61290005000@Voice.Coastal.com.au")
    ingest_text(coastal, COASTAL, w.text())
    assert record("PLUS").status == "rated" and record("PLUS").identifier == "0290005000@voice.coastal.com.au"
    assert record("SIXTYONE").status == "rated"


def test_a_realm_identifier_stored_as_an_international_number_is_kept_national(coastal, writer):
    identifier = ServiceIdentifier(
        service=Service.objects.get(reference="CC-3001"),
        kind=ServiceIdentifierKindChoices.USERNAME_REALM,
        value="+61 2 9000 5009@Voice.Coastal.com.au",
        active_from=datetime.date(2026, 10, 1),
    )
    identifier.full_clean()
    identifier.save()
    assert identifier.value == "0290005009@voice.coastal.com.au"
    w = writer(coastal)
    w.call(record_id="NATIONAL", special1="0290005009@voice.coastal.com.au")
    ingest_text(coastal, COASTAL, w.text())
    assert record("NATIONAL").status == "rated"


# -- 5. loose number syntax --------------------------------------------------------------


@pytest.mark.parametrize("units", ["1E2", "+75", "1_0", "NaN", "²"])
def test_loose_number_syntax_in_units_is_a_rejected_line(harbour, writer, units):
    w = writer(harbour)
    w.call(record_id="OK", special2="ACMEPTYLTD")
    w.call(record_id="LOOSE", seconds=units, special2="ACMEPTYLTD")
    carrier_file = ingest_text(harbour, HARBOUR, w.text().encode("latin-1", "replace"))
    assert (carrier_file.rated, carrier_file.rejected) == (1, 1)
    line = RejectedLine.objects.get()
    assert line.field == "raw_units" and "not a number" in line.reason
    assert not UsageRecord.objects.filter(record_id="LOOSE").exists()


@pytest.mark.parametrize("price", ["1E2", "+75", "1_0"])
def test_loose_number_syntax_in_a_price_rejects_the_file_naming_the_field(harbour, writer, price):
    w = writer(harbour)
    w.call(record_id="OK", special2="ACMEPTYLTD", price=10)
    w.call(record_id="LOOSE", special2="ACMEPTYLTD", price=0)
    w.details[-1] = w.details[-1][:178] + price.rjust(18) + w.details[-1][196:]
    carrier_file = ingest_text(harbour, HARBOUR, w.text(total_cents=10 + int(Decimal(price.replace("_", "")))))
    assert carrier_file.status == "rejected"
    assert "rated_price" in carrier_file.reason and "line 3" in carrier_file.reason
    assert not UsageRecord.objects.exists()


def test_loose_number_syntax_in_the_trailer_count_rejects_the_file(harbour, writer):
    w = writer(harbour)
    w.call(special2="ACMEPTYLTD")
    lines = w.lines()
    lines[-1] = lines[-1][:6] + "1E0".rjust(10) + lines[-1][16:]
    carrier_file = ingest_text(harbour, HARBOUR, "\n".join(lines) + "\n")
    assert carrier_file.status == "rejected" and "record count '1E0' is not a number" in carrier_file.reason


def test_a_layout_wider_than_a_column_gives_a_rejected_line_not_a_crash(harbour):
    from tests.writers.ctop import CtopWriter
    from usage.carrier_files.layouts import Layout

    layout = Layout.objects.get(kind="ctop", is_default=True)
    wide = layout.fields.get(record="detail", name="record_id")
    wide.start, wide.width = 764, 30  # moved into the unused columns, and wider than the database's 22
    wide.save()
    spans = {record: layout.spans(record) for record in ("header", "detail", "trailer")}
    w = CtopWriter(spans, account=harbour.aapt_account, sequence=2)
    for record_id in ("SHORT", "R" * 30):
        w.add(
            record_id=record_id,
            trans_time="20261101090000",
            target="0412345678",
            rated_price=10,
            raw_units=60,
            raw_unittype="100",
            special2="ACMEPTYLTD",
        )
    carrier_file = ingest_text(harbour, HARBOUR, w.text())
    assert (carrier_file.rated, carrier_file.rejected) == (1, 1)
    line = RejectedLine.objects.get()
    assert line.field == "record_id" and "22 characters" in line.reason
