import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from usage.broadworks.services import ReportInvalid, broadworks_report_upload
from usage.carrier_files.choices import CarrierFileSourceChoices
from usage.carrier_files.receive import UnsafeFileName
from usage.management.arguments import provider_and_period


class Command(BaseCommand):
    help = (
        "Store a BroadWorks utilisation report (CSV) for a provider and bill period, "
        "replacing the period's current one. Prints a JSON summary; on any invalid row "
        "nothing is stored, the problems are listed and the exit status is 1."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--provider", required=True, help="the provider's slug")
        parser.add_argument("--period", required=True, help="the bill period, YYYY-MM")

    def handle(self, *args, path, provider, period, **options):
        target, bill_period = provider_and_period(provider, period)
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            with path.open("rb") as content:
                report = broadworks_report_upload(
                    provider=target,
                    period=bill_period,
                    name=path.name,
                    content=content,
                    source=CarrierFileSourceChoices.COMMAND,
                )
        except UnsafeFileName as exc:
            raise CommandError(f"{path}: {exc}") from exc
        except ReportInvalid as exc:
            for problem in exc.problems:
                self.stderr.write(problem)
            raise SystemExit(1) from exc
        self.stdout.write(
            json.dumps(
                {
                    "file": report.name,
                    "provider": target.slug,
                    "period": f"{bill_period.start_date}/{bill_period.end_date}",
                    "rows": report.rows,
                }
            )
        )
