"""Issue 9, the detail-level defects and risks: unreadable prices, amount
overflows, NUL bytes, implausible calls, daylight saving, record ids shared
by different calls."""

import datetime
from decimal import Decimal

import pytest
from django.test import override_settings

from tests.usage.coce.helpers import coce_writer, ingest_coce
from tests.usage.conftest import SAMPLE_FILES, SAMPLES, ingest_command, ingest_text
from usage.carrier_files.models import CarrierFile, RejectedLine
from usage.ctop.models import UsageRecord
from usage.ctop.quarantine import quarantine_cleanse, quarantine_write_off

HARBOUR = "CTOP_1234567_000002_20261102013000.txt"
PRICE = slice(178, 196)


def with_field(line: str, where: slice, value: str, *, left: bool = False) -> str:
    width = where.stop - where.start
    return line[: where.start] + (value.ljust(width) if left else value.rjust(width)) + line[where.stop :]


def record(record_id):
    return UsageRecord.objects.get(record_id=record_id)


# -- an unreadable price or record id: a rejected line, when the readable prices balance --------


def sample_lines() -> list[str]:
    """Harbour Voice's sample CTOP file, line by line (header, 8 details, trailer)."""
    return (SAMPLES / SAMPLE_FILES["harbour-voice"]).read_text("ascii").splitlines()


@pytest.mark.parametrize(
    ("cut", "field", "reason"),
    [
        # Cut inside rated_price (cols 179-196): the price is gone, and so is all after it.
        (180, "rated_price", "empty"),
        # Cut after the price, before record_id (cols 270-291): the price still counts.
        (200, "record_id", "empty: every record needs AAPT's record id"),
    ],
)
def test_a_line_cut_short_among_good_lines_is_a_rejected_line_and_the_rest_is_billed(harbour, cut, field, reason):
    lines = sample_lines()
    lines[6] = lines[6][:cut]  # the 000 call, priced 0 cents: the trailer's 74 cents still balance
    carrier_file = ingest_text(harbour, HARBOUR, "\n".join(lines) + "\n")
    assert carrier_file.status == "processed_with_exceptions", carrier_file.reason
    assert (carrier_file.lines, carrier_file.rated, carrier_file.quarantined, carrier_file.rejected) == (8, 6, 1, 1)
    assert carrier_file.charge_total == Decimal("1.40") and carrier_file.aapt_cost_total == Decimal("0.74")
    line = RejectedLine.objects.get()
    assert (line.line_number, line.field, line.reason) == (7, field, reason)
    assert carrier_file.reason.startswith("Taken with 1 rejected line(s)")
    assert not UsageRecord.objects.filter(record_id="HV0000000000000000006").exists()


def test_the_command_says_the_file_was_taken_with_its_rejected_lines(harbour, tmp_path):
    lines = sample_lines()
    lines[6] = lines[6][:180]
    path = tmp_path / HARBOUR
    path.write_text("\n".join(lines) + "\n")
    printed = ingest_command("ingest_ctop", path, "harbour-voice")
    assert (printed["status"], printed["rated"], printed["rejected"]) == ("processed_with_exceptions", 6, 1)
    assert printed["note"] == (
        "Taken with 1 rejected line(s), 1 of them because their rated_price cannot be read "
        "(the readable amounts balance the trailer's total without them)"
    )


def test_a_garbled_price_hiding_an_amount_rejects_the_file_whole_naming_both_totals(harbour):
    lines = sample_lines()
    lines[3] = with_field(lines[3], PRICE, "4?2")  # 42 cents of the trailer's 74 become unreadable
    carrier_file = ingest_text(harbour, HARBOUR, "\n".join(lines) + "\n")
    assert carrier_file.status == "rejected"
    assert "the trailer's total is 74 cents but the readable rated_price add up to 32" in carrier_file.reason
    assert "line 4, not a number: '4?2'" in carrier_file.reason
    assert not UsageRecord.objects.exists() and not RejectedLine.objects.exists()


# -- defect 6: amounts beyond what the columns hold ------------------------------------------


def test_amounts_overflowing_the_file_total_reject_the_file_and_never_crash(harbour, writer):
    w = writer(harbour)
    w.call(record_id="HUGE1", special2="ACMEPTYLTD", price=999999999999)
    w.call(record_id="HUGE2", special2="ACMEPTYLTD", price=999999999999)
    carrier_file = ingest_text(harbour, HARBOUR, w.text())
    assert carrier_file.status == "rejected"
    assert "the records' rated_price add up to 1,999,999,999,998 cents" in carrier_file.reason
    assert "more than a file's total can hold" in carrier_file.reason
    assert not UsageRecord.objects.exists()


