"""A closed bill period is closed for everyone: reopening, re-cutting, moving or
deleting it is refused by the period writer, by every admin path (its change
form, the provider page's inline, "Delete selected") for every role, and by the
database itself; no new period may overlap it.

A provider whose October 2026 is closed (its bill run billed it) and November open.
"""

from __future__ import annotations

import datetime

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from providers.models import BillPeriod
from providers.periods import bill_period_delete, bill_period_save
from ssaas.roles import BILLING_STAFF, PROVIDER_ADMINISTRATORS, PROVISIONING_STAFF
from tests.factories import BillPeriodFactory, ProviderFactory, SuperuserFactory, UserFactory

OCT_1, OCT_15, OCT_16, OCT_31 = (datetime.date(2026, 10, d) for d in (1, 15, 16, 31))
REOPEN = "Bay Voice's bill period October 2026 is closed: it cannot be reopened."
RECUT = "Bay Voice's bill period October 2026 (01/10/2026–31/10/2026) is closed: its dates cannot change."
BY_ADJUSTMENT = "Correct a closed month with an adjustment in the next open period."


@pytest.fixture
def bay(db):
    return ProviderFactory(name="Bay Voice", slug="bay-voice", aapt_account="7654321")


@pytest.fixture
def october(bay) -> BillPeriod:
    return BillPeriodFactory(provider=bay, month="2026-10", closed=True)


@pytest.fixture
def november(bay) -> BillPeriod:
    return BillPeriodFactory(provider=bay, month="2026-11")


def unchanged(period: BillPeriod) -> bool:
    stored = BillPeriod.objects.get(pk=period.pk)
    return (stored.start_date, stored.end_date, stored.status) == (OCT_1, OCT_31, "closed")


@pytest.fixture(params=["superuser", PROVIDER_ADMINISTRATORS, BILLING_STAFF, PROVISIONING_STAFF])
def staff(request, bay):
    if request.param == "superuser":
        return SuperuserFactory()
    return UserFactory(role=request.param, providers=[bay])


# ---------------------------------------------------------------------------
# The writer
# ---------------------------------------------------------------------------


def test_the_writer_refuses_to_reopen_a_closed_period(october):
    october.status = "open"
    with pytest.raises(ValidationError) as refused:
        bill_period_save(period=october, acting_user=None)
    assert refused.value.message_dict["status"] == [f"{REOPEN} {BY_ADJUSTMENT}"]
    assert unchanged(october)


@pytest.mark.parametrize(
    ("field", "value"),
    [("end_date", OCT_15), ("start_date", datetime.date(2026, 10, 2)), ("end_date", datetime.date(2026, 11, 1))],
)
def test_the_writer_refuses_to_shrink_move_or_stretch_a_closed_period(october, field, value):
    setattr(october, field, value)
    with pytest.raises(ValidationError) as refused:
        bill_period_save(period=october, acting_user=None)
    assert refused.value.message_dict[field] == [f"{RECUT} {BY_ADJUSTMENT}"]
    assert unchanged(october)


def test_the_writer_refuses_a_new_period_overlapping_a_closed_one(bay, october):
    with pytest.raises(ValidationError) as refused:
        bill_period_save(period=BillPeriod(provider=bay, start_date=OCT_16, end_date=OCT_31), acting_user=None)
    assert refused.value.message_dict["start_date"] == ["Overlaps the bill period October 2026 of Bay Voice."]
    assert BillPeriod.objects.filter(provider=bay).count() == 1


def test_the_writer_refuses_to_delete_a_closed_period_and_deletes_an_open_one(october, november):
    with pytest.raises(ValidationError, match="is closed: it cannot be deleted"):
        bill_period_delete(period=october, acting_user=None)
    bill_period_delete(period=november, acting_user=None)
    assert list(BillPeriod.objects.all()) == [october]


def test_an_open_period_is_closed_by_its_bill_run_not_by_an_edit(november):
    november.status = "closed"
    with pytest.raises(ValidationError) as refused:
        bill_period_save(period=november, acting_user=None)
    assert "is closed by its bill run" in refused.value.message_dict["status"][0]
    assert BillPeriod.objects.get(pk=november.pk).status == "open"


def test_a_month_billed_before_this_system_may_be_added_closed(bay):
    period = bill_period_save(
        period=BillPeriod(provider=bay, start_date=OCT_1, end_date=OCT_31, status="closed"), acting_user=None
    )
    assert BillPeriod.objects.get(pk=period.pk).is_closed


