"""What the bill run's files write alike."""

from __future__ import annotations

from decimal import Decimal


def amount_text(value: Decimal) -> str:
    """An amount as the CSV files write it: two decimals, no currency sign."""
    return f"{value:.2f}"
