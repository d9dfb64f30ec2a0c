"""A small admin with something on every page, for the crawls of the whole admin
(tests/ssaas/crawl/, tests/ssaas/test_admin_crawl.py): the samples README's three
providers (tests/setups.py), their sample files taken, a queue of open orders and
one user per role at Harbour Voice. Built with the factories and the services, not
the demo data set."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

from django.conf import settings

from provisioning.actions.orders import (
    FeatureLine,
    IdentifierLine,
    order_assign,
    order_create,
    order_halt,
    order_record_aapt_reference,
    order_start,
)
from provisioning.choices import OrderKindChoices as OrderKind
from provisioning.choices import PlanRateCategoryChoices as Category
from provisioning.choices import ServiceIdentifierKindChoices as IdKind
from ssaas.roles import BILLING_STAFF, PROVIDER_ADMINISTRATORS, PROVISIONING_STAFF
from tests import setups
from tests.factories import PlanRateFactory, ServicePlanFactory, SuperuserFactory, UserFactory
from usage.carrier_files.receive import carrier_file_process, carrier_file_receive
from usage.choices import CarrierFileKindChoices
from usage.models import CarrierFile
from usage.reconciliation.broadworks import broadworks_report_upload

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


def open_orders(harbour: SimpleNamespace, southern: SimpleNamespace, *, operator, worker) -> list:
    """The queue: a new service submitted, a plan change in progress with AAPT's
    reference, a halted cancellation (Harbour Voice) and a new service submitted at
    Southern Wholesale, made through the order services as staff make them."""
    plus = ServicePlanFactory(provider=harbour.provider, name="Business Voice Plus")
    PlanRateFactory(plan=plus, category=Category.FIXED)
    new = order_create(
        acting_user=operator,
        kind=OrderKind.NEW,
        customer=harbour.bluegum,
        requested_plan=harbour.plan,
        requested_date=datetime.date(2026, 12, 1),
        service_reference="HV-1003",
        notes="Bluegum Cafe's new site in Manly: two SIP sessions and ten numbers.",
        identifiers=[
            IdentifierLine(IdKind.FNN, "0290004100"),
            IdentifierLine(IdKind.NUMBER_RANGE, "0290004000-0290004009"),
        ],
        features=[FeatureLine(harbour.products["502001"], 2)],
    )
    upgrade = order_create(
        acting_user=operator,
        kind=OrderKind.UPGRADE,
        customer=harbour.acme,
        service=harbour.acme_service,
        requested_plan=plus,
        requested_date=datetime.date(2026, 12, 1),
        notes="Acme moves to Business Voice Plus from December.",
    )
    upgrade = order_start(order=order_assign(order=upgrade, acting_user=worker, assignee=worker), acting_user=worker)
    upgrade = order_record_aapt_reference(order=upgrade, acting_user=worker, reference="AAPT-ORD-100234")
    cancel = order_create(
        acting_user=operator,
        kind=OrderKind.CANCEL,
        customer=harbour.bluegum,
        service=harbour.bluegum_service,
        requested_date=datetime.date(2026, 12, 31),
        notes="Bluegum Cafe closes its Bondi site once Manly is open.",
    )
    cancel = order_start(order=order_assign(order=cancel, acting_user=worker, assignee=worker), acting_user=worker)
    cancel = order_halt(order=cancel, acting_user=worker, reason="AAPT needs the port-out date confirmed.")
    southern_new = order_create(
        acting_user=operator,
        kind=OrderKind.NEW,
        customer=southern.dental,
        requested_plan=southern.plan,
        requested_date=datetime.date(2026, 12, 7),
        service_reference="SW-2003",
        notes="Harbourside Dental's reception line.",
        identifiers=[IdentifierLine(IdKind.FNN, "0290002100")],
    )
    return [new, upgrade, cancel, southern_new]


def build() -> SimpleNamespace:
    """The three providers with their sample CTOP files taken, Harbour Voice's COCE
    file and BroadWorks report for October 2026, the queue, and a superuser plus one
    user per role at Harbour Voice (password "pw")."""
    harbour, southern, coastal = setups.harbour_voice(), setups.southern_wholesale(), setups.coastal_comms()
    superuser = SuperuserFactory(username="root")
    at_harbour = [harbour.provider]
    provisioning = UserFactory(username="hv-prov", role=PROVISIONING_STAFF, providers=at_harbour)
    billing = UserFactory(username="hv-bill", role=BILLING_STAFF, providers=at_harbour)
    provider_admin = UserFactory(username="hv-admin", role=PROVIDER_ADMINISTRATORS, providers=at_harbour)
    orders = open_orders(harbour, southern, operator=superuser, worker=provisioning)
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
