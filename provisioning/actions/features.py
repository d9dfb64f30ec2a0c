"""Service features (Service Packs, SIP Sessions …): billing staff activate, change
and cease them by hand, since AAPT bills them at account level.

Every operation is atomic, takes the acting user and writes a
:class:`~provisioning.models.ServiceFeatureChange`. A quantity change on a date
ends the feature the day before and starts a new one with the new quantity, so
that a period's active quantity is always "quantity × active days" summed over
rows (pro-rata needs nothing else). No date may fall in a closed bill period.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from providers.models import Provider

from ..choices import ServiceFeatureChangeActionChoices as Action
from ..choices import ServiceFeatureStatusChoices as Status
from ..models import FeatureProduct, Service, ServiceFeature, ServiceFeatureChange
from .completion import ensure_not_in_closed_period

ONE_DAY = datetime.timedelta(days=1)


def refuse_closed_period(provider: Provider, day: datetime.date, what: str) -> None:
    """Raise when ``day`` lies in one of the provider's closed bill periods: the one
    rule (and message) of :func:`.completion.ensure_not_in_closed_period`."""
    ensure_not_in_closed_period(provider, day, what.removeprefix("The ").strip())


def _record(
    feature: ServiceFeature,
    action: str,
    *,
    effective_date: datetime.date,
    acting_user,
    before: int | None = None,
    after: int | None = None,
    note: str = "",
) -> ServiceFeatureChange:
    return ServiceFeatureChange.objects.create(
        feature=feature,
        action=action,
        effective_date=effective_date,
        quantity_before=before,
        quantity_after=after,
        note=note,
        acting_user=acting_user,
    )


def _activate(feature: ServiceFeature, active_from: datetime.date, acting_user) -> None:
    feature.status = Status.ACTIVE
    feature.active_from = active_from
    feature.activated_by = acting_user
    feature.activated_at = timezone.now()


@transaction.atomic
def service_feature_add(
    *,
    service: Service,
    product: FeatureProduct,
    quantity: int,
    active_from: datetime.date | None = None,
    note: str = "",
    acting_user,
) -> ServiceFeature:
    """A new feature on ``service``: requested, or active from ``active_from``."""
    feature = ServiceFeature(
        service=service,
        product=product,
        quantity=quantity,
        requested_on=service.provider.local_date(timezone.now()),
    )
    if active_from is not None:
        refuse_closed_period(service.provider, active_from, "The activation date")
        _activate(feature, active_from, acting_user)
    feature.full_clean()
    feature.save()
    _record(
        feature,
        Action.REQUESTED,
        effective_date=feature.requested_on,
        acting_user=acting_user,
        after=quantity,
        note=note,
    )
    if active_from is not None:
        _record(
            feature,
            Action.ACTIVATED,
            effective_date=active_from,
            acting_user=acting_user,
            after=quantity,
            note=note,
        )
    return feature


@transaction.atomic
def service_feature_activate(
    *, feature: ServiceFeature, active_from: datetime.date, note: str = "", acting_user
) -> ServiceFeature:
    """A requested feature becomes active from ``active_from`` (backdating allowed)."""
    feature = ServiceFeature.objects.select_for_update().get(pk=feature.pk)
    if feature.status != Status.REQUESTED:
        raise ValidationError(
            f"{feature} on {feature.service.reference} is {feature.get_status_display().lower()}, "
            "not requested: only a requested feature can be activated."
        )
    refuse_closed_period(feature.service.provider, active_from, "The activation date")
    _activate(feature, active_from, acting_user)
    feature.full_clean()
    feature.save()
    _record(
        feature,
        Action.ACTIVATED,
        effective_date=active_from,
        acting_user=acting_user,
        after=feature.quantity,
        note=note,
    )
    return feature


@transaction.atomic
def service_feature_change_quantity(
    *,
    feature: ServiceFeature,
    quantity: int,
    effective_from: datetime.date,
    note: str = "",
    acting_user,
) -> ServiceFeature:
    """The feature's quantity becomes ``quantity`` from ``effective_from``.

    A requested feature, or one changed on its first active day, changes in
    place; otherwise the feature ends the day before and a new active feature
    carries the new quantity (and any cease date already set). Returns the
    feature holding the new quantity."""
    feature = ServiceFeature.objects.select_for_update().get(pk=feature.pk)
    label = f"{feature} on {feature.service.reference}"
    if quantity < 1:
        raise ValidationError("A feature's quantity is at least 1: cease it instead.")
    if quantity == feature.quantity:
        raise ValidationError(f"{label} already has quantity {quantity}.")
    if feature.status == Status.CEASED and feature.active_to < effective_from:
        raise ValidationError(f"{label} ceased on {feature.active_to:%d/%m/%Y}.")
    before = feature.quantity
    if feature.status == Status.REQUESTED or effective_from == feature.active_from:
        if feature.status != Status.REQUESTED:
            refuse_closed_period(feature.service.provider, effective_from, "The change date")
        feature.quantity = quantity
        feature.full_clean()
        feature.save()
        changed = feature
    else:
        if effective_from < feature.active_from:
            raise ValidationError(
                f"{label} is active from {feature.active_from:%d/%m/%Y}: a change cannot take effect before that."
            )
        refuse_closed_period(feature.service.provider, effective_from, "The change date")
        changed = ServiceFeature(
            service=feature.service,
            product=feature.product,
            quantity=quantity,
            status=feature.status,
            requested_on=feature.requested_on,
            active_from=effective_from,
            active_to=feature.active_to,
        )
        _activate(changed, effective_from, acting_user)
        changed.status = feature.status
        feature.status = Status.CEASED
        feature.active_to = effective_from - ONE_DAY
        feature.full_clean()
        feature.save()
        changed.full_clean()
        changed.save()
        _record(
            feature,
            Action.CEASED,
            effective_date=feature.active_to,
            acting_user=acting_user,
            before=before,
            note=f"Quantity changed to {quantity} from {effective_from:%d/%m/%Y}. {note}".strip(),
        )
    _record(
        changed,
        Action.QUANTITY_CHANGED,
        effective_date=effective_from,
        acting_user=acting_user,
        before=before,
        after=quantity,
        note=note,
    )
    return changed


@transaction.atomic
def service_feature_cease(
    *, feature: ServiceFeature, active_to: datetime.date, note: str = "", acting_user
) -> ServiceFeature:
    """An active feature ceases: ``active_to`` is its last active day."""
    feature = ServiceFeature.objects.select_for_update().get(pk=feature.pk)
    label = f"{feature} on {feature.service.reference}"
    if feature.status != Status.ACTIVE:
        raise ValidationError(f"{label} is {feature.get_status_display().lower()}: only an active feature ceases.")
    if active_to < feature.active_from:
        raise ValidationError(f"{label} is active from {feature.active_from:%d/%m/%Y}: it cannot cease before.")
    refuse_closed_period(feature.service.provider, active_to, "The last active day")
    feature.status = Status.CEASED
    feature.active_to = active_to
    feature.full_clean()
    feature.save()
    _record(
        feature,
        Action.CEASED,
        effective_date=active_to,
        acting_user=acting_user,
        before=feature.quantity,
        note=note,
    )
    return feature


@transaction.atomic
def service_features_apply(
    *,
    features: Iterable[ServiceFeature],
    operation: Callable[..., ServiceFeature],
    acting_user,
    **arguments,
) -> list[ServiceFeature]:
    """One operation on many features, all or nothing: every refusal is collected
    and raised together, and then none is applied."""
    done, errors = [], []
    for feature in features:
        try:
            with transaction.atomic():
                done.append(operation(feature=feature, acting_user=acting_user, **arguments))
        except ValidationError as exc:
            errors.extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    return done