def test_a_price_beyond_an_amount_column_names_the_field(harbour, writer):
    w = writer(harbour)
    w.call(record_id="HUGE", special2="ACMEPTYLTD", price=10**13)
    carrier_file = ingest_text(harbour, HARBOUR, w.text())
    assert carrier_file.status == "rejected"
    assert "rated_price" in carrier_file.reason and "out of range" in carrier_file.reason


def test_coce_amounts_overflowing_the_file_total_reject_the_file(harbour):
    w = coce_writer(harbour)
    w.charge(record_id="HUGE1", amount=999999999999)
    w.charge(record_id="HUGE2", amount=999999999999)
    carrier_file = ingest_coce(harbour, w)
    assert carrier_file.status == "rejected"
    assert "the records' amount add up to 1,999,999,999,998 cents" in carrier_file.reason


# -- defect 10: a NUL byte in one line ----------------------------------------------------------


def test_a_nul_byte_rejects_the_line_and_its_price_still_counts(harbour, writer):
    w = writer(harbour)
    w.call(record_id="GOOD", special2="ACMEPTYLTD", price=10)
    w.call(record_id="NUL", special2="ACMEPTYLTD", origin="02900\x0001000", price=10)
    carrier_file = ingest_text(harbour, HARBOUR, w.text())  # the trailer's total: 20
    assert carrier_file.status == "processed_with_exceptions"
    assert (carrier_file.rated, carrier_file.rejected) == (1, 1)
    line = RejectedLine.objects.get()
    assert (line.line_number, line.field, line.reason) == (3, "record", "contains a NUL character")


def test_a_nul_byte_in_the_price_rejects_the_file_for_that_reason(harbour, writer):
    w = writer(harbour)
    w.call(record_id="GOOD", special2="ACMEPTYLTD", price=10)
    w.call(record_id="NUL", special2="ACMEPTYLTD", price=10)
    w.details[-1] = with_field(w.details[-1], PRICE, "1\x000")
    carrier_file = ingest_text(harbour, HARBOUR, w.text())
    assert carrier_file.status == "rejected"
    assert "the trailer's total is 20 cents but the readable rated_price add up to 10" in carrier_file.reason
    assert "line 3, not a number: '1?0'" in carrier_file.reason


def test_coce_a_nul_byte_rejects_the_line_and_its_amount_still_counts(harbour):
    w = coce_writer(harbour)
    w.charge(record_id="GOOD")
    w.charge(record_id="NUL", description="A charge\x00")
    carrier_file = ingest_coce(harbour, w)
    assert carrier_file.status == "processed_with_exceptions"
    assert carrier_file.rejected == 1
    assert RejectedLine.objects.get().reason == "contains a NUL character"


# -- risk: implausible calls ------------------------------------------------------------------


def test_a_499999_hour_call_is_quarantined_as_implausible_not_billed(harbour, writer):
    w = writer(harbour)
    w.call(record_id="LONG", seconds=499_999, unittype="130", special2="ACMEPTYLTD")
    carrier_file = ingest_text(harbour, HARBOUR, w.text())
    long = record("LONG")
    assert (long.status, long.reason, long.charge) == ("quarantined", "implausible", None)
    assert long.duration_seconds == 499_999 * 3600
    assert carrier_file.status == "processed_with_exceptions" and carrier_file.charge_total == 0
    # A cleanse re-checks it: still implausible under the same settings.
    assert quarantine_cleanse(provider=harbour).rated == 0
    assert record("LONG").reason == "implausible"
    # Once staff raise the settings, a re-process bills it.
    with override_settings(USAGE_IMPLAUSIBLE_SECONDS=2 * 10**9, USAGE_IMPLAUSIBLE_CHARGE="9999999"):
        assert quarantine_cleanse(provider=harbour).rated == 1
    assert record("LONG").status == "rated" and record("LONG").charge == Decimal("3599992.80")


@override_settings(USAGE_IMPLAUSIBLE_CHARGE="5.00")
def test_a_charge_over_the_ceiling_is_quarantined_and_can_be_written_off(harbour, writer, harbour_billing):
    w = writer(harbour)
    w.call(record_id="INTL", seconds=610, unittype="100", target="0011442079460000", special2="ACMEPTYLTD")  # 5.50
    w.call(record_id="PRICEY", special2="ACMEPTYLTD", price=600)  # AAPT's price 6.00
    w.call(record_id="CHEAP", special2="ACMEPTYLTD")
    ingest_text(harbour, HARBOUR, w.text())
    assert record("INTL").reason == record("PRICEY").reason == "implausible"
    assert record("CHEAP").status == "rated"
    quarantine_write_off(
        provider=harbour, acting_user=harbour_billing, record_ids=[record("INTL").pk], reason="test call"
    )
    assert record("INTL").status == "written_off"
    assert CarrierFile.objects.get().written_off == 1


