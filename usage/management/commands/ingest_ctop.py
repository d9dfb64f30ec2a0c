import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from providers.models import Provider
from usage.carrier_files.choices import CarrierFileKindChoices, CarrierFileSourceChoices, CarrierFileStatusChoices
from usage.carrier_files.receive import UnsafeFileName, carrier_file_process, carrier_file_receive


class Command(BaseCommand):
    help = (
        "Ingest local CTOP files (plain or .gz) for a provider. Prints one JSON object per "
        "file; exits non-zero if any file was rejected or failed."
    )
    kind = CarrierFileKindChoices.CTOP

    def summary(self, carrier_file) -> dict:
        return carrier_file.summary()

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path)
        parser.add_argument("--provider", required=True, help="the provider's slug")

    def handle(self, *args, paths, provider, **options):
        try:
            target = Provider.objects.get(slug=provider)
        except Provider.DoesNotExist as exc:
            raise CommandError(f"No provider with slug {provider!r}.") from exc
        rejected = False
        for path in paths:
            if not path.is_file():
                raise CommandError(f"{path}: no such file")
            try:
                with path.open("rb") as content:
                    received = carrier_file_receive(
                        provider=target,
                        name=path.name,
                        content=content,
                        source=CarrierFileSourceChoices.COMMAND,
                        kind=self.kind,
                    )
            except UnsafeFileName as exc:
                raise CommandError(f"{path}: {exc}") from exc
            result = received
            if received.status == CarrierFileStatusChoices.RECEIVED:
                result = carrier_file_process(carrier_file_id=received.pk)
            failed = result.status in (CarrierFileStatusChoices.REJECTED, CarrierFileStatusChoices.FAILED)
            rejected |= failed
            summary = self.summary(result)
            if failed:
                summary["reason"] = result.reason
            elif result.reason:  # taken, with what staff should know: "Taken with 2 rejected line(s)"
                summary["note"] = result.reason
            self.stdout.write(json.dumps(summary))
        if rejected:
            raise SystemExit(1)
