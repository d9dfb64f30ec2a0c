"""What completing an order does to services, by kind.

Called by ``order_complete`` inside its transaction, with the order locked.
Every row written goes through ``full_clean()``, so the foundation's rules
(no identifier on two services at once, Group ID rules, plan and catalogue of
the right provider, a service reference used once) refuse a completion with
their own messages.

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
from django.db import connection, models
from django.utils import timezone

from providers.models import BillPeriod, Provider

from ..choices import OrderKindChoices as Kind
from ..choices import ServiceFeatureStatusChoices as FeatureStatus
from ..choices import ServiceStatusChoices as ServiceStatus
from ..models import (
    FeatureProduct,
    Order,
    OrderFeature,
    OrderIdentifier,
    Service,
    ServiceFeature,
    ServiceIdentifier,
)

ONE_DAY = datetime.timedelta(days=1)


def _on(day: datetime.date) -> str:
    return f"{day:%d/%m/%Y}"


def _saved(obj: models.Model) -> models.Model:
    obj.full_clean()
    obj.save()
    return obj


def ensure_not_in_closed_period(provider: Provider, day: datetime.date, what: str) -> None:
    """Refuse ``day`` when it lies inside a closed bill period of ``provider``.

    Only the date the person gives is checked. The day before it, on which a
    replaced service ends, may be the last day of a closed period: the service
    was active on every day of that period before and after, so nothing billed
    there changes.

    Inside a transaction the provider's period rows holding ``day`` are locked
    first, open or closed, as a close locks its period before it bills
    (``usage.billing.services``): a change made while the period is being closed
    waits for the close to commit and is then refused; a close that starts
    while the change is being made waits for it and bills it."""
    periods = BillPeriod.objects.containing(day).filter(provider=provider).order_by("start_date")
    if connection.in_atomic_block:
        periods = periods.select_for_update()
    period = next((p for p in periods if p.is_closed), None)
    if period is not None:
        raise ValidationError(
            f"The {what} {_on(day)} is inside {provider}'s closed bill period {period.label} "
            f"({_on(period.start_date)}–{_on(period.end_date)}): nothing may change in a closed "
            f"period. Choose a date after {_on(period.end_date)}."
        )


def _active_feature(
    service: Service,
    product: FeatureProduct,
    quantity: int,
    day: datetime.date,
    acting_user,
    requested_on: datetime.date,
) -> ServiceFeature:
    return ServiceFeature(
        service=service,
        product=product,
        quantity=quantity,
        status=FeatureStatus.ACTIVE,
        requested_on=requested_on,
        active_from=day,
        activated_by=acting_user,
        activated_at=timezone.now(),
    )


def _ordered_identifier(service: Service, line: OrderIdentifier, day) -> ServiceIdentifier:
    return ServiceIdentifier(service=service, kind=line.kind, value=line.value, active_from=day)


def _ordered_feature(service: Service, line: OrderFeature, day, acting_user) -> ServiceFeature:
    submitted_on = line.order.provider.local_date(line.order.created_at)
    return _active_feature(service, line.product, line.quantity, day, acting_user, submitted_on)


def _locked_service(order: Order) -> Service:
    return Service.objects.select_for_update().select_related("customer").get(pk=order.service_id)


# ---------------------------------------------------------------------------
# NEW → Activate
# ---------------------------------------------------------------------------


def activate_new(order: Order, day: datetime.date, acting_user) -> Service:
    """Create the service, active from ``day`` with the identifiers, ranges and
    features the order asks for."""
    service = _saved(
        Service(
            customer=order.customer,
            plan=order.requested_plan,
            reference=order.service_reference,
            status=ServiceStatus.ACTIVE,
            start_date=day,
        )
    )
    for line in order.identifier_lines.all():
        _saved(_ordered_identifier(service, line, day))
    for line in order.feature_lines.select_related("product"):
        _saved(_ordered_feature(service, line, day, acting_user))
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
    old = _locked_service(order)
    if old.status != ServiceStatus.ACTIVE or old.end_date is not None:
        raise ValidationError(
            f"Service {old.reference} is {old.get_status_display().lower()}"
            + (f" and ends on {_on(old.end_date)}" if old.end_date else "")
            + ": only an active service that has not ended can change owner, plan or provider."
        )
    if day <= old.start_date:
        raise ValidationError(
            f"Service {old.reference} starts on {_on(old.start_date)}: a change can take effect "
            f"from {_on(old.start_date + ONE_DAY)} at the earliest."
        )
    day_before = day - ONE_DAY
    old.end_date = day_before
    old.status = ServiceStatus.CEASED
    _saved(old)

    new = _saved(
        Service(
            customer=order.target_customer or old.customer,
            plan=order.requested_plan or old.plan,
            reference=order.service_reference or old.reference,
            label=old.label,
            status=ServiceStatus.ACTIVE,
            start_date=day,
            replaces=old,
        )
    )
    carried = _carry_identifiers(old, new, day)
    for line in order.identifier_lines.all():
        if (line.kind, line.value) not in carried:
            _saved(_ordered_identifier(new, line, day))
    ordered = {line.product_id: line for line in order.feature_lines.select_related("product")}
    _carry_features(old, new, day, acting_user, ordered)
    for line in ordered.values():
        _saved(_ordered_feature(new, line, day, acting_user))
    return new


def _carry_identifiers(old: Service, new: Service, day: datetime.date) -> set[tuple[str, str]]:
    carried = set()
    for ident in old.identifiers.order_by("active_from", "pk"):
        if ident.active_to is not None and ident.active_to < day:
            continue  # ended before the change: history of the old service
        carried.add((ident.kind, ident.value))
        if ident.active_from >= day:
            ident.service = new  # not active yet: it belongs to the new arrangement
            _saved(ident)
            continue
        follower = ServiceIdentifier(
            service=new,
            kind=ident.kind,
            value=ident.value,
            active_from=day,
            active_to=ident.active_to,
        )
        ident.active_to = day - ONE_DAY
        _saved(ident)
        _saved(follower)
    return carried


def _carry_features(old: Service, new: Service, day: datetime.date, acting_user, ordered: dict) -> None:
    """Carry ``old``'s features to ``new``; an ordered line for the same product
    sets the quantity (and is used up)."""
    for feature in old.features.select_related("product").order_by("pk"):
        if feature.status == FeatureStatus.CEASED or (feature.active_to is not None and feature.active_to < day):
            continue
        product = _product_at(new.provider_id, feature.product)
        line = ordered.pop(product.pk, None)
        quantity = line.quantity if line else feature.quantity
        if feature.status == FeatureStatus.REQUESTED or feature.active_from >= day:
            feature.service, feature.product, feature.quantity = new, product, quantity
            _saved(feature)
            continue
        follower = _active_feature(new, product, quantity, day, acting_user, requested_on=feature.requested_on)
        follower.active_to = feature.active_to
        feature.active_to = day - ONE_DAY
        feature.status = FeatureStatus.CEASED
        _saved(feature)
        _saved(follower)


# ---------------------------------------------------------------------------
# CANCEL → Finalise cancellation
# ---------------------------------------------------------------------------


def finalise_cancellation(order: Order, day: datetime.date, acting_user) -> Service:
    """End the service, its identifiers and its active features on ``day``."""
    service = _locked_service(order)
    if service.end_date is not None:
        raise ValidationError(f"Service {service.reference} already ends on {_on(service.end_date)}.")
    if service.start_date and day < service.start_date:
        raise ValidationError(
            f"Service {service.reference} starts on {_on(service.start_date)}: it cannot end before it starts."
        )
    identifiers = [i for i in service.identifiers.all() if i.active_to is None or i.active_to > day]
    features = [
        f
        for f in service.features.select_related("product")
        if f.status == FeatureStatus.ACTIVE and (f.active_to is None or f.active_to > day)
    ]
    late = [str(i) for i in identifiers if i.active_from > day] + [str(f) for f in features if f.active_from > day]
    if late:
        raise ValidationError(
            f"These start after {_on(day)}, the end date: {', '.join(late)}. "
            "Remove them from the service first, or choose a later end date."
        )
    service.end_date = day
    service.status = ServiceStatus.CEASED
    _saved(service)
    for ident in identifiers:
        ident.active_to = day
        _saved(ident)
    for feature in features:
        feature.active_to = day
        feature.status = FeatureStatus.CEASED
        _saved(feature)
    return service


COMPLETIONS: dict[str, Callable[[Order, datetime.date, object], Service]] = {
    Kind.NEW: activate_new,
    Kind.CHOWN: replace_service,
    Kind.UPGRADE: replace_service,
    Kind.MIGRATE: replace_service,
    Kind.CANCEL: finalise_cancellation,
}
