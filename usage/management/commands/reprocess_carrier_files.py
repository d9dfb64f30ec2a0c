import json

from django.core.management.base import BaseCommand, CommandError

from usage.carrier_files.choices import CarrierFileStatusChoices as Status
from usage.carrier_files.models import CarrierFile
from usage.carrier_files.receive import REPROCESSABLE, carrier_file_process


class Command(BaseCommand):
    help = (
        "Process carrier files again: the ones named by id, or every failed one (--failed). "
        "Files already processed are left alone (re-process the quarantine instead). Prints "
        "one JSON object per file; exits non-zero if one is still rejected or failed."
    )

    def add_arguments(self, parser):
        parser.add_argument("ids", nargs="*", type=int, help="carrier file ids")
        parser.add_argument("--failed", action="store_true", help="every failed file")
        parser.add_argument("--provider", help="only this provider's files (slug)")

    def handle(self, *args, ids, failed, provider, **options):
        if not ids and not failed:
            raise CommandError("Name the files' ids, or give --failed.")
        files = CarrierFile.objects.order_by("received_at")
        files = files.filter(pk__in=ids) if ids else files.filter(status=Status.FAILED)
        if provider:
            files = files.filter(provider__slug=provider)
        missing = set(ids) - set(files.values_list("pk", flat=True))
        if missing:
            raise CommandError(f"No carrier file with id {', '.join(map(str, sorted(missing)))}.")
        bad = False
        for carrier_file in files:
            if carrier_file.status not in REPROCESSABLE:
                self.stdout.write(
                    json.dumps({"file": carrier_file.name, "status": carrier_file.status, "skipped": True})
                )
                continue
            result = carrier_file_process(carrier_file_id=carrier_file.pk)
            bad |= result.status in (Status.REJECTED, Status.FAILED)
            self.stdout.write(json.dumps({"file": result.name, "status": result.status, "reason": result.reason}))
        if bad:
            raise SystemExit(1)
