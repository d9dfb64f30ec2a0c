"""The closed-period policy: nothing may change on a day of a closed bill period,
and a closed period itself never changes.

The only copy of the rule and of its message. Every writer of a service,
identifier, range, feature, order completion or bill adjustment calls
:func:`refuse_closed_period` with each date it sets or moves; an admin form
calls it from ``clean()`` so that the person sees the refusal on the form they
typed.

Only the dates a change sets (or moves away from) are checked, not every day
between them: an identifier active from 1 October with no end, added while
September is closed, changes nothing billed in September. A date moved *out*
of a closed period is a change to that period too, so writers pass the old
date as well as the new one.

A bill period's own dates and status are written only by
:func:`bill_period_save`, :func:`bill_period_delete` and
:func:`bill_period_mark_closed` (the bill run's close): a closed period is
never reopened, shrunk, moved or deleted, and no period may overlap it, so
what its run billed is billed once. A correction to a closed month is an
adjustment in the next open period. The database refuses the same changes of a
closed row (a trigger, migration 0004), whatever writes it.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable

from django.core.exceptions import ValidationError
from django.db import connection, transaction

from ssaas.common import formats

from .changelog import records_acting_user
from .choices import BillPeriodStatusChoices
from .models import BillPeriod, Provider


def closed_period_holding(provider: Provider, day: datetime.date) -> BillPeriod | None:
    """The closed bill period of ``provider`` holding ``day``, if any.

    Inside a transaction the provider's period rows holding ``day`` are locked
    first, open or closed, as a close locks its period before it bills
    (``usage.billing.services``): a change made while the period is being
    closed waits for the close to commit and is then refused; a close that
    starts while the change is being made waits for it and bills it."""
    periods = BillPeriod.objects.containing(day).filter(provider=provider).order_by("start_date")
    if connection.in_atomic_block:
        periods = periods.select_for_update()
    return next((p for p in periods if p.status == BillPeriodStatusChoices.CLOSED), None)


def closed_period_message(provider: Provider, period: BillPeriod, day: datetime.date, what: str) -> str:
    """The one wording of a refusal: what was refused, its date, and the period."""
    return (
        f"The {what} {formats.day(day)} is inside {provider}'s closed bill period {period.label} "
        f"({formats.day(period.start_date)}–{formats.day(period.end_date)}): nothing may change in a closed "
        f"period. Choose a date after {formats.day(period.end_date)}."
    )


def refuse_closed_period(provider: Provider, day: datetime.date | None, what: str, *, field: str | None = None) -> None:
    """Raise ``ValidationError`` when ``day`` lies in a closed bill period of ``provider``.

    ``what`` names the date for the person, lower-case, without an article:
    "activation date", "service end date", "adjustment date". ``None`` (no
    date) passes. With ``field`` the error is about that form or model field
    (a form shows it beside the date the person typed)."""
    if day is None:
        return
    period = closed_period_holding(provider, day)
    if period is not None:
        message = closed_period_message(provider, period, day, what)
        raise ValidationError({field: message} if field else message)


def dates_touched(
    new, stored, dates: Iterable[tuple[str, str]], *, billed_fields: Iterable[str]
) -> list[tuple[str, datetime.date | None, str]]:
    """The ``(what, day, field)`` a write of ``new`` sets or moves away from, for
    :func:`refuse_closed_dates`. ``stored`` is the row as saved (``None``: a new
    row, or ``new`` is being deleted); ``dates`` are its ``(what, field)`` dates;
    a change to one of ``billed_fields`` changes every day, so touches every date,
    old and new."""
    fields = list(billed_fields)
    if stored is None or any(getattr(new, f) != getattr(stored, f) for f in fields):
        rows = [new] if stored is None else [new, stored]
        return [(what, getattr(row, field), field) for row in rows for what, field in dates]
    return [
        (what, day, field)
        for what, field in dates
        if getattr(new, field) != getattr(stored, field)
        for day in (getattr(new, field), getattr(stored, field))
    ]


def refuse_closed_dates(provider: Provider, dates: Iterable[tuple[str, datetime.date | None, str | None]]) -> None:
    """:func:`refuse_closed_period` for each ``(what, day, field)`` a change sets or
    moves away from; the first refusal is raised."""
    for what, day, field in dates:
        refuse_closed_period(provider, day, what, field=field)


def save_outside_closed_periods(obj, *, provider: Provider, touched: Callable, exclude: Iterable[str] = ()):
    """Save ``obj`` (new, or changed) unless a date it sets or moves away from lies
    in a closed bill period of ``provider``: ``touched(obj, stored)`` names those
    dates against the stored row, locked until the transaction ends. ``exclude``
    leaves fields out of validation whose input is already reported."""
    stored = type(obj).objects.select_for_update().filter(pk=obj.pk).first() if obj.pk else None
    refuse_closed_dates(provider, touched(obj, stored))
    obj.full_clean(exclude=list(exclude))
    obj.save()
    return obj


# ---------------------------------------------------------------------------
# The bill period writer
# ---------------------------------------------------------------------------

_PERIOD_FIELDS = ("provider_id", "start_date", "end_date", "status")
_CORRECT_BY_ADJUSTMENT = "Correct a closed month with an adjustment in the next open period."


def bill_period_check(period: BillPeriod, stored: BillPeriod | None = None) -> None:
    """Raise ``ValidationError`` when writing ``period`` (as a form holds it) would
    change a closed period or close an open one outside its bill run; ``stored``:
    the row as saved (read here when not given). Overlaps are the model's
    ``clean()``."""
    if stored is None and period.pk:
        stored = BillPeriod.objects.filter(pk=period.pk).first()
    if stored is not None and stored.is_closed:
        if period.status != stored.status:
            raise ValidationError(
                {
                    "status": f"{stored.provider}'s bill period {stored.label} is closed: it cannot be reopened. "
                    f"{_CORRECT_BY_ADJUSTMENT}"
                }
            )
        moved = [f for f in _PERIOD_FIELDS if getattr(period, f) != getattr(stored, f)]
        if moved:
            field = moved[0].removesuffix("_id")
            raise ValidationError(
                {
                    field: f"{stored.provider}'s bill period {stored.label} "
                    f"({formats.day(stored.start_date)}–{formats.day(stored.end_date)}) is closed: "
                    "its dates cannot change. "
                    f"{_CORRECT_BY_ADJUSTMENT}"
                }
            )
    elif stored is not None and period.is_closed:
        raise ValidationError(
            {
                "status": f"{stored.provider}'s bill period {stored.label} is closed by its bill run "
                "(Bill runs → Close), which bills it: not by editing the period."
            }
        )


def _locked(period: BillPeriod) -> BillPeriod | None:
    """The provider's row locked (period writes of one provider, and its closes, go
    one at a time), then ``period`` as stored, locked."""
    Provider.objects.select_for_update().filter(pk=period.provider_id).first()
    return BillPeriod.objects.select_for_update().filter(pk=period.pk).first() if period.pk else None


@records_acting_user
@transaction.atomic
def bill_period_save(*, period: BillPeriod, acting_user) -> BillPeriod:
    """Save ``period``, new or changed. A new period may be saved closed (a month
    billed before this system); an open one is closed only by its bill run."""
    stored = _locked(period)
    bill_period_check(period, stored)
    period.full_clean()
    period.save()
    return period


def bill_period_delete_refusal(period: BillPeriod) -> str | None:
    """Why ``period`` may not be deleted (``None``: it may)."""
    if period.is_closed:
        return (
            f"{period.provider}'s bill period {period.label} is closed: it cannot be deleted. {_CORRECT_BY_ADJUSTMENT}"
        )
    return None


@records_acting_user
@transaction.atomic
def bill_period_delete(*, period: BillPeriod, acting_user) -> None:
    """Delete an open period (one added by mistake); a closed one stays."""
    stored = _locked(period)
    refusal = bill_period_delete_refusal(stored) if stored is not None else None
    if refusal:
        raise ValidationError(refusal)
    period.delete()


def bill_period_mark_closed(*, period: BillPeriod, acting_user) -> BillPeriod:
    """Close ``period``: only the bill run's close, inside its transaction with the
    period row locked, once it has billed it."""
    if not connection.in_atomic_block:  # pragma: no cover - a defect, never input
        raise RuntimeError("a bill period is closed inside its bill run's transaction")
    period.status = BillPeriodStatusChoices.CLOSED
    period.save(update_fields=["status"])
    return period
