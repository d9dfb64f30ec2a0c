"""Nothing billed twice, nothing lost, nothing partial."""

from decimal import Decimal

import pytest

from tests.usage.conftest import SAMPLE_FILES, SAMPLES, ingest_sample, ingest_text
from usage.carrier_files.models import CarrierFile, RejectedLine
from usage.ctop.models import UsageRecord

HARBOUR = "CTOP_1234567_000002_20261102013000.txt"


def test_same_file_under_a_new_name_is_a_duplicate(harbour):
    first = ingest_sample(harbour)
    data = (SAMPLES / SAMPLE_FILES["harbour-voice"]).read_bytes()
    again = ingest_text(harbour, "CTOP_1234567_000009_20261109013000.txt", data)
    assert again.status == "duplicate" and again.duplicate_of == first
    assert again.summary()["rated"] == 0 and again.charge_total == 0
    assert "already processed" in again.reason
    assert UsageRecord.objects.count() == 8


def test_same_content_gzipped_is_a_duplicate(southern):
    import gzip

    ingest_sample(southern)
    plain = gzip.decompress((SAMPLES / SAMPLE_FILES["southern-wholesale"]).read_bytes())
    again = ingest_text(southern, "CTOP_2345678_000001_20261102020000.txt", plain)
    assert again.status == "duplicate"


def test_record_already_taken_in_an_earlier_file(harbour, writer):
    ingest_sample(harbour)  # HV…1 to HV…8, one of them quarantined
    sample = (SAMPLES / SAMPLE_FILES["harbour-voice"]).read_text().splitlines()
    w = writer(harbour, sequence=2)
    for line in sample[1:-1]:  # the same records sent again, exactly
        if "HV0000000000000000001" in line or "HV0000000000000000007" in line:  # billed, quarantined before
            w.add_raw(line, cents=int(line[178:196]))
    w.call(record_id="NEW0000000000000000001", special2="ACMEPTYLTD", price=10, seconds=60)
    second = ingest_text(harbour, HARBOUR, w.text())
    assert (second.lines, second.rated, second.duplicates, second.quarantined) == (3, 1, 2, 0)
    assert second.charge_total == Decimal("0.12") and second.aapt_cost_total == Decimal("0.10")
    assert not RejectedLine.objects.exists()
    assert UsageRecord.objects.filter(record_id="HV0000000000000000001").count() == 1
    assert UsageRecord.objects.get(record_id="HV0000000000000000007").status == "quarantined"
    assert second.status == "processed_with_exceptions"


def test_record_repeated_within_a_file(harbour, writer):
    w = writer(harbour)
    w.call(record_id="TWICE", special2="ACMEPTYLTD")
    w.call(record_id="TWICE", special2="ACMEPTYLTD")
    carrier_file = ingest_text(harbour, HARBOUR, w.text())
    assert (carrier_file.rated, carrier_file.duplicates) == (1, 1)


@pytest.mark.parametrize(
    "prices, trailer, reason",
    [
        ([10, 10], {"count": 3}, "the trailer counts 3 detail record(s) but the file has 2"),
        ([19], {"total_cents": 20}, "total is 20 cents but the records add up to 19"),
    ],
    ids=["count", "total"],
)
def test_trailer_mismatch_rejects_the_file_whole(harbour, writer, prices, trailer, reason):
    w = writer(harbour)
    for price in prices:
        w.call(special2="ACMEPTYLTD", price=price)
    carrier_file = ingest_text(harbour, HARBOUR, w.text(**trailer))
    assert carrier_file.status == "rejected"
    assert reason in carrier_file.reason
    assert not UsageRecord.objects.exists()


def test_truncated_file_rejected(harbour, writer):
    w = writer(harbour)
    w.call(special2="ACMEPTYLTD")
    text = "\n".join(w.lines()[:-1]) + "\n"
    carrier_file = ingest_text(harbour, HARBOUR, text)
    assert carrier_file.status == "rejected" and "truncated" in carrier_file.reason


def test_file_for_another_account_rejected(harbour, writer, southern):
    w = writer(southern)
    w.call(special1="0290002000@ssaas.aapt.com.au")
    by_name = ingest_text(harbour, "CTOP_2345678_000002_20261102013000.txt", w.text())
    assert by_name.status == "rejected" and "account 2345678" in by_name.reason
    by_header = ingest_text(harbour, "renamed.txt", w.text())
    assert by_header.status == "rejected" and "header is for AAPT account 2345678" in by_header.reason


def test_malformed_lines_reported_and_the_rest_processed(harbour, writer):
    w = writer(harbour)
    w.call(record_id="OK1", special2="ACMEPTYLTD", price=10)
    w.call(record_id="BADTIME", when="20261301090000", special2="ACMEPTYLTD", price=10)
    w.call(record_id="BADUNITS", seconds="9x", special2="ACMEPTYLTD", price=10)
    w.call(record_id="", special2="ACMEPTYLTD", price=10)
    w.add_raw("GARBAGE line that is not a record", counts=False)
    w.call(record_id="OK2", special2="ACMEPTYLTD", price=10)
    carrier_file = ingest_text(harbour, HARBOUR, w.text())
    assert carrier_file.status == "processed_with_exceptions"
    assert (carrier_file.lines, carrier_file.rated, carrier_file.rejected) == (6, 2, 4)
    assert carrier_file.counts_add_up
    rejected = [(r.line_number, r.field) for r in RejectedLine.objects.order_by("line_number")]
    assert rejected == [(3, "trans_time"), (4, "raw_units"), (5, "record_id"), (6, "record_type")]
    bad_time = RejectedLine.objects.get(line_number=3)
    assert "not a YYYYMMDDhhmmss time: '20261301090000'" in bad_time.reason
    assert "unknown record type 'GARBAG'" in RejectedLine.objects.get(line_number=6).reason


def test_crlf_and_lf_alike(coastal):
    carrier_file = ingest_sample(coastal)  # the sample has CRLF line ends
    assert carrier_file.rated == 2
    assert not UsageRecord.objects.filter(record_id__contains="\r").exists()


def test_a_rejected_file_can_be_processed_again_once_fixed(harbour, writer):
    from usage.carrier_files.receive import carrier_file_process

    w = writer(harbour)
    w.call(record_id="X1", special2="ACMEPTYLTD")
    carrier_file = ingest_text(harbour, HARBOUR, w.text())
    assert carrier_file.status == "processed"
    assert carrier_file_process(carrier_file_id=carrier_file.pk).status == "processed"
    assert UsageRecord.objects.count() == 1
    assert CarrierFile.objects.get().rated == 1


def test_planner_statistics_refreshed_once_stale(harbour):
    from django.db import connection

    from usage.ctop.statistics import refresh_statistics_if_stale

    if connection.vendor != "postgresql":
        assert refresh_statistics_if_stale() is False
        return
    ingest_sample(harbour)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE usage_usagerecord")  # a known starting point
    assert refresh_statistics_if_stale() is False  # nothing changed since
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'usage_usagerecord'")
        assert cursor.fetchone()[0] >= 0
