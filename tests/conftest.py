from types import SimpleNamespace

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import caches

from providers.models import Provider, StaffMembership
from ssaas.demo import data as demo
from ssaas.roles import BILLING_STAFF, PROVIDER_ADMINISTRATORS, PROVISIONING_STAFF
from tests import setups

SAMPLES = settings.SAMPLES_DIR

# Real FTP and FTPS servers on loopback (collection tests).
pytest_plugins = ["tests.usage.collection.ftp_servers"]


@pytest.fixture(autouse=True)
def _forget_progress():
    """No progress note outlives its test: the next test's rows may reuse the ids."""
    yield
    caches["progress"].clear()


@pytest.fixture
def demo_providers(db) -> dict[str, Provider]:
    """The whole demo data set: for the demo's own tests only (tests/setups.py builds
    what the others need)."""
    return demo.load_setup()


# The samples README's providers, each on its own (tests/setups.py): a test taking
# ``harbour`` pays for Harbour Voice's rows only.
@pytest.fixture
def harbour_setup(db) -> SimpleNamespace:
    return setups.harbour_voice()


@pytest.fixture
def southern_setup(db) -> SimpleNamespace:
    return setups.southern_wholesale()


@pytest.fixture
def coastal_setup(db) -> SimpleNamespace:
    return setups.coastal_comms()


@pytest.fixture
def harbour(harbour_setup) -> Provider:
    return harbour_setup.provider


@pytest.fixture
def acme_service(harbour_setup):
    """Acme Pty Ltd's service at Harbour Voice (HV-1001)."""
    return harbour_setup.acme_service


@pytest.fixture
def southern(southern_setup) -> Provider:
    return southern_setup.provider


@pytest.fixture
def coastal(coastal_setup) -> Provider:
    return coastal_setup.provider


@pytest.fixture
def southern_catalogue(southern) -> dict:
    """Southern Wholesale with the same catalogue of AAPT elements as Harbour Voice's
    (the README gives it no catalogue), by element id."""
    return setups.catalogue(southern)


# The README's providers by slug, for tests parametrized over the sample files.
SETUP_FIXTURES = {"harbour-voice": "harbour", "southern-wholesale": "southern", "coastal-comms": "coastal"}


@pytest.fixture
def sample_provider(request):
    """``sample_provider(slug)``: that README provider, built on first use."""

    def get(slug: str) -> Provider:
        return request.getfixturevalue(SETUP_FIXTURES[slug])

    return get


@pytest.fixture
def harbour_bill_runs(harbour_setup, harbour_billing) -> SimpleNamespace:
    """Harbour Voice with the README's *Bill runs* prices, invoice numbering and
    Bluegum's extra SIP Session from 16 November (added by ``harbour_billing``)."""
    return setups.harbour_bill_runs(harbour_setup, acting_user=harbour_billing)


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


# The test client logged in as one of them.
@pytest.fixture
def hv_client(client, harbour_provisioning):
    client.force_login(harbour_provisioning)
    return client


@pytest.fixture
def billing_client(client, harbour_billing):
    client.force_login(harbour_billing)
    return client


@pytest.fixture
def root_client(client, superuser):
    client.force_login(superuser)
    return client


def _heavy(item) -> bool:
    return item.get_closest_marker("browser") is not None or item.get_closest_marker("slow") is not None


def pytest_collection_modifyitems(items):
    """The modules driving Chromium or marked ``slow`` run first: ``--dist loadfile``
    hands modules out in this order as workers free up, so the long ones start early
    and the short ones fill in behind them (xdist's own order, by number of tests,
    left the one-test crawls to the end and one worker finishing alone).

    ``serialized_rollback`` flushes without post_migrate (Django inhibits it), so
    the role groups and default layouts would be gone for every later test on the
    worker: refuse it here rather than as fifty unrelated errors."""
    heavy_modules = {item.module.__name__ for item in items if _heavy(item) and getattr(item, "module", None)}
    items.sort(key=lambda item: getattr(item, "module", None) is None or item.module.__name__ not in heavy_modules)
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is not None and marker.kwargs.get("serialized_rollback"):
            raise pytest.UsageError(
                f"{item.nodeid}: serialized_rollback is not used in this suite; "
                "post_migrate (ssaas/reference_data.py) brings the reference rows back after a flush"
            )
