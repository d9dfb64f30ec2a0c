"""The set-up tests/fixtures/samples/README.md states, one provider at a time,
built with the factories: the sample carrier files give the README's outcomes
with it. Only what the README states, plus the three bill periods of autumn
2026 (September closed, October and November open) the tests of dates need.

Service references (HV-1001 …) are the demo's, so that a page shows the same
service the demo shows; the README names none."""

from __future__ import annotations

import datetime
from decimal import Decimal
from types import SimpleNamespace

from providers.choices import ProviderIdentificationMethodChoices, ProviderKindChoices
from provisioning.choices import ServiceIdentifierKindChoices as Kind
from ssaas.demo import samples

from .factories import (
    BillPeriodFactory,
    CustomerFactory,
    FeatureProductFactory,
    PlanProductPriceFactory,
    PlanRateFactory,
    ProviderFactory,
    ServiceFactory,
    ServiceFeatureFactory,
    ServiceIdentifierFactory,
    ServicePlanFactory,
)

OCT_1 = datetime.date(2026, 10, 1)

# The README's set-up: one copy, shared with the demo (constants only).
RATE_CARDS = samples.RATE_CARDS
CATALOGUE = samples.CATALOGUE
RETAIL_PRICES = samples.RETAIL_PRICES
BUSINESS_VOICE_SIP_PRICE = samples.BUSINESS_VOICE_SIP_PRICE


def plan_with_rates(provider, name: str):
    plan = ServicePlanFactory(provider=provider, name=name)
    for category, flagfall, per_minute, increments in RATE_CARDS[name]:
        PlanRateFactory(
            plan=plan,
            category=category,
            flagfall=Decimal(flagfall),
            rate_per_minute=Decimal(per_minute),
            untimed=increments is None,
            initial_increment=increments[0] if increments else None,
            subsequent_increment=increments[1] if increments else None,
        )
    return plan


def autumn_periods(provider) -> dict[str, object]:
    """September 2026 (closed), October and November 2026 (open), by "YYYY-MM"."""
    return {
        "2026-09": BillPeriodFactory(provider=provider, month="2026-09", closed=True),
        "2026-10": BillPeriodFactory(provider=provider, month="2026-10"),
        "2026-11": BillPeriodFactory(provider=provider, month="2026-11"),
    }


def catalogue(provider) -> dict[str, object]:
    return {
        element_id: FeatureProductFactory(
            provider=provider, element_id=element_id, name=name, kind=kind, unit_cost=Decimal(cost)
        )
        for element_id, name, kind, cost in CATALOGUE
    }


def harbour_voice() -> SimpleNamespace:
    """Harbour Voice: retail, AAPT account 1234567, Group ID; Acme Pty Ltd (ACMEPTYLTD,
    range 0290001000-0290001099, 12 Standard and 2 Premium packs) and Bluegum Cafe
    (BLUEGUMCAFE, 3 SIP Sessions), both on Business Voice from 1 October 2026."""
    provider = ProviderFactory(
        name="Harbour Voice",
        slug="harbour-voice",
        kind=ProviderKindChoices.RETAIL,
        aapt_account="1234567",
        identification_method=ProviderIdentificationMethodChoices.GROUP_ID,
    )
    periods = autumn_periods(provider)
    plan = plan_with_rates(provider, "Business Voice")
    products = catalogue(provider)
    acme = CustomerFactory(
        provider=provider,
        reference="ACME",
        name="Acme Pty Ltd",
        contact_name="Jane Smith",
        contact_email="accounts@acme.example.com.au",
    )
    bluegum = CustomerFactory(
        provider=provider,
        reference="BLUEGUM",
        name="Bluegum Cafe",
        contact_name="Sam Lee",
        contact_email="sam@bluegum.example.com.au",
    )
    acme_service = ServiceFactory(customer=acme, plan=plan, reference="HV-1001", start_date=OCT_1)
    bluegum_service = ServiceFactory(customer=bluegum, plan=plan, reference="HV-1002", start_date=OCT_1)
    acme_group = ServiceIdentifierFactory(service=acme_service, kind=Kind.GROUP_ID, value="ACMEPTYLTD")
    acme_range = ServiceIdentifierFactory(service=acme_service, kind=Kind.NUMBER_RANGE, value="0290001000-0290001099")
    bluegum_group = ServiceIdentifierFactory(service=bluegum_service, kind=Kind.GROUP_ID, value="BLUEGUMCAFE")
    acme_standard = ServiceFeatureFactory(service=acme_service, product=products["501001"], quantity=12)
    acme_premium = ServiceFeatureFactory(service=acme_service, product=products["501002"], quantity=2)
    bluegum_sip = ServiceFeatureFactory(service=bluegum_service, product=products["502001"], quantity=3)
    return SimpleNamespace(
        provider=provider,
        periods=periods,
        plan=plan,
        products=products,
        acme=acme,
        bluegum=bluegum,
        acme_service=acme_service,
        bluegum_service=bluegum_service,
        acme_group=acme_group,
        acme_range=acme_range,
        bluegum_group=bluegum_group,
        acme_standard=acme_standard,
        acme_premium=acme_premium,
        bluegum_sip=bluegum_sip,
    )


