"""Quarantine: fix the cause, re-process, billed once; write off with a reason."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection

from provisioning.choices import PlanRateCategoryChoices, ServiceIdentifierKindChoices
from provisioning.models import PlanRate, Service, ServiceIdentifier
from tests.factories import ServiceIdentifierFactory
from tests.threads import run_together
from tests.usage.conftest import ingest_sample
from usage.carrier_files.models import CarrierFile
from usage.ctop.models import QuarantineAction, UsageRecord
from usage.ctop.quarantine import quarantine_cleanse, quarantine_write_off


def add_range(reference, value):
    ServiceIdentifierFactory(
        service=Service.objects.get(reference=reference), kind=ServiceIdentifierKindChoices.NUMBER_RANGE, value=value
    )


def test_cleanse_twice_bills_once(southern, superuser):
    carrier_file = ingest_sample(southern)
    assert carrier_file.quarantined == 2
    add_range("SW-2002", "0370002100-0370002199")  # the cause of 0370002150's quarantine

    first = quarantine_cleanse(provider=southern, acting_user=superuser)
    second = quarantine_cleanse(provider=southern, acting_user=superuser)

    assert (first.considered, first.rated, first.still_quarantined) == (2, 1, 1)
    assert (second.considered, second.rated) == (1, 0)
    record = UsageRecord.objects.get(record_id="SW0000000000000000006")
    assert (record.status, record.service.reference, record.charge) == (
        "rated",
        "SW-2002",
        Decimal("0.05"),
    )
    assert UsageRecord.objects.filter(status="rated").count() == 5
    carrier_file.refresh_from_db()
    assert (carrier_file.rated, carrier_file.quarantined) == (5, 1)
    assert carrier_file.charge_total == Decimal("0.60")
    assert carrier_file.counts_add_up


def test_what_still_fails_gets_its_new_reason(coastal):
    ingest_sample(coastal)
    # 0290005002@ssaas.aapt.com.au: give it to Coastal HQ, but not from the call's date.
    ServiceIdentifierFactory(
        service=Service.objects.get(reference="CC-3001"),
        kind=ServiceIdentifierKindChoices.USERNAME_REALM,
        value="0290005002@voice.coastal.com.au",
    )
    coastal.identification_method = "distinct_username"
    coastal.save()
    ServiceIdentifier.objects.create(
        service=Service.objects.get(reference="CC-3001"),
        kind=ServiceIdentifierKindChoices.FNN,
        value="0290005002",
        active_from=datetime.date(2026, 10, 1),
    )
    service = Service.objects.get(reference="CC-3001")
    service.start_date = datetime.date(2026, 11, 5)
    service.save()
    action = quarantine_cleanse(provider=coastal)
    assert action.still_quarantined == 1
    record = UsageRecord.objects.get(record_id="CC0000000000000000003")
    assert (record.status, record.reason, record.service_id) == (
        "quarantined",
        "no_active_period",
        service.pk,
    )


def test_adding_the_missing_rate_bills_the_call(coastal, writer):
    from tests.usage.conftest import ingest_text

    w = writer(coastal)
    w.call(record_id="N1", target="0298765432", seconds=30, special1="sales@voice.coastal.com.au")
    ingest_text(coastal, "CTOP_3456789_000002_20261103013000.txt", w.text())
    assert UsageRecord.objects.get(record_id="N1").reason == "no_price"
    PlanRate.objects.create(
        plan=Service.objects.get(reference="CC-3001").plan,
        category=PlanRateCategoryChoices.FIXED,
        flagfall=Decimal("0.18"),
        untimed=True,
    )
    call_command("cleanse", provider="coastal-comms", stdout=io.StringIO())
    assert UsageRecord.objects.get(record_id="N1").charge == Decimal("0.18")


def test_write_off_with_reason_recorded(harbour, harbour_billing):
    carrier_file = ingest_sample(harbour)
    record = UsageRecord.objects.get(status="quarantined")
    with pytest.raises(ValueError):
        quarantine_write_off(provider=harbour, acting_user=harbour_billing, record_ids=[record.pk], reason=" ")
    action = quarantine_write_off(
        provider=harbour,
        acting_user=harbour_billing,
        record_ids=[record.pk],
        reason="test group, not a customer",
    )
    record.refresh_from_db()
    assert (record.status, record.resolution_note, record.resolved_by) == (
        "written_off",
        "test group, not a customer",
        harbour_billing,
    )
    assert action.written_off == 1 and QuarantineAction.objects.count() == 1
    carrier_file.refresh_from_db()
    assert (carrier_file.quarantined, carrier_file.written_off) == (
        0,
        1,
    ) and carrier_file.counts_add_up
    # Written off stays written off: a cleanse does not bring it back.
    assert quarantine_cleanse(provider=harbour).considered == 0


@pytest.mark.django_db(transaction=True)
def test_two_cleanses_at_once_bill_once(southern):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; concurrency is PostgreSQL's case")
    ingest_sample(southern)
    add_range("SW-2002", "0370002100-0370002199")
    results = []

    def run():
        from django.db import connections

        results.append(quarantine_cleanse(provider=southern).rated)
        connections.close_all()

    run_together(run, run)
    assert sorted(results) == [0, 1]
    assert CarrierFile.objects.get().rated == 5


def test_a_record_written_off_between_read_and_update_is_not_counted_as_rated(southern, superuser, monkeypatch):
    """Issue 9: the counters came from what the cleanse planned, not from the rows its
    guarded UPDATE changed."""
    from usage.ctop import quarantine

    carrier_file = ingest_sample(southern)
    add_range("SW-2002", "0370002100-0370002199")
    record = UsageRecord.objects.get(record_id="SW0000000000000000006")
    planned = quarantine._Batches._outcomes

    def then_written_off(self, rows):
        outcome = planned(self, rows)
        # Another user writes the record off after the cleanse read it, before its update.
        quarantine_write_off(provider=southern, acting_user=superuser, record_ids=[record.pk], reason="disputed")
        return outcome

    monkeypatch.setattr(quarantine._Batches, "_outcomes", then_written_off)
    action = quarantine_cleanse(provider=southern, acting_user=superuser)

    assert action.rated == 0
    record.refresh_from_db()
    assert record.status == "written_off" and record.charge is None
    carrier_file.refresh_from_db()
    assert (carrier_file.rated, carrier_file.quarantined, carrier_file.written_off) == (4, 1, 1)
    assert carrier_file.charge_total == Decimal("0.55")
    assert carrier_file.counts_add_up
