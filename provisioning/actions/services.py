"""Services: the only writer of ``Service``.

A service's dates say on which days its calls are billed to its customer and
priced with its plan, so a date in a closed bill period would change what that
period billed: every write refuses one
(:func:`providers.periods.refuse_closed_period`). The model's own ``clean()``
keeps the rest (plan of the right provider, one live reference). The orders
that shaped a service are its workflow history; every field change is in the
change log, as done by ``acting_user`` (``@records_acting_user``,
providers/changelog.py).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction

from providers.changelog import records_acting_user
from providers.models import Customer
from providers.periods import dates_touched, refuse_closed_dates, refuse_closed_period, save_outside_closed_periods
from ssaas.common import formats

from ..choices import ServiceStatusChoices as Status
from ..models import Service, ServicePlan

ONE_DAY = datetime.timedelta(days=1)

START_DATE = "service start date"
END_DATE = "service end date"

# Fields whose change alters what every day of the service bills.
_BILLED_FIELDS = ("customer_id", "plan_id", "status")
_DATES = ((START_DATE, "start_date"), (END_DATE, "end_date"))


def service_dates_touched(new, stored) -> list[tuple[str, datetime.date | None, str]]:
    """The dates a write of ``new`` sets or moves away from (``stored``: as saved)."""
    return dates_touched(new, stored, _DATES, billed_fields=_BILLED_FIELDS)


def service_check(service: Service) -> None:
    """Refuse ``service`` (as a form holds it, not saved yet) when a date it sets or
    moves lies in a closed bill period: what :func:`service_save` will refuse, for
    a form's ``clean()``."""
    if not service.customer_id:
        return
    stored = Service.objects.filter(pk=service.pk).first() if service.pk else None
    refuse_closed_dates(service.customer.provider, service_dates_touched(service, stored))


@records_acting_user
@transaction.atomic
def service_save(*, service: Service, acting_user, exclude: Iterable[str] = ()) -> Service:
    """Save ``service``, new or changed, as given: the admin, the onboarding import
    and the demo. ``exclude`` leaves fields out of validation whose input is
    already reported."""
    if service.customer_id:
        service.provider_id = service.customer.provider_id
    return save_outside_closed_periods(
        service, provider=service.customer.provider, touched=service_dates_touched, exclude=exclude
    )


@records_acting_user
@transaction.atomic
def service_create(
    *,
    customer: Customer,
    plan: ServicePlan,
    reference: str,
    start_date: datetime.date,
    label: str = "",
    replaces: Service | None = None,
    acting_user,
) -> Service:
    """A new service, active from ``start_date`` (completing a new-service order, or
    continuing ``replaces``)."""
    service = Service(
        customer=customer,
        plan=plan,
        reference=reference,
        label=label,
        status=Status.ACTIVE,
        start_date=start_date,
        replaces=replaces,
    )
    return service_save(service=service, acting_user=acting_user)


@records_acting_user
@transaction.atomic
def service_cease(*, service: Service, end_date: datetime.date, acting_user) -> Service:
    """The service ends: ``end_date`` is its last day, and it is ceased."""
    service = Service.objects.select_for_update().select_related("customer").get(pk=service.pk)
    if service.end_date is not None:
        raise ValidationError(f"Service {service.reference} already ends on {formats.day(service.end_date)}.")
    if service.start_date and end_date < service.start_date:
        raise ValidationError(
            f"Service {service.reference} starts on {formats.day(service.start_date)}: it cannot end before it starts."
        )
    service.end_date = end_date
    service.status = Status.CEASED
    return service_save(service=service, acting_user=acting_user)


@records_acting_user
@transaction.atomic
def service_replace(
    *,
    service: Service,
    day: datetime.date,
    customer: Customer,
    plan: ServicePlan,
    reference: str,
    acting_user,
) -> Service:
    """End ``service`` on the day before ``day`` and continue it from ``day`` as a
    new service (``replaces``) of ``customer`` on ``plan``.

    Only ``day`` is checked against closed periods: the day before, on which the
    old service ends, may be the last day of a closed period; the service was
    active on every day of that period before and after, so nothing billed
    there changes."""
    old = Service.objects.select_for_update().select_related("customer").get(pk=service.pk)
    if old.status != Status.ACTIVE or old.end_date is not None:
        raise ValidationError(
            f"Service {old.reference} is {old.get_status_display().lower()}"
            + (f" and ends on {formats.day(old.end_date)}" if old.end_date else "")
            + ": only an active service that has not ended can change owner, plan or provider."
        )
    if day <= old.start_date:
        raise ValidationError(
            f"Service {old.reference} starts on {formats.day(old.start_date)}: a change can take effect "
            f"from {formats.day(old.start_date + ONE_DAY)} at the earliest."
        )
    refuse_closed_period(old.provider, day, START_DATE)
    old.end_date = day - ONE_DAY
    old.status = Status.CEASED
    old.full_clean()
    old.save()
    return service_create(
        customer=customer,
        plan=plan,
        reference=reference,
        label=old.label,
        start_date=day,
        replaces=old,
        acting_user=acting_user,
    )


@records_acting_user
@transaction.atomic
def service_delete(*, service: Service, acting_user) -> None:
    """Delete a service entered by mistake; refused when one of its dates lies in a
    closed bill period (cease it instead)."""
    stored = Service.objects.select_for_update().select_related("customer__provider").get(pk=service.pk)
    provider = stored.customer.provider
    refuse_closed_dates(provider, service_dates_touched(stored, None))
    # Its identifiers and features go with it.
    for identifier in stored.identifiers.all():
        refuse_closed_dates(provider, [("identifier start date", identifier.active_from, None)])
        refuse_closed_dates(provider, [("identifier end date", identifier.active_to, None)])
    for feature in stored.features.all():
        refuse_closed_dates(provider, [("activation date", feature.active_from, None)])
        refuse_closed_dates(provider, [("last active day", feature.active_to, None)])
    stored.delete()
