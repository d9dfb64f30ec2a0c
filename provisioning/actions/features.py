"""Service features (Service Packs, SIP Sessions …): the only writer of
``ServiceFeature`` and of its history, ``ServiceFeatureChange``.

Billing staff activate, change and cease features by hand, since AAPT bills
them at account level; order completion adds, carries and ceases them; the
onboarding import and the demo record features as they are. Every operation
is atomic, takes the acting user and writes a ``ServiceFeatureChange`` for each
thing that happened. A quantity change on a date ends the feature the day
before and starts a new one with the new quantity, so that a period's active
quantity is always "quantity × active days" summed over rows (pro-rata needs
nothing else). No date may fall in a closed bill period
(:func:`providers.periods.refuse_closed_period`). ``ServiceFeatureChange`` is the
feature's workflow (what happened, effective from when); the change log has each
field's before and after, as done by ``acting_user`` with the note
(``@records_acting_user``, providers/changelog.py).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from providers.changelog import records_acting_user
from providers.periods import dates_touched, refuse_closed_dates, refuse_closed_period
from ssaas.common import formats

from ..choices import ServiceFeatureChangeActionChoices as Action
from ..choices import ServiceFeatureStatusChoices as Status
from ..models import FeatureProduct, Service, ServiceFeature, ServiceFeatureChange

ONE_DAY = datetime.timedelta(days=1)

# What each date of a feature is called in a refusal.
ACTIVATION_DATE = "activation date"
CHANGE_DATE = "change date"
LAST_ACTIVE_DAY = "last active day"


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


def _saved(feature: ServiceFeature, action: str, **change) -> ServiceFeature:
    """Validate and save ``feature``, and record ``action`` on it (``change``:
    :func:`_record`'s keywords)."""
    feature.full_clean()
    feature.save()
    _record(feature, action, **change)
    return feature


def _label(feature: ServiceFeature) -> str:
    return f"{feature} on {feature.service.reference}"


def _locked(feature: ServiceFeature, only: str | None = None, why: str = "") -> ServiceFeature:
    """``feature`` reloaded and locked until the transaction ends; refused, saying
    ``why``, unless its status is ``only`` (``None``: any)."""
    locked = ServiceFeature.objects.select_for_update().get(pk=feature.pk)
    if only is not None and locked.status != only:
        raise ValidationError(f"{_label(locked)} is {locked.get_status_display().lower()}{why}")
    return locked


def _activate(feature: ServiceFeature, active_from: datetime.date, acting_user) -> None:
    feature.status = Status.ACTIVE
    feature.active_from = active_from
    feature.activated_by = acting_user
    feature.activated_at = timezone.now()


def _split(
    feature: ServiceFeature,
    day: datetime.date,
    *,
    service: Service,
    product: FeatureProduct,
    quantity: int,
    status: str,
    acting_user,
    note: str,
) -> ServiceFeature:
    """End ``feature`` the day before ``day`` and start its follower on ``day``
    (with ``service``, ``product``, ``quantity`` and ``status``, up to the same
    last day); the ceasing is recorded with ``note``. Returns the follower."""
    before = feature.quantity
    follower = ServiceFeature(
        service=service,
        product=product,
        quantity=quantity,
        requested_on=feature.requested_on,
        active_to=feature.active_to,
    )
    _activate(follower, day, acting_user)
    follower.status = status
    feature.status = Status.CEASED
    feature.active_to = day - ONE_DAY
    _saved(feature, Action.CEASED, effective_date=feature.active_to, acting_user=acting_user, before=before, note=note)
    follower.full_clean()
    follower.save()
    return follower


@records_acting_user
@transaction.atomic
def service_feature_add(
    *,
    service: Service,
    product: FeatureProduct,
    quantity: int,
    active_from: datetime.date | None = None,
    requested_on: datetime.date | None = None,
    note: str = "",
    acting_user,
) -> ServiceFeature:
    """A new feature on ``service``: requested (on ``requested_on``, by default
    today), or active from ``active_from``."""
    feature = ServiceFeature(
        service=service,
        product=product,
        quantity=quantity,
        requested_on=requested_on or service.provider.local_date(timezone.now()),
    )
    if active_from is not None:
        refuse_closed_period(service.provider, active_from, ACTIVATION_DATE, field="active_from")
        _activate(feature, active_from, acting_user)
    _saved(
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


@records_acting_user
@transaction.atomic
def service_feature_activate(
    *, feature: ServiceFeature, active_from: datetime.date, note: str = "", acting_user
) -> ServiceFeature:
    """A requested feature becomes active from ``active_from`` (backdating allowed)."""
    feature = _locked(feature, Status.REQUESTED, ", not requested: only a requested feature can be activated.")
    refuse_closed_period(feature.service.provider, active_from, ACTIVATION_DATE, field="active_from")
    _activate(feature, active_from, acting_user)
    return _saved(
        feature,
        Action.ACTIVATED,
        effective_date=active_from,
        acting_user=acting_user,
        after=feature.quantity,
        note=note,
    )


@records_acting_user
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
    feature = _locked(feature)
    label = _label(feature)
    if quantity < 1:
        raise ValidationError("A feature's quantity is at least 1: cease it instead.")
    if quantity == feature.quantity:
        raise ValidationError(f"{label} already has quantity {quantity}.")
    if feature.status == Status.CEASED and feature.active_to < effective_from:
        raise ValidationError(f"{label} ceased on {formats.day(feature.active_to)}.")
    before = feature.quantity
    if feature.status == Status.REQUESTED or effective_from == feature.active_from:
        if feature.status != Status.REQUESTED:
            refuse_closed_period(feature.service.provider, effective_from, CHANGE_DATE, field="effective_from")
        feature.quantity = quantity
        feature.full_clean()
        feature.save()
        changed = feature
    else:
        if effective_from < feature.active_from:
            raise ValidationError(
                f"{label} is active from {formats.day(feature.active_from)}: a change cannot take effect before that."
            )
        refuse_closed_period(feature.service.provider, effective_from, CHANGE_DATE, field="effective_from")
        changed = _split(
            feature,
            effective_from,
            service=feature.service,
            product=feature.product,
            quantity=quantity,
            status=feature.status,
            acting_user=acting_user,
            note=f"Quantity changed to {quantity} from {formats.day(effective_from)}. {note}".strip(),
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


@records_acting_user
@transaction.atomic
def service_feature_cease(
    *, feature: ServiceFeature, active_to: datetime.date, note: str = "", acting_user
) -> ServiceFeature:
    """An active feature ceases: ``active_to`` is its last active day."""
    feature = _locked(feature, Status.ACTIVE, ": only an active feature ceases.")
    label = _label(feature)
    if active_to < feature.active_from:
        raise ValidationError(f"{label} is active from {formats.day(feature.active_from)}: it cannot cease before.")
    refuse_closed_period(feature.service.provider, active_to, LAST_ACTIVE_DAY, field="active_to")
    feature.status = Status.CEASED
    feature.active_to = active_to
    return _saved(
        feature, Action.CEASED, effective_date=active_to, acting_user=acting_user, before=feature.quantity, note=note
    )


@records_acting_user
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


@records_acting_user
@transaction.atomic
def service_feature_carry(
    *,
    feature: ServiceFeature,
    service: Service,
    product: FeatureProduct,
    quantity: int,
    day: datetime.date,
    note: str = "",
    acting_user,
) -> ServiceFeature:
    """Carry ``feature`` to ``service`` (which continues its service from ``day``),
    as ``product`` of that service's catalogue, with ``quantity``.

    A feature not active before ``day`` moves as it is; an active one ends the
    day before and a follower, active from ``day``, carries it on. Only ``day``
    is checked against closed periods: the day before may be the last of a
    closed period, on which the feature stays active as it was."""
    feature = ServiceFeature.objects.select_for_update().select_related("service").get(pk=feature.pk)
    refuse_closed_period(service.provider, day, CHANGE_DATE)
    before = feature.quantity
    if feature.status == Status.REQUESTED or feature.active_from >= day:
        feature.service, feature.product, feature.quantity = service, product, quantity
        return _saved(
            feature,
            Action.QUANTITY_CHANGED,
            effective_date=feature.active_from or feature.requested_on,
            acting_user=acting_user,
            before=before,
            after=quantity,
            note=f"Moved to service {service.reference}. {note}".strip(),
        )
    follower = _split(
        feature,
        day,
        service=service,
        product=product,
        quantity=quantity,
        status=Status.ACTIVE,
        acting_user=acting_user,
        note=f"Carried to service {service.reference} from {formats.day(day)}. {note}".strip(),
    )
    _record(
        follower,
        Action.ACTIVATED,
        effective_date=day,
        acting_user=acting_user,
        after=quantity,
        note=f"Carried from service {feature.service.reference}. {note}".strip(),
    )
    return follower


# Fields whose change alters what every active day of a feature bills.
_BILLED_FIELDS = ("service_id", "product_id", "quantity", "status")


def _dates_touched(new: ServiceFeature, stored: ServiceFeature | None) -> list[tuple[str, object, str]]:
    """The dates a write of ``new`` sets or moves away from (``stored``: as saved)."""
    return dates_touched(
        new, stored, [(ACTIVATION_DATE, "active_from"), (LAST_ACTIVE_DAY, "active_to")], billed_fields=_BILLED_FIELDS
    )


@records_acting_user
@transaction.atomic
def service_feature_import(
    *, feature: ServiceFeature, note: str = "", acting_user, exclude: Iterable[str] = ()
) -> ServiceFeature:
    """Record ``feature`` as it is given (new, or changed): the onboarding import
    and the demo bring existing services on board with their features.

    Refused when a date it sets or moves lies in a closed bill period. An
    activation is recorded as done by ``acting_user`` (``None``: the operator at
    the shell), like every other; the history says what happened and ``note``
    says how (the import's file). ``exclude`` leaves fields out of validation
    whose cells the import has already reported."""
    stored = ServiceFeature.objects.select_for_update().get(pk=feature.pk) if feature.pk else None
    refuse_closed_dates(feature.service.provider, _dates_touched(feature, stored))
    activated = feature.status != Status.REQUESTED and (stored is None or stored.status == Status.REQUESTED)
    if activated:
        feature.activated_by = acting_user
        feature.activated_at = timezone.now()
    feature.full_clean(exclude=list(exclude))
    feature.save()
    record = partial(_record, feature, acting_user=acting_user, note=note)
    if stored is None:
        record(Action.REQUESTED, effective_date=feature.requested_on, after=feature.quantity)
    if activated:
        record(Action.ACTIVATED, effective_date=feature.active_from, after=feature.quantity)
    if stored is not None and stored.quantity != feature.quantity:
        record(
            Action.QUANTITY_CHANGED,
            effective_date=feature.active_from or feature.requested_on,
            before=stored.quantity,
            after=feature.quantity,
        )
    if feature.status == Status.CEASED and (stored is None or stored.active_to != feature.active_to):
        record(Action.CEASED, effective_date=feature.active_to, before=feature.quantity)
    return feature
