from django.core.management.base import BaseCommand, CommandError

from providers.models import Provider
from usage.ctop.quarantine import quarantine_cleanse


class Command(BaseCommand):
    help = (
        "Re-process a provider's quarantined usage (after fixing identifiers, dates or "
        "rates): what now passes is billed once, the rest stays with its new reason."
    )

    def add_arguments(self, parser):
        parser.add_argument("--provider", required=True, help="the provider's slug")

    def handle(self, *args, provider, **options):
        try:
            target = Provider.objects.get(slug=provider)
        except Provider.DoesNotExist as exc:
            raise CommandError(f"No provider with slug {provider!r}.") from exc
        action = quarantine_cleanse(provider=target, note="manage.py cleanse")
        self.stdout.write(
            f"{target}: {action.considered} quarantined record(s) re-processed, "
            f"{action.rated} now rated, {action.still_quarantined} still quarantined."
        )
