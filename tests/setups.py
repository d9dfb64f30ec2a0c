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


def day(text: str) -> datetime.date:
    """A date written the ISO way: ``day("2026-11-16")``."""
    return datetime.date.fromisoformat(text)


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


def provider_setup(slug: str, *, with_catalogue: bool = False) -> SimpleNamespace:
    """One provider of the README (``samples.PROVIDERS``), built with the factories:
    ``provider``, ``periods``, ``plan`` (and ``products``, the catalogue, when asked),
    then each customer under its key (``acme``), its service (``acme_service``), its
    identifiers and features by name (``acme_range``, ``acme_standard``)."""
    spec = next(p for p in samples.PROVIDERS if p["slug"] == slug)
    provider = ProviderFactory(
        **{field: spec[field] for field in ("name", "slug", "kind", "aapt_account", "identification_method")},
        custom_realms=spec["custom_realms"],
    )
    found = SimpleNamespace(
        provider=provider, periods=autumn_periods(provider), plan=plan_with_rates(provider, spec["plan"])
    )
    if with_catalogue:
        found.products = catalogue(provider)
    customers = spec["customers"]
    # One kind of row after another, in the README's order (ids follow it).
    for c in customers:
        contact = {field: c[field] for field in ("reference", "name", "contact_name", "contact_email")}
        setattr(found, c["key"], CustomerFactory(provider=provider, **contact))
    for c in customers:
        service = ServiceFactory(
            customer=getattr(found, c["key"]), plan=found.plan, reference=c["service"], start_date=OCT_1
        )
        setattr(found, f"{c['key']}_service", service)
    for c in customers:
        for name, kind, value in c["identifiers"]:
            identifier = ServiceIdentifierFactory(service=getattr(found, f"{c['key']}_service"), kind=kind, value=value)
            setattr(found, f"{c['key']}_{name}", identifier)
    for c in customers:
        for name, element_id, quantity in c["features"]:
            feature = ServiceFeatureFactory(
                service=getattr(found, f"{c['key']}_service"), product=found.products[element_id], quantity=quantity
            )
            setattr(found, f"{c['key']}_{name}", feature)
    return found


def harbour_voice() -> SimpleNamespace:
    """Harbour Voice: retail, AAPT account 1234567, Group ID; Acme Pty Ltd (ACMEPTYLTD,
    range 0290001000-0290001099, 12 Standard and 2 Premium packs) and Bluegum Cafe
    (BLUEGUMCAFE, 3 SIP Sessions), both on Business Voice from 1 October 2026."""
    return provider_setup("harbour-voice", with_catalogue=True)


def southern_wholesale() -> SimpleNamespace:
    """Southern Wholesale: wholesale, account 2345678, distinct username; Harbourside
    Dental (FNN 0290002000, username jsmith.acme) and Geelong Motors (range
    0370002000-0370002099), both on Wholesale Voice from 1 October 2026."""
    return provider_setup("southern-wholesale")


def coastal_comms() -> SimpleNamespace:
    """Coastal Comms: retail, account 3456789, custom realm voice.coastal.com.au; Coastal
    HQ with 0290005000@ and sales@voice.coastal.com.au on Coastal Voice from 1 October 2026."""
    return provider_setup("coastal-comms")


def harbour_bill_runs(setup: SimpleNamespace, *, acting_user) -> SimpleNamespace:
    """README, *Bill runs (Harbour Voice)*: retail prices, Business Voice's own SIP
    Session price, invoices numbered from INV-1001, and Bluegum Cafe's one more SIP
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
    provider.invoice_prefix, provider.invoice_next_number = "INV-", 1001
    provider.save(update_fields=["invoice_prefix", "invoice_next_number"])
    extra = service_feature_add(
        service=setup.bluegum_service, product=setup.products["502001"], quantity=1, acting_user=acting_user
    )
    extra = service_feature_activate(feature=extra, active_from=datetime.date(2026, 11, 16), acting_user=acting_user)
    return SimpleNamespace(sip_price=sip_price, bluegum_extra_sip=extra)
