"""A Harbour Voice user cannot list, open or pick another provider's objects."""

import pytest
from django.urls import reverse

from providers.models import Customer
from provisioning.models import Service, ServicePlan


def changelist(client, model):
    return client.get(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"))


def change(client, obj):
    meta = obj._meta
    return client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk]))


@pytest.mark.django_db
class TestHarbourUserSeesOnlyHarbour:
    def test_lists(self, hv_client, southern, coastal):
        body = changelist(hv_client, Customer).content.decode()
        assert "Acme Pty Ltd" in body and "Bluegum Cafe" in body
        assert "Harbourside Dental" not in body and "Coastal HQ" not in body
        body = changelist(hv_client, Service).content.decode()
        assert "HV-1001" in body and "SW-2001" not in body and "CC-3001" not in body
        # The provider filter lists Harbour Voice only.
        assert "Southern Wholesale" not in body

    def test_open_by_url(self, hv_client, southern, coastal):
        foreign = [
            Customer.objects.get(reference="HDENTAL"),
            Service.objects.get(reference="CC-3001"),
            ServicePlan.objects.get(provider=southern),
            southern,
        ]
        for obj in foreign:
            response = change(hv_client, obj)
            assert response.status_code == 302, obj  # "doesn't exist", back to the index
            assert response.url == reverse("admin:index")
        own = Customer.objects.get(reference="ACME")
        assert change(hv_client, own).status_code == 200

    def test_pick_another_providers_customer_or_plan(self, hv_client, southern, harbour):
        acme = Service.objects.get(reference="HV-1001")
        url = reverse("admin:provisioning_service_change", args=[acme.pk])
        data = {
            "customer": Customer.objects.get(reference="HDENTAL").pk,
            "plan": ServicePlan.objects.get(provider=southern).pk,
            "reference": "HV-1001",
            "status": "active",
            "start_date": "2026-10-01",
            **_empty_inlines(),
        }
        response = hv_client.post(url, data)
        assert response.status_code == 200
        errors = response.context["adminform"].form.errors
        assert "Select a valid choice" in str(errors["customer"])
        assert "Select a valid choice" in str(errors["plan"])
        acme.refresh_from_db()
        assert acme.customer.reference == "ACME"

    def test_add_customer_for_another_provider_refused(self, hv_client, southern):
        response = hv_client.post(
            reverse("admin:providers_customer_add"),
            {"provider": southern.pk, "reference": "X1", "name": "Sneaky"},
        )
        assert response.status_code == 200
        assert "Select a valid choice" in str(response.context["adminform"].form.errors["provider"])
        assert not Customer.objects.filter(reference="X1").exists()

    def test_autocomplete_is_scoped(self, hv_client, southern, coastal):
        response = hv_client.get(
            reverse("admin:autocomplete"),
            {
                "app_label": "provisioning",
                "model_name": "service",
                "field_name": "customer",
                "term": "",
            },
        )
        names = [r["text"] for r in response.json()["results"]]
        assert any("Acme" in n for n in names)
        assert not any("Dental" in n or "Coastal" in n for n in names)


@pytest.mark.django_db
def test_wholesale_staff_see_their_retail_providers(make_staff, harbour, southern, coastal):
    coastal.wholesale_provider = southern
    coastal.save()
    user = make_staff("sw-prov", southern)
    from django.test import Client

    client = Client()
    client.force_login(user)
    body = changelist(client, Service).content.decode()
    assert "SW-2001" in body and "CC-3001" in body and "HV-1001" not in body


@pytest.mark.django_db
def test_user_without_provider_sees_nothing(make_staff, client, harbour):
    client.force_login(make_staff("nobody"))
    body = changelist(client, Customer).content.decode()
    assert "Acme" not in body


@pytest.mark.django_db
def test_superuser_sees_all(client, superuser, harbour, southern, coastal):
    client.force_login(superuser)
    body = changelist(client, Service).content.decode()
    assert all(ref in body for ref in ["HV-1001", "SW-2001", "CC-3001"])


def _empty_inlines() -> dict:
    data = {}
    for prefix in ["identifiers", "provisioning-hostednumberrange-service", "features"]:
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": "0",
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    return data
