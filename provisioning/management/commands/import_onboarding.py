from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from providers.models import Provider
from provisioning.onboarding import KINDS, OnboardingResult, onboarding_import


class Command(BaseCommand):
    help = (
        "Import customers, services, identifiers, ranges, features, plans with their rates "
        "and the feature catalogue from an XLSX workbook or a CSV file (docs/onboarding.md). "
        "All or nothing: any error and nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="An .xlsx workbook or a .csv file.")
        parser.add_argument("--provider", required=True, help="The provider's slug.")
        parser.add_argument("--kind", choices=KINDS, help="The rows a CSV file holds (default: from its name).")
        parser.add_argument("--dry-run", action="store_true", help="Check every row, write nothing.")
        parser.add_argument("--user", help="Username recorded as the importer (checked for permission).")

    def handle(self, *args, **options):
        path: Path = options["file"]
        provider = Provider.objects.filter(slug=options["provider"]).first()
        if provider is None:
            raise CommandError(f"No provider with slug {options['provider']!r}.")
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No user {options['user']!r}.")
        if not path.is_file():
            raise CommandError(f"No file {path}.")
        try:
            with path.open("rb") as file:
                result = onboarding_import(
                    acting_user=user,
                    provider=provider,
                    file=file,
                    file_name=path.name,
                    kind=options["kind"],
                    dry_run=options["dry_run"],
                )
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        self.report(result, provider)

    def report(self, result: OnboardingResult, provider: Provider) -> None:
        for error in result.errors:
            self.stderr.write(str(error))
        if result.errors.more:
            self.stderr.write(f"… and {result.errors.more} more error(s) not listed")
        if result.errors:
            raise CommandError(f"{result.errors.total} error(s) in {result.file_name}: nothing was imported.")
        if result.dry_run:
            self.stdout.write(
                f"Dry run of {result.file_name} for {provider}: no errors; would import "
                f"{result.summary()}. Nothing was written."
            )
        else:
            self.stdout.write(self.style.SUCCESS(f"Imported {result.file_name} into {provider}: {result.summary()}."))
