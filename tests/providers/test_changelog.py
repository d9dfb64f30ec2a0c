"""The change log's recording (providers/changelog.py): every writer records who
acted and why, a command or the worker records the system, and the hot paths
record nothing.

Each test reads the rows back as billing staff would: who, when, the record, and
each field's value before and after, as the admin shows them."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.utils import timezone

from providers.changelog import recorded, tracked_models
from providers.changelog_admin import ValueNames
from providers.models import BillPeriod, ChangeLogEntry
from provisioning.actions.identifiers import service_identifier_end, service_identifier_save
from provisioning.actions.orders import IdentifierLine, order_complete, order_create, order_start
from provisioning.choices import OrderKindChoices
from provisioning.choices import PlanRateCategoryChoices as Category
from provisioning.choices import ServiceIdentifierKindChoices as IdKind
from provisioning.models import HostedNumberRange, PlanRate, Service, ServiceIdentifier, ServicePlan
from tests.billing import close_period
from tests.factories import SuperuserFactory
from tests.provisioning.onboarding.onboarding_files import CLEAN_HARBOUR, workbook
from tests.ssaas.admin_world import SAMPLE_CTOP, take_sample
from usage.billing.models import BillRunLine
from usage.billing.services import adjustment_add
from usage.carrier_files.models import CarrierFile
from usage.ctop.models import QuarantinedRecord, UsageRecord

OCT_31 = datetime.date(2026, 10, 31)
NOV_1 = datetime.date(2026, 11, 1)


def rows_of(obj) -> list[ChangeLogEntry]:
    content_type = ContentType.objects.get_for_model(obj)
    return list(ChangeLogEntry.objects.filter(content_type=content_type, object_id=obj.pk).order_by("timestamp", "pk"))


def updates_of(obj) -> list[ChangeLogEntry]:
    return [e for e in rows_of(obj) if e.action == ChangeLogEntry.Action.UPDATE]


def shown(entry: ChangeLogEntry, user) -> dict[str, tuple[str, str]]:
    """``{field: (before, after)}`` as the admin shows ``entry`` to ``user``."""
    return {field: (before, after) for field, before, after in ValueNames(user).changes(entry)}


# ---------------------------------------------------------------------------
# The writers record who acted
# ---------------------------------------------------------------------------


def test_an_identifiers_end_date_set_by_its_writer_is_logged_with_who_when_before_and_after(
    harbour_setup, harbour_billing
):
    identifier = ServiceIdentifier.objects.filter(service=harbour_setup.acme_service).first()
    before = timezone.now()

    service_identifier_end(identifier=identifier, active_to=OCT_31, acting_user=harbour_billing)

    (entry,) = updates_of(identifier)
    assert entry.who == "hv-bill" and entry.actor == harbour_billing
    assert entry.timestamp >= before
    assert entry.provider == harbour_setup.provider
    assert shown(entry, harbour_billing) == {"active to": ("—", "31/10/2026")}


def test_a_hosted_number_ranges_dates_are_logged_on_the_identifier_it_is(harbour_setup, harbour_billing):
    """A range saved as a HostedNumberRange (the service page's range rows) is logged
    like any identifier, under the identifier's own kind of record."""
    numbers = HostedNumberRange.objects.get(service=harbour_setup.acme_service)
    numbers.active_to = OCT_31

    service_identifier_save(identifier=numbers, acting_user=harbour_billing)

    (entry,) = updates_of(ServiceIdentifier.objects.get(pk=numbers.pk))
    assert entry.who == "hv-bill"
    assert shown(entry, harbour_billing) == {"active to": ("—", "31/10/2026")}
    assert entry.parent_id == harbour_setup.acme_service.pk


def test_closing_a_bill_period_logs_its_status_as_done_by_whoever_asked_for_the_run(harbour_setup, harbour_billing):
    october = harbour_setup.periods["2026-10"]

    run = close_period(period=october, acting_user=harbour_billing)

    (entry,) = updates_of(october)
    assert entry.who == "hv-bill"
    assert shown(entry, harbour_billing) == {"status": ("Open", "Closed")}
    assert entry.note == f"Bill run #{run.pk} of October 2026."
    assert entry.provider == harbour_setup.provider


def test_an_adjustment_is_logged_as_its_writers_acting_user(harbour_setup, harbour_billing):
    adjustment = adjustment_add(
        service=harbour_setup.acme_service,
        date=datetime.date(2026, 10, 12),
        amount=Decimal("-5.00"),
        reason="Outage credit",
        acting_user=harbour_billing,
    )

    (entry,) = rows_of(adjustment)
    assert entry.action == ChangeLogEntry.Action.CREATE and entry.who == "hv-bill"
    changes = shown(entry, harbour_billing)
    assert changes["amount (ex GST)"] == ("—", "-5.00")
    assert changes["reason"] == ("—", "Outage credit")


def test_completing_an_order_names_the_order_on_every_change_it_makes(harbour_setup, harbour_provisioning):
    order = order_create(
        kind=OrderKindChoices.NEW,
        customer=harbour_setup.acme,
        acting_user=harbour_provisioning,
        requested_plan=harbour_setup.plan,
        service_reference="HV-2001",
        identifiers=[IdentifierLine(IdKind.FNN, "0290007000")],
    )
    order = order_start(order=order, acting_user=harbour_provisioning)

    order_complete(order=order, acting_user=harbour_provisioning, effective_date=NOV_1)

    service = Service.objects.get(reference="HV-2001")
    identifier = service.identifiers.get()
    for entry in rows_of(service) + rows_of(identifier):
        assert entry.who == "hv-prov"
        assert entry.note == f"Order #{order.pk}: New service."
    assert shown(rows_of(identifier)[0], harbour_provisioning)["active from"] == ("—", "01/11/2026")


def test_an_update_that_changes_no_value_leaves_no_row(harbour_setup):
    rate = PlanRate.objects.filter(plan=harbour_setup.plan).first()
    rate.flagfall = Decimal(str(rate.flagfall.normalize()))  # "0.1" for the "0.1000" stored
    rate.save()
    rate.flagfall += Decimal("0.05")
    rate.save()

    changed = updates_of(rate)
    assert len(changed) == 1
    assert list(changed[0].changes) == ["flagfall"]


def test_a_row_whose_name_cannot_be_made_is_still_saved_and_logged(harbour_setup):
    """A price assigned as text (as bench/common.py does) breaks PlanRate.__str__
    until it is read back: the save must not fail for the change log's sake."""
    rate = PlanRate.objects.create(
        plan=harbour_setup.plan,
        category=Category.PREMIUM,
        rate_per_minute="0.3000",
        untimed=False,
        initial_increment=30,
        subsequent_increment=30,
    )

    (entry,) = rows_of(rate)
    assert entry.object_repr == f"plan rate #{rate.pk}"


# ---------------------------------------------------------------------------
# With no user: the system
# ---------------------------------------------------------------------------


def test_an_onboarding_import_at_the_shell_leaves_system_rows_naming_its_file(harbour, tmp_path, monkeypatch):
    monkeypatch.setattr("django.core.management.base.connections.close_all", lambda: None)
    path = tmp_path / "onboarding.xlsx"
    path.write_bytes(workbook(CLEAN_HARBOUR).getvalue())

    call_command("import_onboarding", str(path), "--provider", harbour.slug)

    plan = ServicePlan.objects.get(provider=harbour, name="Onboarded Voice")
    entries = rows_of(plan) + [e for rate in plan.rates.all() for e in rows_of(rate)]
    assert len(entries) == 4  # the plan and its three rates
    for entry in entries:
        assert entry.actor is None and entry.who == "system"
        assert entry.note == "Onboarding import of onboarding.xlsx."
        assert entry.provider == harbour


def test_a_close_on_the_worker_with_no_requester_is_the_systems(harbour_setup):
    october = harbour_setup.periods["2026-10"]

    close_period(period=october, acting_user=None)

    (entry,) = updates_of(october)
    assert entry.actor is None and entry.who == "system"


# ---------------------------------------------------------------------------
# The context
# ---------------------------------------------------------------------------


def test_an_inner_context_keeps_the_outer_ones_user_and_note_and_gives_them_back(harbour_setup, harbour_billing):
    """auditlog's own set_actor loses the outer context once a nested one ends: a
    writer called inside a request would leave the rest of the request's changes
    with nobody. Ours gives it back."""
    plan = harbour_setup.plan
    other = SuperuserFactory(username="operator")
    with recorded(harbour_billing, note="Rates of 1 November."):
        with recorded(None):
            plan.description = "inner"
            plan.save()
        with recorded(other, note="Checked."):
            plan.description = "second"
            plan.save()
        plan.description = "after"
        plan.save()

    inner, second, after = updates_of(plan)
    assert (inner.who, inner.note) == ("hv-bill", "Rates of 1 November.")
    assert (second.who, second.note) == ("operator", "Checked.")
    assert (after.who, after.note) == ("hv-bill", "Rates of 1 November.")


# ---------------------------------------------------------------------------
# What is not tracked
# ---------------------------------------------------------------------------


def test_usage_carrier_files_and_bill_run_lines_are_never_tracked():
    assert not {UsageRecord, QuarantinedRecord, CarrierFile, BillRunLine} & set(tracked_models())
    assert {BillPeriod, PlanRate, ServiceIdentifier, Service, ServicePlan} <= set(tracked_models())


@pytest.mark.django_db
def test_taking_a_ctop_file_writes_no_change_log_row(harbour_setup):
    before = ChangeLogEntry.objects.count()

    carrier_file = take_sample(harbour_setup.provider, SAMPLE_CTOP["harbour"])

    assert UsageRecord.objects.filter(carrier_file=carrier_file).exists()
    assert ChangeLogEntry.objects.count() == before
