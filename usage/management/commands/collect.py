from django.core.management.base import BaseCommand, CommandError

from providers.models import Provider
from usage.collection.choices import ProviderCollectionStatusChoices
from usage.collection.collector import collection_run_now
from usage.collection.selectors import collectable_providers


class Command(BaseCommand):
    help = (
        "Collect new CTOP and COCE files from the providers' AAPT FTP directories now (all "
        "active providers with FTP settings, or one), queue their processing and print a "
        "line per provider. Exits non-zero if a provider's collection failed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--provider", help="the provider's slug (default: all)")

    def handle(self, *args, provider=None, **options):
        providers = None
        if provider:
            try:
                chosen = Provider.objects.get(slug=provider)
            except Provider.DoesNotExist as exc:
                raise CommandError(f"No provider with slug {provider!r}.") from exc
            if not collectable_providers().filter(pk=chosen.pk).exists():
                raise CommandError(f"{chosen} cannot be collected: it is inactive or has no FTP host and username.")
            providers = [chosen]
        run = collection_run_now(providers=providers)
        collections = list(run.collections.select_related("provider").order_by("provider__name"))
        if not collections:
            self.stdout.write("No active provider has FTP settings: nothing to collect.")
        for collection in collections:
            self.stdout.write(collection.summary())
        if any(c.status == ProviderCollectionStatusChoices.FAILED for c in collections):
            raise SystemExit(1)
