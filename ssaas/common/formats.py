"""One way to write money, dates and sizes on every page.

Money is ``$1,234.56`` (negative ``-$1,234.56``), rounded half-up to the cent; AAPT's
cost keeps its finer digits on a record's own page (``places=None``). Dates are
dd/mm/yyyy (``SQL_DAY_FORMAT`` where PostgreSQL writes them). Sizes are human (``1.2 MB``).

``CENT`` and ``to_cent`` (half-up to the cent) are the one cent and the one
rounding of an amount for every app.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
DAY_FORMAT = "%d/%m/%Y"  # for a date field's widget and a typed date; to write a date, day()


def to_cent(value: Decimal) -> Decimal:
    """``value`` rounded half-up to the cent (0.005 → 0.01, not to even)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def as_decimal(value) -> Decimal | None:
    """A Decimal from what a query returned: SQLite sums decimals as floats, so a
    float goes through its shortest repr (``714.359999999999`` stays noise-free
    once rounded to the cent below)."""
    if value in (None, ""):
        return None
    if isinstance(value, Decimal):
        return value
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def money(value, places: int | None = 2) -> str:
    """``$1,234.56``: to the cent by default; ``places=None`` keeps every digit given
    (but at least the cents)."""
    amount = as_decimal(value)
    if amount is None:
        return "—"
    if places is not None:
        amount = amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    else:
        amount = amount.normalize()
        if amount.as_tuple().exponent > -2:
            amount = amount.quantize(CENT)
    sign = "-" if amount < 0 else ""
    digits = f"{abs(amount):,f}"
    return f"{sign}${digits}"


# day()'s dd/mm/yyyy as PostgreSQL's to_char() writes it, for text the database makes.
SQL_DAY_FORMAT = "DD/MM/YYYY"


def day(value: datetime.date | datetime.datetime | None) -> str:
    """``31/10/2026``."""
    if value is None:
        return "—"
    return value.strftime(DAY_FORMAT)


def day_time(value: datetime.datetime | None, *, seconds: bool = False) -> str:
    """``31/10/2026 14:05`` (``14:05:09`` with ``seconds``), in the zone ``value`` is in."""
    if value is None:
        return "—"
    return value.strftime(f"{DAY_FORMAT} %H:%M:%S" if seconds else f"{DAY_FORMAT} %H:%M")


def file_size(size: int | None) -> str:
    """Bytes for people: ``512 bytes``, ``12.3 kB``, ``4.5 MB``, ``1.2 GB``."""
    if size is None:
        return "—"
    if size < 1000:
        return f"{size} byte{'' if size == 1 else 's'}"
    value = float(size)
    for unit in ("kB", "MB", "GB", "TB"):
        value /= 1000
        if value < 1000 or unit == "TB":
            return f"{value:.1f} {unit}"
    return f"{size} bytes"  # pragma: no cover