# -- risk: daylight saving --------------------------------------------------------------------


def test_an_ambiguous_sydney_time_is_the_first_instant_and_noted(harbour, writer):
    w = writer(harbour)
    w.call(record_id="TWICE", when="20270404023000", special2="ACMEPTYLTD")  # clocks back at 03:00
    w.call(record_id="PLAIN", when="20270404043000", special2="ACMEPTYLTD")
    ingest_text(harbour, HARBOUR, w.text())
    twice = record("TWICE")
    assert twice.started_at == datetime.datetime(2027, 4, 3, 15, 30, tzinfo=datetime.UTC)
    assert "2027-04-04 02:30 occurs twice" in twice.time_note and "+11:00" in twice.time_note
    assert record("PLAIN").time_note == ""


def test_a_non_existent_sydney_time_is_shifted_by_the_gap_and_noted(harbour, writer):
    w = writer(harbour)
    w.call(record_id="GAP", when="20261004023000", special2="ACMEPTYLTD")  # clocks forward at 02:00
    w.call(record_id="REAL", when="20261004033000", special2="ACMEPTYLTD")
    ingest_text(harbour, HARBOUR, w.text())
    gap, real = record("GAP"), record("REAL")
    assert gap.started_at == real.started_at == datetime.datetime(2026, 10, 3, 16, 30, tzinfo=datetime.UTC)
    assert "2026-10-04 02:30 does not exist" in gap.time_note and "03:30 +11:00" in gap.time_note
    assert real.time_note == ""


def test_the_time_note_is_shown_in_the_admin(admin_client, harbour, writer):
    from django.urls import reverse

    w = writer(harbour)
    w.call(record_id="GAP", when="20261004023000", special2="ACMEPTYLTD")
    ingest_text(harbour, HARBOUR, w.text())
    page = admin_client.get(reverse("admin:usage_usagerecord_change", args=[record("GAP").pk])).content.decode()
    assert "Call time note" in page and "2026-10-04 02:30 does not exist" in page


# -- risk: different calls under one record_id -------------------------------------------------------


def test_a_second_call_under_a_taken_record_id_is_a_rejected_line(harbour, writer):
    w = writer(harbour)
    w.call(record_id="SHARED", target="0412345678", special2="ACMEPTYLTD")
    w.call(record_id="SHARED", target="0412999999", special2="ACMEPTYLTD")
    w.call(record_id="SHARED", target="0412888888", special2="ACMEPTYLTD")
    carrier_file = ingest_text(harbour, HARBOUR, w.text())
    assert (carrier_file.rated, carrier_file.duplicates, carrier_file.rejected) == (1, 0, 2)
    assert carrier_file.counts_add_up
    reasons = sorted(RejectedLine.objects.values_list("line_number", "field", "reason"))
    assert [r[:2] for r in reasons] == [(3, "record_id"), (4, "record_id")]
    assert "record_id SHARED repeats line 2 with different content" in reasons[0][2]
    assert "0412999999" in RejectedLine.objects.get(line_number=3).content


def test_a_different_call_under_a_record_id_of_an_earlier_file_names_it(harbour, writer):
    first = writer(harbour)
    first.call(record_id="SHARED", target="0412345678", special2="ACMEPTYLTD")
    ingest_text(harbour, HARBOUR, first.text())
    second = writer(harbour, sequence=3)
    second.call(record_id="SHARED", target="0412999999", special2="ACMEPTYLTD")
    second.call(record_id="NEW", special2="ACMEPTYLTD")
    carrier_file = ingest_text(harbour, "CTOP_1234567_000003_20261102013000.txt", second.text())
    assert (carrier_file.rated, carrier_file.duplicates, carrier_file.rejected) == (1, 0, 1)
    assert f"repeats line 2 of {HARBOUR}" in RejectedLine.objects.get().reason


def test_coce_an_unreadable_amount_is_a_rejected_line_when_the_rest_balances(harbour):
    w = coce_writer(harbour)
    w.charge(record_id="GOOD", amount=450)
    w.charge(record_id="GARBLED", amount=0)
    amount = w.spans["detail"]["amount"]
    w.details[-1] = with_field(w.details[-1], slice(amount[0], amount[1]), "0x0")
    carrier_file = ingest_coce(harbour, w)
    assert carrier_file.status == "processed_with_exceptions", carrier_file.reason
    assert carrier_file.rejected == 1 and RejectedLine.objects.get().field == "amount"
    assert carrier_file.reason.startswith("Taken with 1 rejected line(s), 1 of them because their amount cannot")
