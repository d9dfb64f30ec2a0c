"""Which dates "2026-10" means for a provider: its bill period starting that
month, else the calendar month."""

from __future__ import annotations

import calendar
import datetime
import re
from decimal import Decimal

from providers.models import BillPeriod, Provider

_MONTH = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{2})$")
# "Oct 2026", "October 2026": how a bill period is written on the pages.
_NAMED_MONTH = re.compile(r"^(?P<name>[A-Za-z]{3,9})\.?\s+(?P<year>\d{4})$")
_MONTH_NAMES = [calendar.month_abbr[m].lower() for m in range(1, 13)]


class PeriodInvalid(ValueError):
    """Not a period written YYYY-MM."""


def period_for(provider: Provider, text: str) -> BillPeriod:
    """The provider's bill period starting in month ``text`` (``YYYY-MM``), or an
    unsaved one spanning the calendar month when the provider has none."""
    match = _MONTH.match(text.strip())
    named = _NAMED_MONTH.match(text.strip())
    if named and named["name"].lower()[:3] in _MONTH_NAMES:
        year, month = int(named["year"]), _MONTH_NAMES.index(named["name"].lower()[:3]) + 1
    elif not match or not 1 <= int(match["month"]) <= 12:
        raise PeriodInvalid(f"{text!r} is not a period: write it as YYYY-MM (e.g. 2026-10) or Oct 2026")
    else:
        year, month = int(match["year"]), int(match["month"])
    found = (
        BillPeriod.objects.filter(provider=provider, start_date__year=year, start_date__month=month)
        .order_by("start_date")
        .first()
    )
    if found:
        return found
    last = calendar.monthrange(year, month)[1]
    return BillPeriod(
        provider=provider,
        start_date=datetime.date(year, month, 1),
        end_date=datetime.date(year, month, last),
    )


def period_slug(period: BillPeriod) -> str:
    return f"{period.start_date:%Y-%m}"


def month_fraction(first: datetime.date, last: datetime.date) -> Decimal:
    """How many months [first, last] spans: each day counts 1/days-in-its-month."""
    total = Decimal(0)
    day = first
    while day <= last:
        days_in_month = calendar.monthrange(day.year, day.month)[1]
        month_end = day.replace(day=days_in_month)
        total += Decimal((min(last, month_end) - day).days + 1) / days_in_month
        day = month_end + datetime.timedelta(days=1)
    return total
