"""Read queries and rules about orders shared by the services and the admin."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from providers.models import Customer, Provider
from providers.scoping import visible_provider_ids

from .choices import OrderKindChoices as Kind
from .choices import OrderStateChoices as State
from .models import OPEN_STATES, Order, Service
from .workflow import COMPLETION_DATE_LABELS

# ---------------------------------------------------------------------------
# Who works an order
# ---------------------------------------------------------------------------


def working_provider(provider: Provider) -> Provider:
    """The provider whose staff work ``provider``'s orders: the wholesale provider a
    retail provider buys through, else the provider itself."""
    return provider.wholesale_provider if provider.wholesale_provider_id else provider


def work_refusal(user, order: Order) -> str | None:
    """Why ``user`` may not work ``order`` (assign, correct, move it), or ``None``.

    Working needs the change permission and membership of the working provider
    (or a superuser). A retail provider's own staff may submit and read orders
    for services it buys through a wholesale provider, but that provider's
    staff work them."""
    if user is None or not user.is_active:
        return "Only an active staff user works orders."
    if not user.has_perm("provisioning.change_order"):
        return "You may read orders but not work them."
    ids = visible_provider_ids(user)
    if ids is None:
        return None
    worker = working_provider(order.provider)
    if worker.pk in ids:
        return None
    if order.provider_id in ids:
        return f"Orders of {order.provider} are worked by {worker}'s staff."
    return "This order is not one of your providers'."


def user_may_work_order(user, order: Order) -> bool:
    return work_refusal(user, order) is None


def submit_refusal(user, customer: Customer) -> str | None:
    """Why ``user`` may not submit an order for ``customer``, or ``None``."""
    if user is None or not user.is_active or not user.has_perm("provisioning.add_order"):
        return "You may not submit orders."
    ids = visible_provider_ids(user)
    if ids is not None and customer.provider_id not in ids:
        return f"{customer.name} is not a customer of your providers."
    return None


# ---------------------------------------------------------------------------
# What completing will do
# ---------------------------------------------------------------------------


def _listing(items) -> str:
    return ", ".join(str(item) for item in items) or "none"


def completion_summary(order: Order) -> list[str]:
    """Sentences saying what completing ``order`` will do, for its confirmation page."""
    when = f"the {COMPLETION_DATE_LABELS[order.kind]} (below)"
    identifiers = list(order.identifier_lines.all())
    features = list(order.feature_lines.select_related("product"))
    if order.kind == Kind.NEW:
        return [
            f"Create service {order.service_reference} for {order.customer.name} on plan "
            f"{order.requested_plan}, active from {when}; billing starts that day.",
            f"Identifiers and hosted number ranges active from that date: {_listing(identifiers)}.",
            f"Features active from that date: {_listing(features)}.",
            "Each identifier is checked: none may already be on another service.",
        ]
    service = order.service
    if order.kind == Kind.CANCEL:
        return [
            f"End service {service.reference} ({service.customer.name}) on {when}: its status "
            "becomes ceased and its identifiers, ranges and active features end that day.",
            "Usage after that date is no longer billed to it.",
        ]
    customer = order.target_customer or service.customer
    provider = order.target_provider or service.provider
    plan = order.requested_plan or service.plan
    lines = [
        f"End service {service.reference} ({service.customer.name}, plan {service.plan}) on the "
        f"day before {when}, with its identifiers and features.",
        "Continue it from that date as service "
        f"{order.service_reference or service.reference} of {customer.name} at {provider} "
        f"on plan {plan}, carrying its identifiers, ranges and active features forward.",
    ]
    if identifiers:
        lines.append(f"Add the identifiers {_listing(identifiers)} from that date.")
    if features:
        lines.append(f"Features from that date (quantities as ordered): {_listing(features)}.")
    return lines


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
