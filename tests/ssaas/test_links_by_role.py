"""A link from one admin page to another admin list is drawn only for a user who may
open that list (the sidebar's rule): never a link answering 403."""

import re

import pytest
from django.urls import reverse

from tests.factories import CarrierFileFactory

pytestmark = pytest.mark.django_db

USAGE_LISTS = ("/admin/usage/usagerecord/?", "/admin/usage/quarantinedrecord/?")


def usage_links(body: str) -> list[str]:
    hrefs = [href.replace("&amp;", "&") for href in re.findall(r'href="([^"]+)"', body)]
    return [href for href in hrefs if href.startswith(USAGE_LISTS)]


def page(client, user, url: str) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_provisioning_staff_get_no_usage_links_on_a_service(client, harbour_provisioning, acme_service):
    body = page(client, harbour_provisioning, reverse("admin:provisioning_service_change", args=[acme_service.pk]))
    assert usage_links(body) == []
    assert "quarantined for this service" not in body


def test_billing_staff_get_both_usage_links_on_a_service_and_they_open(client, harbour_billing, acme_service):
    body = page(client, harbour_billing, reverse("admin:provisioning_service_change", args=[acme_service.pk]))
    links = usage_links(body)
    assert links == [
        f"/admin/usage/usagerecord/?service__id__exact={acme_service.pk}",
        f"/admin/usage/quarantinedrecord/?service__id__exact={acme_service.pk}",
    ]
    for link in links:
        assert client.get(link).status_code == 200, link


def test_provider_administrators_get_no_record_links_on_a_carrier_file(client, harbour_admin, harbour):
    carrier_file = CarrierFileFactory(provider=harbour)
    body = page(client, harbour_admin, reverse("admin:usage_carrierfile_change", args=[carrier_file.pk]))
    assert usage_links(body) == []


def test_billing_staff_get_both_record_links_on_a_carrier_file_and_they_open(client, harbour_billing, harbour):
    carrier_file = CarrierFileFactory(provider=harbour)
    body = page(client, harbour_billing, reverse("admin:usage_carrierfile_change", args=[carrier_file.pk]))
    links = usage_links(body)
    assert links == [
        f"/admin/usage/usagerecord/?carrier_file__id__exact={carrier_file.pk}",
        f"/admin/usage/quarantinedrecord/?carrier_file__id__exact={carrier_file.pk}",
    ]
    for link in links:
        assert client.get(link).status_code == 200, link
