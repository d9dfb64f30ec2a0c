"""Pricing of one call from a rate: billing increments, flagfall, rounding.

A call of ``d`` seconds (d > 0) is billed for ``i`` seconds if ``d <= i``, else
``i + ceil((d - i) / s) * s``; the charge is flagfall + rate x billed seconds / 60,
rounded half-up to the cent. An untimed rate charges the flagfall alone. A
credit (negative duration) is the negative of the same positive call.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
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
    amount = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    return -amount if seconds < 0 else amount
