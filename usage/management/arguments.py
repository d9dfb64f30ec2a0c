"""Command-line arguments the usage commands share, read or refused."""

from django.core.management.base import CommandError

from providers.models import BillPeriod, Provider
from providers.months import PeriodInvalid, period_for


def provider_and_period(slug: str, period: str) -> tuple[Provider, BillPeriod]:
    """The provider of ``--provider SLUG`` and its bill period ``--period YYYY-MM``."""
    try:
        provider = Provider.objects.get(slug=slug)
    except Provider.DoesNotExist as exc:
        raise CommandError(f"No provider with slug {slug!r}.") from exc
    try:
        return provider, period_for(provider, period)
    except PeriodInvalid as exc:
        raise CommandError(str(exc)) from exc
