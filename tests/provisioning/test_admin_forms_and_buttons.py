"""The provisioning admin's forms and buttons, each as a user meets them."""

import datetime

import pytest
from django.urls import reverse

from provisioning.actions.orders import order_start
from provisioning.admin.features import ActivateForm, CeaseForm, ChangeQuantityForm
from provisioning.admin.services import HostedNumberRangeForm
from provisioning.choices import OrderKindChoices as Kind
from provisioning.models import HostedNumberRange, Order, Service


@pytest.fixture
def acme_service(harbour) -> Service:
    return Service.objects.get(provider=harbour, reference="HV-1001")


@pytest.mark.parametrize(
    "first, last",
    [("abc", "def"), ("0370002199", "0370002100"), ("(03) 7000", "2199")],
)
def test_an_invalid_range_is_an_error_on_the_row_not_a_crash(acme_service, first, last):
    """Defect 1: a bad hosted number range raised ValueError ('no field named value')."""
    form = HostedNumberRangeForm(
        data={"first": first, "last": last, "active_from": "01/11/2026"},
        instance=HostedNumberRange(service=acme_service),
    )
    assert not form.is_valid()
    assert form.non_field_errors()


def test_activate_forms_take_dates_day_first(submit, client, harbour_provisioning):
    """Defect 15: the order's Activate page and the feature forms used the browser's
    own date field (month first in a US locale) beside errors in dd/mm/yyyy."""
    for form in (ActivateForm(), CeaseForm(), ChangeQuantityForm()):
        assert 'type="date"' not in str(form)
    assert ActivateForm({"active_from": "05/10/2026"}).is_valid()

    order = submit(Kind.NEW, requested_date=datetime.date(2026, 11, 20))
    order_start(order=Order.objects.get(pk=order.pk), acting_user=harbour_provisioning)
    client.force_login(harbour_provisioning)
    page = client.get(reverse("admin:provisioning_order_act", args=[order.pk, "complete"])).content.decode()
    assert 'type="date"' not in page
    assert 'value="20/11/2026"' in page


def test_a_features_buttons_are_the_operations_its_status_allows(client, harbour_billing, harbour_provisioning):
    """Unfold's detail actions on a feature: Activate… while requested (primary),
    Change quantity… and Cease… once active; none for staff who may not change it."""
    from provisioning.models import ServiceFeature

    feature = ServiceFeature.objects.filter(service__provider__slug="harbour-voice", status="active").first()
    url = reverse("admin:provisioning_servicefeature_change", args=[feature.pk])
    client.force_login(harbour_billing)
    body = client.get(url).content.decode()
    assert "Cease…" in body and "Change quantity…" in body and "Activate…" not in body
    cease = reverse("admin:provisioning_servicefeature_act_cease", args=[feature.pk])
    assert client.get(cease)["Location"] == reverse(
        "admin:provisioning_servicefeature_operation", args=[feature.pk, "cease"]
    )
    client.force_login(harbour_provisioning)
    assert "Cease…" not in client.get(url).content.decode()


def test_queue_rows_offer_assign_and_start_to_those_who_work_orders(
    client, submit, harbour_provisioning, harbour_billing
):
    """Unfold row actions in the queue: Assign to me, Start work (to its confirmation page)."""
    order = submit(Kind.NEW)
    queue = reverse("admin:provisioning_order_changelist")
    assign = reverse("admin:provisioning_order_act_assign", args=[order.pk])
    client.force_login(harbour_provisioning)
    body = client.get(queue).content.decode()
    assert f'href="{assign}"' in body
    assert client.get(assign)["Location"] == reverse("admin:provisioning_order_act", args=[order.pk, "assign"])
    client.force_login(harbour_billing)
    assert f'href="{assign}"' not in client.get(queue).content.decode()
