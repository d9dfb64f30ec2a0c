"""Orders set up through the services themselves, as staff would make them."""

import datetime

import pytest

from providers.models import Customer
from provisioning.actions.orders import (
    FeatureLine,
    IdentifierLine,
    order_cancel,
    order_complete,
    order_create,
    order_halt,
    order_start,
)
from provisioning.choices import OrderKindChoices as Kind
from provisioning.choices import OrderStateChoices as State
from provisioning.choices import ServiceIdentifierKindChoices as IdKind
from provisioning.models import FeatureProduct, Order, ServicePlan
from tests.factories import CustomerFactory, PlanRateFactory, ServicePlanFactory

NOV_1 = datetime.date(2026, 11, 1)


@pytest.fixture
def business_voice(harbour_setup) -> ServicePlan:
    return harbour_setup.plan


@pytest.fixture
def plus_plan(harbour) -> ServicePlan:
    plan = ServicePlanFactory(provider=harbour, name="Business Voice Plus")
    PlanRateFactory(plan=plan)  # fixed calls, 10c untimed
    return plan


@pytest.fixture
def wattle(harbour) -> Customer:
    return CustomerFactory(provider=harbour, reference="WATTLE", name="Wattle Accounting")


@pytest.fixture
def sip(harbour_setup) -> FeatureProduct:
    return harbour_setup.products["502001"]


@pytest.fixture
def submit(harbour_provisioning, acme_service, business_voice, plus_plan, wattle, sip):
    """``submit(kind, n=0, **overrides)``: a valid order of ``kind`` (the ``n``-th,
    so that new services and identifiers of several orders do not clash)."""

    def make(kind: str, n: int = 0, user=None, **overrides) -> Order:
        values: dict = {"kind": kind}
        if kind == Kind.NEW:
            values.update(
                customer=wattle,
                requested_plan=business_voice,
                service_reference=f"HV-2{n:03d}",
                identifiers=[
                    IdentifierLine(IdKind.FNN, f"02 9000 5{n:03d}"),
                    IdentifierLine(IdKind.NUMBER_RANGE, f"039006{n:02d}00-039006{n:02d}09"),
                ],
                features=[FeatureLine(sip, 2)],
            )
        else:
            values["service"] = acme_service
        if kind == Kind.CHOWN:
            values["target_customer"] = wattle
        if kind in (Kind.UPGRADE, Kind.MIGRATE):
            values["requested_plan"] = plus_plan
        values.update(overrides)
        return order_create(acting_user=user or harbour_provisioning, **values)

    return make


@pytest.fixture
def drive(harbour_provisioning):
    """``drive(order, state)``: move a submitted order to ``state`` through the services."""

    def move(order: Order, state: str, user=None, day: datetime.date = NOV_1) -> Order:
        user = user or harbour_provisioning
        if state == State.SUBMITTED:
            return order
        if state == State.CANCELLED:
            return order_cancel(order=order, acting_user=user, reason="Customer changed mind")
        order = order_start(order=order, acting_user=user)
        if state == State.HALTED:
            return order_halt(order=order, acting_user=user, reason="Waiting for AAPT")
        if state == State.COMPLETED:
            return order_complete(order=order, acting_user=user, effective_date=day)
        return order

    return move
