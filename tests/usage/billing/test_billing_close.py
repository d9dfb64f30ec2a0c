"""Closing a bill period: every call, recurring day and adjustment billed in
exactly one run; billed records frozen; late usage billed in the next run."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from providers.models import BillPeriod
from provisioning.actions import features
from provisioning.choices import PlanRateCategoryChoices
from provisioning.models import FeatureProduct, PlanRate, Service, ServiceFeature
from tests.billing import billed_by, close_period
from tests.threads import run_together
from tests.usage.billing.helpers import add_calls, outage_credit, period, set_prices
from usage.billing import services as billing
from usage.billing.models import Adjustment, BillRun, BillRunLine
from usage.billing.selectors import bill_lines, period_outstanding, run_usage
from usage.ctop.models import UsageRecord
from usage.ctop.quarantine import quarantine_cleanse, quarantine_write_off

pytestmark = pytest.mark.django_db

OCT_CALLS = [
    ("OCT-1", "20261005090000", "ACMEPTYLTD", "0298765432", 60),  # fixed 0.15
    ("OCT-2", "20261006090000", "ACMEPTYLTD", "0412345678", 95),  # mobile 120 s → 0.24
    ("OCT-3", "20261007090000", "BLUEGUMCAFE", "0298765432", 30),  # fixed 0.15
]
NOV_CALLS = [("NOV-1", "20261103090000", "BLUEGUMCAFE", "0298765432", 30)]


@pytest.fixture
def october(harbour, writer):
    set_prices(harbour)
    add_calls(harbour, writer, OCT_CALLS + NOV_CALLS)
    return period(harbour, "2026-10")


def billed(record_id: str) -> BillRun | None:
    return billed_by(UsageRecord.objects.get(record_id=record_id))


def usage_lines(run: BillRun) -> list[tuple]:
    return sorted(
        (line.service.reference, line.kind, line.category, line.quantity, line.amount, line.first_date)
        for line in run.lines.filter(kind__in=["usage", "late_usage"])
    )


def test_close_bills_the_periods_calls_features_and_adjustments_once(harbour, harbour_billing, october):
    outage_credit(harbour_billing)
    run = close_period(period=october, acting_user=harbour_billing)
    october.refresh_from_db()
    assert (run.status, october.status) == ("done", "closed")
    assert {r: billed(r) for r in ("OCT-1", "OCT-2", "OCT-3", "NOV-1")} == {
        "OCT-1": run,
        "OCT-2": run,
        "OCT-3": run,
        "NOV-1": None,
    }
    assert usage_lines(run) == [
        ("HV-1001", "usage", "fixed", 1, Decimal("0.15"), datetime.date(2026, 10, 5)),
        ("HV-1001", "usage", "mobile", 1, Decimal("0.24"), datetime.date(2026, 10, 6)),
        ("HV-1002", "usage", "fixed", 1, Decimal("0.15"), datetime.date(2026, 10, 7)),
    ]
    invoices = {i.customer.name: (i.number, i.total_ex_gst, i.gst, i.total_inc_gst) for i in run.invoices.all()}
    # Acme: 0.39 calls + 120.00 + 40.00 packs − 5.00 = 155.39, GST 15.539 → 15.54
    # Bluegum: 0.15 + 45.00 SIP Sessions = 45.15, GST 4.515 → 4.52 (half-up per invoice)
    assert invoices == {
        "Acme Pty Ltd": ("INV-1", Decimal("155.39"), Decimal("15.54"), Decimal("170.93")),
        "Bluegum Cafe": ("INV-2", Decimal("45.15"), Decimal("4.52"), Decimal("49.67")),
    }
    assert Adjustment.objects.get().bill_run == run
    harbour.refresh_from_db()
    assert harbour.invoice_next_number == 3

    # Idempotent: closing again changes nothing and returns the same run.
    lines = BillRunLine.objects.count()
    assert close_period(period=october, acting_user=harbour_billing) == run
    assert BillRunLine.objects.count() == lines and BillRun.objects.count() == 1


def test_late_usage_is_billed_in_the_next_run_with_its_own_date(harbour, harbour_billing, writer, october):
    oct_run = close_period(period=october, acting_user=harbour_billing)
    add_calls(harbour, writer, [("LATE-1", "20261020120000", "ACMEPTYLTD", "0298765432", 10)])
    assert billed("LATE-1") is None
    nov_run = close_period(period=period(harbour, "2026-11"), acting_user=harbour_billing)
    assert billed("LATE-1") == nov_run and billed("NOV-1") == nov_run
    assert usage_lines(nov_run) == [
        ("HV-1001", "late_usage", "fixed", 1, Decimal("0.15"), datetime.date(2026, 10, 20)),
        ("HV-1002", "usage", "fixed", 1, Decimal("0.15"), datetime.date(2026, 11, 3)),
    ]
    assert nov_run.late_calls == 1
    assert "Late calls dated 20/10/2026" in nov_run.lines.get(kind="late_usage").description
    # Every rated record up to November's end is billed, each in one run.
    rated = UsageRecord.objects.filter(status="rated")
    assert all(billed_by(record) in (oct_run, nov_run) for record in rated)
    assert oct_run.calls + nov_run.calls == rated.count()
    assert run_usage(oct_run).count() + run_usage(nov_run).count() == rated.count()


def test_a_record_cleansed_after_close_is_late_in_the_next_run(harbour, harbour_billing, writer, october):
    # A premium call has no price on Business Voice: quarantined, listed as outstanding.
    add_calls(harbour, writer, [("PREM-1", "20261012100000", "ACMEPTYLTD", "1900123456", 60)])
    assert UsageRecord.objects.get(record_id="PREM-1").status == "quarantined"
    assert [i["kind"] for i in period_outstanding(october)] == ["quarantine"]
    oct_run = close_period(period=october, acting_user=harbour_billing)
    assert oct_run.outstanding[0]["kind"] == "quarantine" and oct_run.outstanding[0]["count"] == 1
    PlanRate.objects.create(
        plan=Service.objects.get(reference="HV-1001").plan,
        category=PlanRateCategoryChoices.PREMIUM,
        flagfall=Decimal("1.00"),
        untimed=True,
    )
    assert quarantine_cleanse(provider=harbour).rated == 1
    nov_run = close_period(period=period(harbour, "2026-11"), acting_user=harbour_billing)
    assert billed("PREM-1") == nov_run
    assert ("HV-1001", "late_usage", "premium", 1, Decimal("1.00"), datetime.date(2026, 10, 12)) in usage_lines(nov_run)


def test_a_billed_record_is_frozen(harbour, harbour_billing, october):
    run = close_period(period=october, acting_user=harbour_billing)
    record = UsageRecord.objects.get(record_id="OCT-1")
    before = (record.status, record.charge, record.service_id, record.rated_seq)
    # A write-off attempt on a billed record writes nothing off.
    action = quarantine_write_off(provider=harbour, acting_user=harbour_billing, record_ids=[record.pk], reason="x")
    assert action.written_off == 0
    # Rate and identifier changes, and a cleanse, leave it as billed.
    PlanRate.objects.filter(plan=record.plan, category="fixed").update(flagfall=Decimal("9.99"))
    Service.objects.get(reference="HV-1001").identifiers.all().delete()
    quarantine_cleanse(provider=harbour)
    record.refresh_from_db()
    assert (record.status, record.charge, record.service_id, record.rated_seq) == before
    assert billed_by(record) == run
    # The database itself refuses a billed record leaving "rated".
    with pytest.raises(IntegrityError), transaction.atomic():
        UsageRecord.objects.filter(pk=record.pk).update(status="written_off")


def test_a_billed_service_or_product_cannot_be_deleted(harbour, harbour_billing, october):
    """The database does not check a line's references (the close writes tens of
    thousands at once); deleting what a line bills is still refused."""
    run = close_period(period=october, acting_user=harbour_billing)
    line = run.lines.filter(kind="recurring").select_related("service", "product").first()
    for billed_thing in (line.service, line.product):
        with pytest.raises(ProtectedError) as refused, transaction.atomic():
            billed_thing.delete()
        assert line in refused.value.protected_objects
    assert BillRunLine.objects.filter(pk=line.pk, service=line.service, product=line.product).exists()


def test_nothing_is_dated_into_a_closed_period_one_message(harbour, harbour_billing, october):
    close_period(period=october, acting_user=harbour_billing)
    acme = Service.objects.get(reference="HV-1001")
    message = "inside Harbour Voice's closed bill period October 2026"
    with pytest.raises(ValidationError, match=message):
        billing.adjustment_add(
            service=acme, date=datetime.date(2026, 10, 31), amount=Decimal("1"), reason="x", acting_user=None
        )
    packs = ServiceFeature.objects.get(service=acme, product__element_id="501001")
    with pytest.raises(ValidationError, match=message):
        features.service_feature_cease(feature=packs, active_to=datetime.date(2026, 10, 20), acting_user=None)
    sip = FeatureProduct.objects.get(provider=harbour, element_id="502001")
    with pytest.raises(ValidationError, match=message):
        features.service_feature_add(
            service=acme, product=sip, quantity=1, active_from=datetime.date(2026, 10, 2), acting_user=None
        )


def test_periods_close_in_order(harbour, harbour_billing, october):
    with pytest.raises(ValidationError, match="October 2026 is still open: close the periods in order"):
        close_period(period=period(harbour, "2026-11"), acting_user=harbour_billing)
    assert not BillRun.objects.exists()


def test_a_failure_mid_close_leaves_nothing_billed_and_a_rerun_succeeds(harbour, harbour_billing, october, monkeypatch):
    def fail(run):
        raise RuntimeError("disk full")

    monkeypatch.setattr(billing, "_after_usage_marked", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        close_period(period=october, acting_user=harbour_billing)
    october.refresh_from_db()
    run = BillRun.objects.get()
    assert (october.status, run.status, run.error) == ("open", "failed", "disk full")
    assert [billed(r) for r in ("OCT-1", "OCT-2", "OCT-3")] == [None, None, None]
    assert not BillRunLine.objects.exists() and not run.invoices.exists()
    harbour.refresh_from_db()
    assert harbour.invoice_next_number == 1

    monkeypatch.undo()
    again = close_period(period=october, acting_user=harbour_billing)
    assert (again.pk, again.status, again.calls) == (run.pk, "done", 3)
    assert billed("OCT-1") == again


def test_the_preview_is_what_the_close_bills(harbour, harbour_billing, october):
    preview = [(d.customer.name, d.total_ex_gst, len(d.lines)) for d in bill_lines(october)]
    run = close_period(period=october, acting_user=harbour_billing)
    closed = [(i.customer.name, i.total_ex_gst, i.lines.count()) for i in run.invoices.order_by("number")]
    assert preview == closed


@pytest.mark.django_db(transaction=True)
def test_two_closes_at_once_make_one_run(harbour, writer):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; concurrency is PostgreSQL's case")
    set_prices(harbour)
    add_calls(harbour, writer, OCT_CALLS)
    october = BillPeriod.objects.get(provider=harbour, start_date=datetime.date(2026, 10, 1))
    runs, errors = [], []
    barrier = threading.Barrier(2)

    def close():
        from django.db import connections

        try:
            barrier.wait()
            runs.append(close_period(period=october, acting_user=None).pk)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    run_together(close, close)
    assert not errors
    assert len(set(runs)) == 1 and BillRun.objects.count() == 1
    run = BillRun.objects.get()
    assert run.invoices.count() == 2 and run.calls == 3
    assert run_usage(run).count() == 3


@pytest.mark.django_db(transaction=True)
def test_a_close_waits_for_a_rating_transaction_and_bills_what_it_committed(harbour, writer):
    """The commit-order rule: a rating transaction (here ingest-like: provider row
    FOR UPDATE, then its rating value, then its records) that is in flight when a
    close starts makes the close wait, and what it commits is billed by that
    close, once; had the close drawn its watermark meanwhile, the record's lower
    value, committed after the close read the usage, would never be billed."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; concurrency is PostgreSQL's case")
    from django.db import connections

    from providers.models import Provider
    from usage.ctop.rated_seq import next_rated_seq

    set_prices(harbour)
    add_calls(harbour, writer, OCT_CALLS)
    october = BillPeriod.objects.get(provider=harbour, start_date=datetime.date(2026, 10, 1))
    # Requested first: inserting the run (its provider key) would wait for the lock itself.
    requested = billing.bill_run_request(period=october, acting_user=None)
    locked, go = threading.Event(), threading.Event()
    runs, errors = [], []

    def rate():
        try:
            with transaction.atomic():
                Provider.objects.select_for_update().get(pk=harbour.pk)
                seq = next_rated_seq()
                locked.set()
                go.wait(10)
                record = UsageRecord.objects.get(record_id="OCT-1")
                record.pk, record.record_id, record.rated_seq = None, "RACE-1", seq
                record.save()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    def close():
        try:
            runs.append(billing.bill_run_execute(run_id=requested.pk))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    rating = threading.Thread(target=rate)
    rating.start()
    assert locked.wait(10)
    closing = threading.Thread(target=close)
    closing.start()
    closing.join(1.5)
    assert closing.is_alive(), "the close did not wait for the rating transaction"
    go.set()
    rating.join()
    closing.join()
    assert not errors
    (run,) = runs
    assert run.calls == 4 and billed("RACE-1") == run
    november = close_period(period=period(harbour, "2026-11"), acting_user=None)
    assert november.calls == 0 and billed("RACE-1") == run
