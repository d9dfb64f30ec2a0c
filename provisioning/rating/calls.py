"""Pricing of one call from a rate: billing increments, flagfall, rounding.

A call of ``d`` seconds (d > 0) is billed for ``i`` seconds if ``d <= i``, else
``i + ceil((d - i) / s) * s``; the charge is flagfall + rate x billed seconds / 60,
rounded half-up to the cent. An untimed rate charges the flagfall alone. A
credit (negative duration) is the negative of the same positive call.
"""

from __future__ import annotations

from decimal import Decimal

from ssaas.common.formats import to_cent

SIXTY = Decimal(60)


def billed_seconds(seconds: int, initial: int, subsequent: int) -> int:
    if seconds <= 0:
        return 0
    if seconds <= initial:
        return initial
    extra = seconds - initial
    return initial + -(-extra // subsequent) * subsequent


def price_call(
    *,
    seconds: int,
    flagfall: Decimal,
    rate_per_minute: Decimal,
    untimed: bool,
    initial: int | None,
    subsequent: int | None,
) -> Decimal:
    """The charge for a call of ``seconds`` (negative for a credit), to the cent."""
    magnitude = abs(seconds)
    if untimed:
        amount = flagfall
    else:
        amount = flagfall + rate_per_minute * billed_seconds(magnitude, initial, subsequent) / SIXTY
    amount = to_cent(amount)
    return -amount if seconds < 0 else amount


def rate_call(
    *,
    seconds: int,
    flagfall: Decimal,
    rate_per_minute: Decimal,
    untimed: bool,
    initial: int | None,
    subsequent: int | None,
    credit: bool = False,
) -> tuple[int, Decimal]:
    """(billed seconds, charge) of a usage record's call of ``seconds``.

    An untimed call is billed for its own duration. A credit (negative
    ``seconds``, or ``credit``) is the negative of the same positive call, both
    billed seconds and charge; a nil charge stays ``0.00``, never ``-0.00``."""
    magnitude = abs(seconds)
    charge = price_call(
        seconds=magnitude,
        flagfall=flagfall,
        rate_per_minute=rate_per_minute,
        untimed=untimed,
        initial=initial,
        subsequent=subsequent,
    )
    billed = magnitude if untimed else billed_seconds(magnitude, initial, subsequent)
    if seconds < 0 or credit:
        billed = -billed
        charge = -charge if charge else charge
    return billed, charge
