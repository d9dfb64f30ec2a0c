import pytest
from django.contrib.auth.models import Group

from ssaas.roles import ROLE_PERMISSIONS


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(ROLE_PERMISSIONS))
def test_groups_hold_exactly_their_role(role):
    group = Group.objects.get(name=role)
    held = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
    assert held == set(ROLE_PERMISSIONS[role])


@pytest.mark.django_db
def test_billing_cannot_change_services_provisioning_cannot_change_rates(harbour_billing, harbour_provisioning):
    assert harbour_billing.has_perm("provisioning.change_servicefeature")
    assert not harbour_billing.has_perm("provisioning.change_service")
    assert harbour_provisioning.has_perm("provisioning.change_service")
    assert not harbour_provisioning.has_perm("provisioning.change_planrate")
    assert not harbour_provisioning.has_perm("providers.change_provider")
