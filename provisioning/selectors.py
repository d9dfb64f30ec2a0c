"""Reads: queries and read-only summaries shared by the actions and the admin.
Nothing here writes; who may do what is in ``policies``."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from providers.models import Customer

from .choices import OrderStateChoices as State
from .models import OPEN_STATES, Order, Service

# ---------------------------------------------------------------------------
# Status shown on customers and services
# ---------------------------------------------------------------------------


def with_provisioning_status(customers: QuerySet[Customer]) -> QuerySet[Customer]:
    """Customers annotated with ``_orders_halted`` and ``_orders_open`` (no extra
    query per row)."""
    orders = Order.objects.filter(customer=OuterRef("pk"))
    return customers.annotate(
        _orders_halted=Exists(orders.filter(state=State.HALTED)),
        _orders_open=Exists(orders.filter(state__in=OPEN_STATES)),
    )


def provisioning_status(customer: Customer) -> str:
    """What the customer sees of its orders: halted wins over in progress."""
    if getattr(customer, "_orders_halted", False):
        return "provisioning halted"
    if getattr(customer, "_orders_open", False):
        return "provisioning in progress"
    return ""


def orders_shaping(service: Service) -> QuerySet[Order]:
    """The orders that changed or created ``service``, oldest first."""
    return (
        Order.objects.filter(Q(service=service) | Q(resulting_service=service))
        .select_related("customer")
        .order_by("created_at", "pk")
    )