@pytest.mark.parametrize(
    "change", [{"status": "open"}, {"end_date": OCT_15}, {"start_date": datetime.date(2026, 9, 1)}]
)
def test_the_database_refuses_to_change_a_closed_period_whatever_writes_it(october, change):
    with pytest.raises(IntegrityError, match="bill period is closed"), transaction.atomic():
        BillPeriod.objects.filter(pk=october.pk).update(**change)
    assert unchanged(october)


def test_the_database_lets_an_open_period_change_and_close(november):
    BillPeriod.objects.filter(pk=november.pk).update(end_date=datetime.date(2026, 11, 29))
    BillPeriod.objects.filter(pk=november.pk).update(status="closed")
    assert BillPeriod.objects.get(pk=november.pk).is_closed


# ---------------------------------------------------------------------------
# The admin, for every role
# ---------------------------------------------------------------------------


def period_form(period: BillPeriod, **changes) -> dict:
    data = {
        "provider": period.provider_id,
        "start_date": f"{period.start_date:%d/%m/%Y}",
        "end_date": f"{period.end_date:%d/%m/%Y}",
        "status": period.status,
    }
    data.update(changes)
    return data


@pytest.mark.parametrize("changes", [{"status": "open"}, {"end_date": "15/10/2026"}])
def test_no_role_can_reopen_or_recut_a_closed_period_on_its_page(client, staff, october, changes):
    client.force_login(staff)
    url = reverse("admin:providers_billperiod_change", args=[october.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="end_date"' not in page.content.decode()  # read-only: the dates shown, not offered
    assert client.post(url, period_form(october, **changes)).status_code == 403
    assert unchanged(october)


def test_no_role_can_delete_a_closed_period(client, staff, october):
    client.force_login(staff)
    url = reverse("admin:providers_billperiod_delete", args=[october.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    changelist = reverse("admin:providers_billperiod_changelist")
    response = client.post(
        changelist, {"action": "delete_selected", ACTION_CHECKBOX_NAME: [october.pk], "post": "yes"}, follow=True
    )
    assert response.status_code in (200, 403)
    assert unchanged(october)


def test_delete_selected_refuses_a_closed_period_among_open_ones_all_or_nothing(admin_client, october, november):
    response = admin_client.post(
        reverse("admin:providers_billperiod_changelist"),
        {"action": "delete_selected", ACTION_CHECKBOX_NAME: [october.pk, november.pk], "post": "yes"},
        follow=True,
    )
    assert "October 2026 is closed: it cannot be deleted" in response.content.decode()
    assert BillPeriod.objects.count() == 2 and unchanged(october)


def test_the_provider_pages_periods_are_read_only(client, bay, october):
    """The provider page lists its periods; its form cannot reopen one."""
    administrator = UserFactory(role=PROVIDER_ADMINISTRATORS, providers=[bay])
    client.force_login(administrator)
    url = reverse("admin:providers_provider_change", args=[bay.pk])
    body = client.get(url).content.decode()
    assert "October" in body or "01/10/2026" in body
    assert 'name="bill_periods-0-status"' not in body


def test_an_added_period_overlapping_a_closed_one_is_a_form_error(client, bay, october):
    administrator = UserFactory(role=PROVIDER_ADMINISTRATORS, providers=[bay])
    client.force_login(administrator)
    response = client.post(
        reverse("admin:providers_billperiod_add"),
        {"provider": bay.pk, "start_date": "16/10/2026", "end_date": "31/10/2026", "status": "open"},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["start_date"] == [
        "Overlaps the bill period October 2026 of Bay Voice."
    ]
    assert BillPeriod.objects.filter(provider=bay).count() == 1


def test_an_open_periods_dates_can_be_corrected_but_not_its_status(client, bay, november):
    administrator = UserFactory(role=PROVIDER_ADMINISTRATORS, providers=[bay])
    client.force_login(administrator)
    url = reverse("admin:providers_billperiod_change", args=[november.pk])
    response = client.post(url, period_form(november, end_date="29/11/2026", status="closed"))
    assert response.status_code == 302
    stored = BillPeriod.objects.get(pk=november.pk)
    assert (stored.end_date, stored.status) == (datetime.date(2026, 11, 29), "open")
