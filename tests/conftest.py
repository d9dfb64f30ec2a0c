import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from providers.models import Provider, StaffMembership
from ssaas.demo import data as demo
from ssaas.roles import BILLING_STAFF, PROVIDER_ADMINISTRATORS, PROVISIONING_STAFF

SAMPLES = settings.SAMPLES_DIR

# Real FTP and FTPS servers on loopback (collection tests).
pytest_plugins = ["tests.usage.ftp_servers"]


@pytest.fixture
def demo_providers(db) -> dict[str, Provider]:
    """The three demo providers with their customers, services, plans and users."""
    return demo.load_setup()


@pytest.fixture
def harbour(demo_providers) -> Provider:
    return demo_providers["harbour-voice"]


@pytest.fixture
def southern(demo_providers) -> Provider:
    return demo_providers["southern-wholesale"]


@pytest.fixture
def coastal(demo_providers) -> Provider:
    return demo_providers["coastal-comms"]


@pytest.fixture
def make_staff(db):
    """A staff user in a role group, member of the given providers."""

    def make(username: str, *providers: Provider, role: str = PROVISIONING_STAFF):
        user = get_user_model().objects.create_user(username=username, password="pw", is_staff=True)
        user.groups.add(Group.objects.get(name=role))
        for provider in providers:
            StaffMembership.objects.create(user=user, provider=provider)
        return user

    return make


@pytest.fixture
def harbour_provisioning(make_staff, harbour):
    return make_staff("hv-prov", harbour, role=PROVISIONING_STAFF)


@pytest.fixture
def harbour_billing(make_staff, harbour):
    return make_staff("hv-bill", harbour, role=BILLING_STAFF)


@pytest.fixture
def harbour_admin(make_staff, harbour):
    return make_staff("hv-admin", harbour, role=PROVIDER_ADMINISTRATORS)


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", "root@example.com", "pw")
