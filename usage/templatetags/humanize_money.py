from decimal import Decimal

from django import template

from ..models import money_text

register = template.Library()


@register.filter
def dollars(value) -> str:
    """A dollar amount to the cent (finer digits kept when present)."""
    if value in (None, ""):
        return "0.00"
    return money_text(Decimal(value))