def southern_wholesale() -> SimpleNamespace:
    """Southern Wholesale: wholesale, account 2345678, distinct username; Harbourside
    Dental (FNN 0290002000, username jsmith.acme) and Geelong Motors (range
    0370002000-0370002099), both on Wholesale Voice from 1 October 2026."""
    provider = ProviderFactory(
        name="Southern Wholesale",
        slug="southern-wholesale",
        kind=ProviderKindChoices.WHOLESALE,
        aapt_account="2345678",
        identification_method=ProviderIdentificationMethodChoices.DISTINCT_USERNAME,
    )
    periods = autumn_periods(provider)
    plan = plan_with_rates(provider, "Wholesale Voice")
    dental = CustomerFactory(
        provider=provider,
        reference="HDENTAL",
        name="Harbourside Dental",
        contact_name="Dr Alex Chen",
        contact_email="frontdesk@harbourside.example.com.au",
    )
    motors = CustomerFactory(
        provider=provider,
        reference="GMOTORS",
        name="Geelong Motors",
        contact_name="Pat Kelly",
        contact_email="service@geelongmotors.example.com.au",
    )
    dental_service = ServiceFactory(customer=dental, plan=plan, reference="SW-2001", start_date=OCT_1)
    motors_service = ServiceFactory(customer=motors, plan=plan, reference="SW-2002", start_date=OCT_1)
    dental_fnn = ServiceIdentifierFactory(service=dental_service, kind=Kind.FNN, value="0290002000")
    dental_username = ServiceIdentifierFactory(service=dental_service, kind=Kind.USERNAME, value="jsmith.acme")
    motors_range = ServiceIdentifierFactory(
        service=motors_service, kind=Kind.NUMBER_RANGE, value="0370002000-0370002099"
    )
    return SimpleNamespace(
        provider=provider,
        periods=periods,
        plan=plan,
        dental=dental,
        motors=motors,
        dental_service=dental_service,
        motors_service=motors_service,
        dental_fnn=dental_fnn,
        dental_username=dental_username,
        motors_range=motors_range,
    )


def coastal_comms() -> SimpleNamespace:
    """Coastal Comms: retail, account 3456789, custom realm voice.coastal.com.au; Coastal
    HQ with 0290005000@ and sales@voice.coastal.com.au on Coastal Voice from 1 October 2026."""
    provider = ProviderFactory(
        name="Coastal Comms",
        slug="coastal-comms",
        kind=ProviderKindChoices.RETAIL,
        aapt_account="3456789",
        identification_method=ProviderIdentificationMethodChoices.CUSTOM_REALM,
        custom_realms="voice.coastal.com.au",
    )
    periods = autumn_periods(provider)
    plan = plan_with_rates(provider, "Coastal Voice")
    hq = CustomerFactory(
        provider=provider,
        reference="COASTALHQ",
        name="Coastal HQ",
        contact_name="Morgan Reid",
        contact_email="it@coastal.example.com.au",
    )
    hq_service = ServiceFactory(customer=hq, plan=plan, reference="CC-3001", start_date=OCT_1)
    hq_number = ServiceIdentifierFactory(
        service=hq_service, kind=Kind.USERNAME_REALM, value="0290005000@voice.coastal.com.au"
    )
    hq_sales = ServiceIdentifierFactory(
        service=hq_service, kind=Kind.USERNAME_REALM, value="sales@voice.coastal.com.au"
    )
    return SimpleNamespace(
        provider=provider,
        periods=periods,
        plan=plan,
        hq=hq,
        hq_service=hq_service,
        hq_number=hq_number,
        hq_sales=hq_sales,
    )


def harbour_bill_runs(setup: SimpleNamespace, *, acting_user) -> SimpleNamespace:
    """README, *Bill runs (Harbour Voice)*: retail prices, Business Voice's own SIP
    Session price, invoices numbered from HV-1001, and Bluegum Cafe's one more SIP
    Session from 16 November 2026, requested and activated through the feature
    services by ``acting_user`` (so it has its history)."""
    from provisioning.actions.features import service_feature_activate, service_feature_add

    for element_id, price in RETAIL_PRICES.items():
        product = setup.products[element_id]
        product.retail_price = Decimal(price)
        product.save(update_fields=["retail_price"])
    sip_price = PlanProductPriceFactory(
        plan=setup.plan, product=setup.products["502001"], monthly_price=Decimal(BUSINESS_VOICE_SIP_PRICE)
    )
    provider = setup.provider
    provider.invoice_prefix, provider.invoice_next_number = "HV-", 1001
    provider.save(update_fields=["invoice_prefix", "invoice_next_number"])
    extra = service_feature_add(
        service=setup.bluegum_service, product=setup.products["502001"], quantity=1, acting_user=acting_user
    )
    extra = service_feature_activate(feature=extra, active_from=datetime.date(2026, 11, 16), acting_user=acting_user)
    return SimpleNamespace(sip_price=sip_price, bluegum_extra_sip=extra)
