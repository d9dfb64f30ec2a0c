"""Service features: activated, changed and ceased by billing staff, recorded."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from provisioning.actions import features
from provisioning.models import FeatureProduct, Service, ServiceFeature, ServiceFeatureChange
from tests.setups import day

OCT_1, OCT_31 = datetime.date(2026, 10, 1), datetime.date(2026, 10, 31)


@pytest.fixture
def standard(harbour):
    return FeatureProduct.objects.get(provider=harbour, element_id="501001")


def history(feature) -> list[tuple]:
    return [
        (c.action, c.effective_date, c.quantity_before, c.quantity_after, c.acting_user.username)
        for c in feature.changes.order_by("at", "pk")
    ]


@pytest.mark.django_db
def test_request_activate_cease_each_recorded(acme_service, standard, harbour_billing):
    feature = features.service_feature_add(
        service=acme_service, product=standard, quantity=2, acting_user=harbour_billing
    )
    assert feature.status == "requested" and feature.active_days(OCT_1, OCT_31) == 0
    features.service_feature_activate(feature=feature, active_from=day("2026-10-11"), acting_user=harbour_billing)
    feature = features.service_feature_cease(feature=feature, active_to=day("2026-10-20"), acting_user=harbour_billing)
    assert (feature.status, feature.activated_by) == ("ceased", harbour_billing)
    assert feature.active_days(OCT_1, OCT_31) == 10
    assert history(feature)[1:] == [
        ("activated", day("2026-10-11"), None, 2, "hv-bill"),
        ("ceased", day("2026-10-20"), 2, None, "hv-bill"),
    ]
    with pytest.raises(ValidationError, match="only an active feature ceases"):
        features.service_feature_cease(feature=feature, active_to=OCT_31, acting_user=None)


@pytest.mark.django_db
def test_a_quantity_change_mid_period_is_pro_rated(acme_service, harbour_billing):
    packs = ServiceFeature.objects.get(service=acme_service, product__element_id="501001")
    changed = features.service_feature_change_quantity(
        feature=packs,
        quantity=10,
        effective_from=day("2026-10-21"),
        acting_user=harbour_billing,
    )
    packs.refresh_from_db()
    assert (packs.quantity, packs.status, packs.active_to) == (12, "ceased", day("2026-10-20"))
    assert (changed.quantity, changed.status, changed.active_from) == (
        10,
        "active",
        day("2026-10-21"),
    )
    unit_days = sum(
        f.quantity * f.active_days(OCT_1, OCT_31)
        for f in ServiceFeature.objects.filter(service=acme_service, product__element_id="501001")
    )
    assert unit_days == 12 * 20 + 10 * 11
    assert history(changed) == [("quantity_changed", day("2026-10-21"), 12, 10, "hv-bill")]


@pytest.mark.django_db
def test_nothing_changes_inside_a_closed_bill_period(acme_service, standard, harbour_billing):
    recorded = ServiceFeatureChange.objects.count()
    with pytest.raises(ValidationError, match="closed bill period September 2026"):
        features.service_feature_add(
            service=acme_service,
            product=standard,
            quantity=1,
            active_from=day("2026-09-15"),
            acting_user=harbour_billing,
        )
    august = ServiceFeature.objects.create(
        service=acme_service, product=standard, status="active", active_from=day("2026-08-01")
    )
    with pytest.raises(ValidationError, match="closed bill period"):
        features.service_feature_cease(feature=august, active_to=day("2026-09-20"), acting_user=harbour_billing)
    assert ServiceFeatureChange.objects.count() == recorded


@pytest.mark.django_db
def test_bulk_activate_and_cease_from_the_list(billing_client, acme_service, standard, harbour):
    bluegum = Service.objects.get(reference="HV-1002")
    requested = [
        features.service_feature_add(service=s, product=standard, quantity=1, acting_user=None)
        for s in (acme_service, bluegum)
    ]
    url = reverse("admin:provisioning_servicefeature_changelist")
    ids = [f.pk for f in requested]
    form = billing_client.post(url, {"action": "activate_selected", "_selected_action": ids})
    assert form.status_code == 200 and "Activate 2 features" in form.content.decode()
    done = billing_client.post(
        url,
        {
            "action": "activate_selected",
            "_selected_action": ids,
            "apply": "1",
            "active_from": "2026-10-05",
            "note": "Order 42",
        },
        follow=True,
    )
    assert "Activate 2 features: done, and recorded." in done.content.decode()
    for feature in ServiceFeature.objects.filter(pk__in=ids):
        assert (feature.status, feature.active_from) == ("active", day("2026-10-05"))
        assert feature.changes.get(action="activated").note == "Order 42"

    # One cannot cease before it started: none of the selection is ceased.
    refused = billing_client.post(
        url,
        {
            "action": "cease_selected",
            "_selected_action": ids + [ServiceFeature.objects.get(product__element_id="502001").pk],
            "apply": "1",
            "active_to": "2026-10-03",
        },
    )
    assert "it cannot cease before" in refused.content.decode()
    assert not ServiceFeature.objects.filter(status="ceased").exists()


@pytest.mark.django_db
def test_change_one_feature_from_its_page(billing_client, acme_service):
    packs = ServiceFeature.objects.get(service=acme_service, product__element_id="501001")
    page = billing_client.get(reverse("admin:provisioning_servicefeature_change", args=[packs.pk]))
    body = page.content.decode()
    assert "Change quantity…" in body and "Cease…" in body and 'name="_save"' not in body
    url = reverse("admin:provisioning_servicefeature_operation", args=[packs.pk, "change_quantity"])
    billing_client.post(url, {"apply": "1", "quantity": "13", "effective_from": "2026-11-01"})
    current = ServiceFeature.objects.get(service=acme_service, product__element_id="501001", status="active")
    assert (current.quantity, current.active_from) == (13, day("2026-11-01"))


@pytest.mark.django_db
def test_after_a_quantity_change_the_page_shown_is_the_feature_with_the_new_quantity(billing_client, acme_service):
    packs = ServiceFeature.objects.get(service=acme_service, product__element_id="501001")
    url = reverse("admin:provisioning_servicefeature_operation", args=[packs.pk, "change_quantity"])
    response = billing_client.post(url, {"apply": "1", "quantity": "13", "effective_from": "2026-11-01"})
    current = ServiceFeature.objects.get(service=acme_service, product__element_id="501001", status="active")
    assert current.pk != packs.pk  # the old one ended on 31/10/2026
    assert response.status_code == 302
    assert response.url == reverse("admin:provisioning_servicefeature_change", args=[current.pk])


def status_cells(body: str) -> list[str]:
    return [cell.strip() for cell in re.findall(r'class="[^"]*field-status_shown[^"]*"[^>]*>([^<]*)<', body)]


@pytest.mark.django_db
def test_a_feature_ceasing_on_a_later_day_reads_active_until_then(billing_client, acme_service, harbour_billing):
    packs = ServiceFeature.objects.get(service=acme_service, product__element_id="501001")
    premium = ServiceFeature.objects.get(service=acme_service, product__element_id="501002")
    today = acme_service.provider.local_date(timezone.now())
    later = today + datetime.timedelta(days=20)
    features.service_feature_cease(feature=packs, active_to=later, acting_user=harbour_billing)
    features.service_feature_cease(feature=premium, active_to=day("2026-11-15"), acting_user=harbour_billing)
    shown = f"Active, ceasing {later:%d/%m/%Y}"

    page = billing_client.get(reverse("admin:provisioning_servicefeature_change", args=[packs.pk]))
    assert shown in page.content.decode()
    listing = billing_client.get(
        reverse("admin:provisioning_servicefeature_changelist"), {"service__id": acme_service.pk}
    )
    assert sorted(status_cells(listing.content.decode())) == ["Active, ceasing " + f"{later:%d/%m/%Y}", "Ceased"]
    service_page = billing_client.get(reverse("admin:provisioning_service_change", args=[acme_service.pk]))
    assert shown in service_page.content.decode()

    # Once its last day has passed, it reads ceased.
    assert ServiceFeature.objects.get(pk=packs.pk).status_on(later) == shown
    assert ServiceFeature.objects.get(pk=packs.pk).status_on(later + datetime.timedelta(days=1)) == "Ceased"


@pytest.mark.django_db
def test_another_providers_feature_cannot_be_touched(billing_client, southern, make_staff):
    from django.test import Client

    other = Client()
    other.force_login(make_staff("sw-bill", southern, role="Billing staff"))
    packs = ServiceFeature.objects.get(product__element_id="501001")
    url = reverse("admin:provisioning_servicefeature_operation", args=[packs.pk, "cease"])
    response = other.post(url, {"apply": "1", "active_to": "2026-10-31"})
    assert response.status_code == 302 and response.url == reverse("admin:index")
    packs.refresh_from_db()
    assert packs.status == "active"


@pytest.mark.django_db
def test_provisioning_staff_request_but_do_not_activate(client, harbour_provisioning, acme_service, standard):
    client.force_login(harbour_provisioning)
    response = client.post(
        reverse("admin:provisioning_servicefeature_add"),
        {"service": acme_service.pk, "product": standard.pk, "quantity": "3", "active_from": "2026-10-01"},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    feature = ServiceFeature.objects.get(quantity=3, product=standard)
    assert feature.status == "requested" and feature.active_from is None
    assert history(feature) == [("requested", feature.requested_on, None, 3, "hv-prov")]


@pytest.mark.django_db
def test_the_list_offers_each_feature_the_operations_legal_for_it(
    billing_client, client, harbour_provisioning, acme_service, standard
):
    requested = features.service_feature_add(service=acme_service, product=standard, quantity=2, acting_user=None)
    active = ServiceFeature.objects.get(service=acme_service, product__element_id="501001", status="active")

    def row_link(pk, operation):
        return reverse(f"admin:provisioning_servicefeature_act_{operation}", args=[pk])

    url = reverse("admin:provisioning_servicefeature_changelist")
    body = billing_client.get(url).content.decode()
    assert "Activate…" in body
    assert f'href="{row_link(requested.pk, "activate")}"' in body
    assert f'href="{row_link(active.pk, "activate")}"' not in body
    assert f'href="{row_link(active.pk, "cease")}"' in body
    assert f'href="{row_link(requested.pk, "cease")}"' not in body

    confirmation = billing_client.get(row_link(requested.pk, "activate"), follow=True)
    assert confirmation.status_code == 200
    assert confirmation.redirect_chain[-1][0] == reverse(
        "admin:provisioning_servicefeature_operation", args=[requested.pk, "activate"]
    )
    assert "Activate 1 feature" in confirmation.content.decode()

    client.force_login(harbour_provisioning)  # may request features, not activate them
    listing = client.get(url).content.decode()
    assert "Activate…" not in listing and row_link(requested.pk, "activate") not in listing
