"""Demo data: the providers, customers, services and plans of the sample files
(tests/fixtures/samples/README.md, a copy of ../shared/samples/README.md).

Every function is idempotent: it finds or creates by natural key, so running
``manage.py loaddemo`` twice leaves one copy of everything.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from providers.changelog import recorded
from providers.choices import (
    BillPeriodStatusChoices,
)
from providers.models import BillPeriod, Customer, Provider, StaffMembership
from providers.periods import bill_period_save
from provisioning.actions.features import service_feature_import
from provisioning.actions.identifiers import service_identifier_save
from provisioning.actions.orders import (
    FeatureLine,
    IdentifierLine,
    order_assign,
    order_create,
    order_halt,
    order_record_aapt_reference,
    order_start,
)
from provisioning.actions.services import service_save
from provisioning.choices import (
    OrderKindChoices,
    OrderStateChoices,
    PlanRateCategoryChoices,
    ServiceFeatureStatusChoices,
    ServiceIdentifierKindChoices,
    ServiceStatusChoices,
)
from provisioning.models import (
    FeatureProduct,
    Order,
    PlanRate,
    Service,
    ServiceFeature,
    ServiceIdentifier,
    ServicePlan,
)
from ssaas.roles import BILLING_STAFF, PROVIDER_ADMINISTRATORS, PROVISIONING_STAFF

from . import samples

OCT_1 = datetime.date(2026, 10, 1)
Cat = PlanRateCategoryChoices
Kind = ServiceIdentifierKindChoices

# The samples README's rate cards, and the demo's extra plan.
RATE_CARDS = {
    **samples.RATE_CARDS,
    "Business Voice Plus": [
        (Cat.FIXED, "0.10", "0.00", None),
        (Cat.MOBILE, "0.00", "0.09", (60, 30)),
        (Cat.LOCAL_RATE, "0.20", "0.00", None),
        (Cat.FREECALL, "0.00", "0.00", None),
        (Cat.INTERNATIONAL, "0.00", "0.40", (60, 60)),
        (Cat.EMERGENCY, "0.00", "0.00", None),
    ],
}

CATALOGUE = samples.CATALOGUE

PROVIDERS = samples.PROVIDERS

BILL_PERIODS = [
    (datetime.date(2026, 9, 1), datetime.date(2026, 9, 30), BillPeriodStatusChoices.CLOSED),
    (datetime.date(2026, 10, 1), datetime.date(2026, 10, 31), BillPeriodStatusChoices.OPEN),
    (datetime.date(2026, 11, 1), datetime.date(2026, 11, 30), BillPeriodStatusChoices.OPEN),
]

DEMO_USERS = [
    # username (= password), superuser, group, provider slug
    ("demo", True, None, None),
    ("provisioning", False, PROVISIONING_STAFF, "harbour-voice"),
    ("billing", False, BILLING_STAFF, "harbour-voice"),
    ("harbour-admin", False, PROVIDER_ADMINISTRATORS, "harbour-voice"),
]


def _saved(obj):
    obj.full_clean()
    obj.save()
    return obj


def _upsert(model, lookup: dict, values: dict, write=_saved):
    obj = model.objects.filter(**lookup).order_by("pk").first() or model(**lookup)
    for field, value in values.items():
        setattr(obj, field, value)
    return write(obj)


# What the demo writes is in the change log as the system's, with this note.
DEMO_NOTE = "Demo data (loaddemo)."


@recorded(note=DEMO_NOTE)
@transaction.atomic
def load_setup() -> dict[str, Provider]:
    """Providers, plans and rates, catalogue, customers, services, identifiers,
    features, bill periods and the demo users."""
    providers: dict[str, Provider] = {}
    for spec in PROVIDERS:
        provider = _upsert(
            Provider,
            {"slug": spec["slug"]},
            {
                "name": spec["name"],
                "kind": spec["kind"],
                "aapt_account": spec["aapt_account"],
                "identification_method": spec["identification_method"],
                "custom_realms": spec["custom_realms"],
            },
        )
        providers[spec["slug"]] = provider
        for start, end, status in BILL_PERIODS:
            _upsert(
                BillPeriod,
                {"provider": provider, "start_date": start},
                {"end_date": end, "status": status},
                write=lambda period: bill_period_save(period=period, acting_user=None),
            )
        plan = _load_plan(provider, spec["plan"])
        products = {}
        for element_id, name, kind, cost in CATALOGUE:
            products[element_id] = _upsert(
                FeatureProduct,
                {"provider": provider, "element_id": element_id},
                {"name": name, "kind": kind, "unit_cost": Decimal(cost)},
            )
        for c in spec["customers"]:
            customer = _upsert(
                Customer,
                {"provider": provider, "reference": c["reference"]},
                {
                    "name": c["name"],
                    "contact_name": c["contact_name"],
                    "contact_email": c["contact_email"],
                },
            )
            # Services, identifiers and features are written by their actions (the
            # closed-period rule, the features' history), by the operator (None).
            service = _upsert(
                Service,
                {"provider": provider, "reference": c["service"]},
                {
                    "customer": customer,
                    "plan": plan,
                    "status": ServiceStatusChoices.ACTIVE,
                    "start_date": OCT_1,
                },
                write=lambda obj: service_save(service=obj, acting_user=None),
            )
            for _name, kind, value in c["identifiers"]:
                probe = ServiceIdentifier(service=service, kind=kind, value=value)
                probe.normalise()
                _upsert(
                    ServiceIdentifier,
                    {"service": service, "kind": kind, "value": probe.value},
                    {"active_from": OCT_1},
                    write=lambda obj: service_identifier_save(identifier=obj, acting_user=None),
                )
            for _name, element_id, quantity in c["features"]:
                _upsert(
                    ServiceFeature,
                    {"service": service, "product": products[element_id]},
                    {
                        "quantity": quantity,
                        "status": ServiceFeatureStatusChoices.ACTIVE,
                        "requested_on": OCT_1,
                        "active_from": OCT_1,
                    },
                    write=lambda obj: service_feature_import(feature=obj, acting_user=None, note="Demo data."),
                )
    _load_users(providers)
    return providers


def _load_users(providers: dict[str, Provider]) -> None:
    user_model = get_user_model()
    for username, superuser, group_name, provider_slug in DEMO_USERS:
        user = user_model.objects.filter(username=username).first() or user_model(username=username)
        user.is_staff = True
        user.is_superuser = superuser
        user.email = f"{username}@example.com.au"
        user.set_password(username)
        user.save()
        if group_name:
            user.groups.set([Group.objects.get(name=group_name)])
        if provider_slug:
            StaffMembership.objects.get_or_create(user=user, provider=providers[provider_slug])


# ---------------------------------------------------------------------------
# Orders in the manual provisioning queue
# ---------------------------------------------------------------------------

# A second Harbour Voice plan, for the plan change in the queue.
PLUS_PLAN = ("harbour-voice", "Business Voice Plus")

# Each open order: provider slug, kind, customer reference, the service it changes
# (or the reference of the new one), plan, identifiers, features (element id, quantity),
# requested date, notes (which also find the order again), and how far it has got.
DEMO_ORDERS = [
    {
        "provider": "harbour-voice",
        "kind": OrderKindChoices.NEW,
        "customer": "BLUEGUM",
        "new_service": "HV-1003",
        "plan": "Business Voice",
        "identifiers": [(Kind.FNN, "0290004100"), (Kind.NUMBER_RANGE, "0290004000-0290004009")],
        "features": [("502001", 2)],
        "requested_date": datetime.date(2026, 12, 1),
        "notes": "Bluegum Cafe's new site in Manly: two SIP sessions and ten numbers.",
        "state": OrderStateChoices.SUBMITTED,
    },
    {
        "provider": "harbour-voice",
        "kind": OrderKindChoices.UPGRADE,
        "service": "HV-1001",
        "plan": "Business Voice Plus",
        "requested_date": datetime.date(2026, 12, 1),
        "notes": "Acme moves to Business Voice Plus from December.",
        "state": OrderStateChoices.IN_PROGRESS,
        "aapt_reference": "AAPT-ORD-100234",
    },
    {
        "provider": "harbour-voice",
        "kind": OrderKindChoices.CANCEL,
        "service": "HV-1002",
        "requested_date": datetime.date(2026, 12, 31),
        "notes": "Bluegum Cafe closes its Bondi site once Manly is open.",
        "state": OrderStateChoices.HALTED,
        "halt_reason": "AAPT needs the port-out date confirmed by the customer.",
    },
    {
        "provider": "southern-wholesale",
        "kind": OrderKindChoices.NEW,
        "customer": "HDENTAL",
        "new_service": "SW-2003",
        "plan": "Wholesale Voice",
        "identifiers": [(Kind.USERNAME, "reception.hdental"), (Kind.FNN, "0290002100")],
        "features": [],
        "requested_date": datetime.date(2026, 12, 7),
        "notes": "Harbourside Dental's reception line.",
        "state": OrderStateChoices.SUBMITTED,
    },
]


def _load_plan(provider: Provider, name: str) -> ServicePlan:
    plan = _upsert(ServicePlan, {"provider": provider, "name": name}, {})
    for category, flagfall, per_minute, increments in RATE_CARDS[name]:
        _upsert(
            PlanRate,
            {"plan": plan, "category": category},
            {
                "flagfall": Decimal(flagfall),
                "rate_per_minute": Decimal(per_minute),
                "untimed": increments is None,
                "initial_increment": increments[0] if increments else None,
                "subsequent_increment": increments[1] if increments else None,
            },
        )
    return plan


@recorded(note=DEMO_NOTE)
@transaction.atomic
def load_orders(*, operator=None, worker=None) -> list[Order]:
    """A few open orders in different states (after ``load_setup``, or a test's
    set-up of the same providers), made through the order services as staff would
    make them: placed by ``operator``, worked by ``worker`` (by default the demo's
    users "demo" and "provisioning")."""
    slug, plan_name = PLUS_PLAN
    _load_plan(Provider.objects.get(slug=slug), plan_name)
    user_model = get_user_model()
    operator = operator or user_model.objects.get(username="demo")
    worker = worker or user_model.objects.get(username="provisioning")
    orders = []
    for spec in DEMO_ORDERS:
        provider = Provider.objects.get(slug=spec["provider"])
        service = (
            Service.objects.get(provider=provider, reference=spec["service"], end_date=None)
            if "service" in spec
            else None
        )
        customer = service.customer if service else Customer.objects.get(provider=provider, reference=spec["customer"])
        found = Order.objects.filter(customer=customer, kind=spec["kind"], notes=spec["notes"])
        if found.exists():
            orders.append(found.get())
            continue
        products = {p.element_id: p for p in FeatureProduct.objects.filter(provider=provider)}
        order = order_create(
            acting_user=operator,
            kind=spec["kind"],
            customer=customer,
            service=service,
            requested_plan=(ServicePlan.objects.get(provider=provider, name=spec["plan"]) if "plan" in spec else None),
            requested_date=spec["requested_date"],
            service_reference=spec.get("new_service", ""),
            notes=spec["notes"],
            identifiers=[IdentifierLine(k, v) for k, v in spec.get("identifiers", [])],
            features=[FeatureLine(products[e], q) for e, q in spec.get("features", [])],
        )
        if spec["state"] != OrderStateChoices.SUBMITTED:
            order = order_assign(order=order, acting_user=worker, assignee=worker)
            order = order_start(order=order, acting_user=worker)
        if spec.get("aapt_reference"):
            order = order_record_aapt_reference(order=order, acting_user=worker, reference=spec["aapt_reference"])
        if spec["state"] == OrderStateChoices.HALTED:
            order = order_halt(order=order, acting_user=worker, reason=spec["halt_reason"])
        orders.append(order)
    return orders


# The sample CTOP files, one per identification method.
SAMPLE_CTOP = {
    "harbour-voice": "CTOP_1234567_000001_20261102013000.txt",
    "southern-wholesale": "CTOP_2345678_000001_20261102020000.txt.gz",
    "coastal-comms": "CTOP_3456789_000001_20261103013000.txt",
}


def _ingest_sample(provider: Provider, name: str, kind: str | None = None):
    """A sample carrier file received (once: a file already received is left alone)
    and processed (which does nothing to a file already processed)."""
    from usage.carrier_files.models import CarrierFile
    from usage.carrier_files.receive import carrier_file_process, carrier_file_receive

    existing = CarrierFile.objects.filter(provider=provider, name=name).exclude(status="duplicate").first()
    if existing is None:
        with open(settings.SAMPLES_DIR / name, "rb") as content:
            existing = carrier_file_receive(provider=provider, name=name, content=content, kind=kind)
    return carrier_file_process(carrier_file_id=existing.pk)


def load_usage(providers: dict[str, Provider]) -> list:
    """Ingest the sample CTOP files."""
    return [_ingest_sample(providers[slug], name) for slug, name in SAMPLE_CTOP.items()]


# The sample COCE and BroadWorks report of Harbour Voice: October 2026's reconciliation.
COCE_SAMPLE = "COCE_1234567_000001_20261102030000.txt"
BROADWORKS_SAMPLE = "broadworks_utilisation_1234567_202610.csv"
BROADWORKS_PERIOD = "2026-10"


def load_other_charges(providers: dict[str, Provider]) -> None:
    """Take Harbour Voice's sample COCE file and upload its BroadWorks report for
    October 2026, unless already done."""
    from providers.months import period_for
    from usage.broadworks.models import BroadWorksReport
    from usage.broadworks.services import broadworks_report_upload
    from usage.carrier_files.choices import CarrierFileKindChoices

    harbour = providers["harbour-voice"]
    samples = settings.SAMPLES_DIR
    _ingest_sample(harbour, COCE_SAMPLE, CarrierFileKindChoices.COCE)
    period = period_for(harbour, BROADWORKS_PERIOD)
    if not BroadWorksReport.objects.filter(provider=harbour, period_start=period.start_date).exists():
        with open(samples / BROADWORKS_SAMPLE, "rb") as content:
            broadworks_report_upload(provider=harbour, period=period, name=BROADWORKS_SAMPLE, content=content)


# ---------------------------------------------------------------------------
# Bill runs: prices, a plan's own price, one mid-month feature
# ---------------------------------------------------------------------------

# Monthly retail price (ex GST) of each catalogue product, at every demo provider.
RETAIL_PRICES = samples.RETAIL_PRICES
# (provider slug, plan, element id, the plan's own monthly price)
PLAN_PRICES = [("harbour-voice", "Business Voice", "502001", samples.BUSINESS_VOICE_SIP_PRICE)]
# (service, element id, quantity, active from): a feature taken mid-month, requested
# and activated through the feature services (so it has its history) by this user.
MID_MONTH_FEATURES = [("HV-1002", "502001", 1, datetime.date(2026, 11, 16))]
MID_MONTH_FEATURES_BY = "billing"
# (provider slug, invoice prefix, first invoice number)
LEDGER = [("harbour-voice", "INV-", 1001)]


@recorded(note=DEMO_NOTE)
@transaction.atomic
def load_billing(providers: dict[str, Provider]) -> None:
    """What Harbour Voice's bill runs need (samples/README.md, *Bill runs*): retail
    prices, the plan's own SIP Session price, Bluegum's extra SIP Session from
    16 November and the invoice numbering. No adjustment: the README's invoices
    have none. October is left open."""
    from provisioning.actions.features import service_feature_activate, service_feature_add
    from provisioning.models import PlanProductPrice
    from usage.billing.models import BillRun

    for provider in providers.values():
        for element_id, price in RETAIL_PRICES.items():
            # Saved, not updated in bulk: each price is in the change log.
            for product in FeatureProduct.objects.filter(provider=provider, element_id=element_id):
                product.retail_price = Decimal(price)
                product.save(update_fields=["retail_price"])
    for slug, plan_name, element_id, price in PLAN_PRICES:
        provider = providers[slug]
        _upsert(
            PlanProductPrice,
            {
                "plan": ServicePlan.objects.get(provider=provider, name=plan_name),
                "product": FeatureProduct.objects.get(provider=provider, element_id=element_id),
            },
            {"monthly_price": Decimal(price)},
        )
    staff = get_user_model().objects.get(username=MID_MONTH_FEATURES_BY)
    for reference, element_id, quantity, active_from in MID_MONTH_FEATURES:
        service = Service.objects.get(reference=reference, end_date__isnull=True)
        product = FeatureProduct.objects.get(provider=service.provider, element_id=element_id)
        if ServiceFeature.objects.filter(service=service, product=product, active_from=active_from).exists():
            continue
        feature = service_feature_add(service=service, product=product, quantity=quantity, acting_user=staff)
        service_feature_activate(feature=feature, active_from=active_from, acting_user=staff)
    for slug, prefix, first in LEDGER:
        provider = providers[slug]
        if not BillRun.objects.filter(provider=provider).exists():
            provider.invoice_prefix, provider.invoice_next_number = prefix, first
            provider.save(update_fields=["invoice_prefix", "invoice_next_number"])
