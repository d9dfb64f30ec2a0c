from decimal import Decimal

from django import template

from ssaas.common import formats
from usage.carrier_files.models import money_text

register = template.Library()


@register.filter
def dollars(value) -> str:
    """A dollar amount to the cent (finer digits kept when present)."""
    if value in (None, ""):
        return "0.00"
    return money_text(Decimal(value))


@register.filter
def money(value, places=2) -> str:
    """``$1,234.56`` (see ssaas.common.formats.money)."""
    return formats.money(value, None if places in ("all", None) else int(places))


@register.filter
def file_size(value) -> str:
    return formats.file_size(value)
