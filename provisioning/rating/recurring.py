"""A recurring charge's arithmetic: each service feature, in arrears, pro-rated by day.

    amount = quantity × monthly price × days active in the period ÷ days in the period

half-up to the cent per line. Which features and prices a period holds is
``usage.billing.pricing.recurring_charges``."""

from __future__ import annotations

from decimal import Decimal

from ssaas.common.formats import to_cent


def prorate(*, quantity: int, monthly: Decimal, days: int, period_days: int) -> Decimal:
    """quantity × monthly × days ÷ period_days, half-up to the cent (one division, last)."""
    return to_cent(Decimal(quantity) * Decimal(monthly) * days / period_days)
