"""A small admin with something on every page, for the crawls of the whole admin
(tests/ssaas/crawl/, tests/ssaas/test_admin_crawl.py): the samples README's three
providers (tests/setups.py), their sample files taken, the demo's queue of open
orders and one user per role at Harbour Voice. Built with the factories and the
services, not the demo data set (whose orders only go through the order services)."""

from __future__ import annotations

from types import SimpleNamespace

from django.conf import settings

from ssaas.demo.data import load_orders
from ssaas.roles import BILLING_STAFF, PROVIDER_ADMINISTRATORS, PROVISIONING_STAFF
from tests import setups
from tests.factories import SuperuserFactory, UserFactory
from usage.broadworks.services import broadworks_report_upload
from usage.carrier_files.choices import CarrierFileKindChoices
from usage.carrier_files.models import CarrierFile
from usage.carrier_files.receive import carrier_file_process, carrier_file_receive

SAMPLES = settings.SAMPLES_DIR
SAMPLE_CTOP = {
    "harbour": "CTOP_1234567_000001_20261102013000.txt",
    "southern": "CTOP_2345678_000001_20261102020000.txt.gz",
    "coastal": "CTOP_3456789_000001_20261103013000.txt",
}
SAMPLE_COCE = "COCE_1234567_000001_20261102030000.txt"  # Harbour Voice, October 2026
SAMPLE_BROADWORKS = "broadworks_utilisation_1234567_202610.csv"


def take_sample(provider, name: str, kind: str | None = None) -> CarrierFile:
    with open(SAMPLES / name, "rb") as content:
        received = carrier_file_receive(provider=provider, name=name, content=content, kind=kind)
    return carrier_file_process(carrier_file_id=received.pk)


def build() -> SimpleNamespace:
    """The three providers with their sample CTOP files taken, Harbour Voice's COCE
    file and BroadWorks report for October 2026, the queue of open orders (a new
    service submitted, a plan change in progress with AAPT's reference, a halted
    cancellation at Harbour Voice, a new service submitted at Southern Wholesale),
    and a superuser plus one user per role at Harbour Voice (password "pw")."""
    harbour, southern, coastal = setups.harbour_voice(), setups.southern_wholesale(), setups.coastal_comms()
    superuser = SuperuserFactory(username="root")
    at_harbour = [harbour.provider]
    provisioning = UserFactory(username="hv-prov", role=PROVISIONING_STAFF, providers=at_harbour)
    billing = UserFactory(username="hv-bill", role=BILLING_STAFF, providers=at_harbour)
    provider_admin = UserFactory(username="hv-admin", role=PROVIDER_ADMINISTRATORS, providers=at_harbour)
    orders = load_orders(operator=superuser, worker=provisioning)
    for key, setup in (("harbour", harbour), ("southern", southern), ("coastal", coastal)):
        take_sample(setup.provider, SAMPLE_CTOP[key])
    take_sample(harbour.provider, SAMPLE_COCE, CarrierFileKindChoices.COCE)
    with open(SAMPLES / SAMPLE_BROADWORKS, "rb") as content:
        broadworks_report_upload(
            provider=harbour.provider, period=harbour.periods["2026-10"], name=SAMPLE_BROADWORKS, content=content
        )
    return SimpleNamespace(
        harbour=harbour,
        southern=southern,
        coastal=coastal,
        orders=orders,
        superuser=superuser,
        provisioning=provisioning,
        billing=billing,
        provider_admin=provider_admin,
    )
