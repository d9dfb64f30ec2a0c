"""The closed-period policy: nothing may change on a day of a closed bill period.

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
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable

from django.core.exceptions import ValidationError
from django.db import connection

from .choices import BillPeriodStatusChoices
from .models import BillPeriod, Provider


def _on(day: datetime.date) -> str:
    return f"{day:%d/%m/%Y}"


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
        f"The {what} {_on(day)} is inside {provider}'s closed bill period {period.label} "
        f"({_on(period.start_date)}–{_on(period.end_date)}): nothing may change in a closed "
        f"period. Choose a date after {_on(period.end_date)}."
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
