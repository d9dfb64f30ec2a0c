"""Service identifiers and hosted number ranges (a range is an identifier of kind
``number_range``; ``HostedNumberRange`` is its proxy): the only writer of both.

Usage is identified by the identifier active on the call's date, so a date of
an identifier in a closed bill period would change what that period billed:
every write refuses one (:func:`providers.periods.refuse_closed_period`). The
model's own ``clean()`` keeps the rest (no identifier on two services at once,
Group ID and realm rules). Every change is in the change log, as done by
``acting_user`` (``@records_acting_user``, providers/changelog.py).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import transaction

from providers.changelog import records_acting_user
from providers.periods import dates_touched, refuse_closed_dates, refuse_closed_period, save_outside_closed_periods

from ..models import Service, ServiceIdentifier

ONE_DAY = datetime.timedelta(days=1)

START_DATE = "identifier start date"
END_DATE = "identifier end date"

# Fields whose change alters what every active day of an identifier identifies.
_IDENTIFYING_FIELDS = ("service_id", "kind", "value")
_DATES = ((START_DATE, "active_from"), (END_DATE, "active_to"))


def identifier_dates_touched(new, stored) -> list[tuple[str, datetime.date | None, str]]:
    """The dates a write of ``new`` sets or moves away from (``stored``: as saved)."""
    return dates_touched(new, stored, _DATES, billed_fields=_IDENTIFYING_FIELDS)


def service_identifier_check(identifier: ServiceIdentifier) -> None:
    """Refuse ``identifier`` (as a form holds it, not saved yet) when a date it
    sets or moves lies in a closed bill period: what :func:`service_identifier_save`
    will refuse, for a form's ``clean()``."""
    stored = ServiceIdentifier.objects.filter(pk=identifier.pk).first() if identifier.pk else None
    service = identifier.service if (identifier.service_id or ServiceIdentifier.service.is_cached(identifier)) else None
    if service is not None and service.customer_id:
        refuse_closed_dates(service.customer.provider, identifier_dates_touched(identifier, stored))


@records_acting_user
@transaction.atomic
def service_identifier_save(
    *, identifier: ServiceIdentifier, acting_user, exclude: Iterable[str] = ()
) -> ServiceIdentifier:
    """Save ``identifier`` (or hosted number range), new or changed, as given: the
    admin, the onboarding import and the demo. ``exclude`` leaves fields out of
    validation whose input is already reported."""
    return save_outside_closed_periods(
        identifier, provider=identifier.service.provider, touched=identifier_dates_touched, exclude=exclude
    )


@records_acting_user
@transaction.atomic
def service_identifier_add(
    *,
    service: Service,
    kind: str,
    value: str,
    active_from: datetime.date,
    active_to: datetime.date | None = None,
    acting_user,
) -> ServiceIdentifier:
    """A new identifier (or range) on ``service``, active from ``active_from``."""
    identifier = ServiceIdentifier(
        service=service, kind=kind, value=value, active_from=active_from, active_to=active_to
    )
    return service_identifier_save(identifier=identifier, acting_user=acting_user)


@records_acting_user
@transaction.atomic
def service_identifier_delete(*, identifier: ServiceIdentifier, acting_user) -> None:
    """Delete an identifier entered by mistake; refused when one of its dates lies
    in a closed bill period (end it instead)."""
    stored = ServiceIdentifier.objects.select_for_update().select_related("service__provider").get(pk=identifier.pk)
    refuse_closed_dates(stored.service.provider, identifier_dates_touched(stored, None))
    stored.delete()


@records_acting_user
@transaction.atomic
def service_identifier_end(
    *, identifier: ServiceIdentifier, active_to: datetime.date, acting_user
) -> ServiceIdentifier:
    """The identifier's last active day becomes ``active_to``."""
    identifier = ServiceIdentifier.objects.select_for_update().select_related("service__provider").get(pk=identifier.pk)
    identifier.active_to = active_to
    return service_identifier_save(identifier=identifier, acting_user=acting_user)


@records_acting_user
@transaction.atomic
def service_identifier_carry(
    *, identifier: ServiceIdentifier, service: Service, day: datetime.date, acting_user
) -> ServiceIdentifier:
    """Carry ``identifier`` to ``service``, which continues its service from ``day``.

    One not active before ``day`` moves as it is; an active one ends the day
    before and a follower on ``service`` carries it on from ``day``. Only ``day``
    is checked against closed periods: the day before may be the last of a closed
    period, on which the identifier stays as it was."""
    identifier = ServiceIdentifier.objects.select_for_update().get(pk=identifier.pk)
    refuse_closed_period(service.provider, day, START_DATE)
    if identifier.active_from >= day:
        identifier.service = service
        identifier.full_clean()
        identifier.save()
        return identifier
    follower = ServiceIdentifier(
        service=service,
        kind=identifier.kind,
        value=identifier.value,
        active_from=day,
        active_to=identifier.active_to,
    )
    identifier.active_to = day - ONE_DAY
    identifier.full_clean()
    identifier.save()
    follower.full_clean()
    follower.save()
    return follower
