"""What completing an order does to services, by kind.

Called by ``order_complete`` inside its transaction, with the order locked.
Every row is written by its own action (``services``, ``identifiers``,
``features``), so the closed-period rule is checked and the features' history
written as anywhere else, and ``full_clean()`` lets the foundation's rules (no
identifier on two services at once, Group ID rules, plan and catalogue of the
right provider, a service reference used once) refuse a completion with their
own messages.

A change of owner, plan or provider ends the service on the day before the
date and continues it as a new service (``Service.replaces``) from the date,
carrying its identifiers and features forward. Usage is identified by the
identifier active on the call's date and rated with that service's one plan,
so calls on either side of the date are priced by the right plan and billed to
the right customer.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.core.exceptions import ValidationError

from providers.models import Provider
from ssaas.common import formats

from ..choices import OrderKindChoices as Kind
from ..choices import ServiceFeatureStatusChoices as FeatureStatus
from ..models import FeatureProduct, Order, OrderFeature, Service
from .features import service_feature_add, service_feature_carry, service_feature_cease
from .identifiers import service_identifier_add, service_identifier_carry, service_identifier_end
from .services import service_cease, service_create, service_replace


def _note(order: Order) -> str:
    return f"Order #{order.pk}."


def _add_ordered_feature(service: Service, line: OrderFeature, day: datetime.date, acting_user) -> None:
    service_feature_add(
        service=service,
        product=line.product,
        quantity=line.quantity,
        active_from=day,
        requested_on=line.order.provider.local_date(line.order.created_at),
        note=_note(line.order),
        acting_user=acting_user,
    )


# ---------------------------------------------------------------------------
# NEW → Activate
# ---------------------------------------------------------------------------


def activate_new(order: Order, day: datetime.date, acting_user) -> Service:
    """Create the service, active from ``day`` with the identifiers, ranges and
    features the order asks for."""
    service = service_create(
        customer=order.customer,
        plan=order.requested_plan,
        reference=order.service_reference,
        start_date=day,
        acting_user=acting_user,
    )
    for line in order.identifier_lines.all():
        service_identifier_add(
            service=service, kind=line.kind, value=line.value, active_from=day, acting_user=acting_user
        )
    for line in order.feature_lines.select_related("product", "order"):
        _add_ordered_feature(service, line, day, acting_user)
    return service


# ---------------------------------------------------------------------------
# CHOWN / UPGRADE → Activate, MIGRATE → Finalise migration
# ---------------------------------------------------------------------------


def _product_at(provider_id: int, product: FeatureProduct) -> FeatureProduct:
    """``product`` in ``provider_id``'s catalogue (the same AAPT element id)."""
    if product.provider_id == provider_id:
        return product
    found = FeatureProduct.objects.filter(provider_id=provider_id, element_id=product.element_id).first()
    if found is None:
        provider = Provider.objects.get(pk=provider_id)
        raise ValidationError(
            f"{provider}'s catalogue has no element {product.element_id} ({product.name}) for "
            "the feature the service carries; add it to the catalogue first."
        )
    return found


def replace_service(order: Order, day: datetime.date, acting_user) -> Service:
    """End the order's service on the day before ``day`` and continue it from
    ``day`` with the new customer, plan or provider."""
    old = Service.objects.select_related("customer").get(pk=order.service_id)
    new = service_replace(
        service=old,
        day=day,
        customer=order.target_customer or old.customer,
        plan=order.requested_plan or old.plan,
        reference=order.service_reference or old.reference,
        acting_user=acting_user,
    )
    carried = set()
    for ident in old.identifiers.order_by("active_from", "pk"):
        if ident.active_to is not None and ident.active_to < day:
            continue  # ended before the change: history of the old service
        carried.add((ident.kind, ident.value))
        service_identifier_carry(identifier=ident, service=new, day=day, acting_user=acting_user)
    for line in order.identifier_lines.all():
        if (line.kind, line.value) not in carried:
            service_identifier_add(
                service=new, kind=line.kind, value=line.value, active_from=day, acting_user=acting_user
            )
    ordered = {line.product_id: line for line in order.feature_lines.select_related("product", "order")}
    for feature in old.features.select_related("product").order_by("pk"):
        if feature.status == FeatureStatus.CEASED or (feature.active_to is not None and feature.active_to < day):
            continue
        product = _product_at(new.provider_id, feature.product)
        line = ordered.pop(product.pk, None)
        service_feature_carry(
            feature=feature,
            service=new,
            product=product,
            quantity=line.quantity if line else feature.quantity,
            day=day,
            note=_note(order),
            acting_user=acting_user,
        )
    for line in ordered.values():
        _add_ordered_feature(new, line, day, acting_user)
    return new


# ---------------------------------------------------------------------------
# CANCEL → Finalise cancellation
# ---------------------------------------------------------------------------


def finalise_cancellation(order: Order, day: datetime.date, acting_user) -> Service:
    """End the service, its identifiers and its active features on ``day``."""
    service = service_cease(service=Service(pk=order.service_id), end_date=day, acting_user=acting_user)
    identifiers = [i for i in service.identifiers.all() if i.active_to is None or i.active_to > day]
    features = [
        f
        for f in service.features.select_related("product")
        if f.status == FeatureStatus.ACTIVE and (f.active_to is None or f.active_to > day)
    ]
    late = [str(i) for i in identifiers if i.active_from > day] + [str(f) for f in features if f.active_from > day]
    if late:
        # Raised inside ``order_complete``'s transaction: the service's end rolls back.
        raise ValidationError(
            f"These start after {formats.day(day)}, the end date: {', '.join(late)}. "
            "Remove them from the service first, or choose a later end date."
        )
    for ident in identifiers:
        service_identifier_end(identifier=ident, active_to=day, acting_user=acting_user)
    for feature in features:
        service_feature_cease(feature=feature, active_to=day, note=_note(order), acting_user=acting_user)
    return service


COMPLETIONS: dict[str, Callable[[Order, datetime.date, object], Service]] = {
    Kind.NEW: activate_new,
    Kind.CHOWN: replace_service,
    Kind.UPGRADE: replace_service,
    Kind.MIGRATE: replace_service,
    Kind.CANCEL: finalise_cancellation,
}
