import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from usage.billing.exports.close import write_files
from usage.billing.models import BillRun
from usage.billing.services import bill_period_close_files, bill_run_preview_files
from usage.management.arguments import provider_and_period


class Command(BaseCommand):
    help = (
        "Close a provider's bill period and write its bill run's three files (Xero invoices, itemised calls, "
        "run summary) into a folder; with --preview, write what the close would give and keep nothing. "
        "A period already closed by a run only has its files written again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--provider", required=True, help="the provider's slug")
        parser.add_argument("--period", required=True, help="the bill period, YYYY-MM")
        parser.add_argument("--preview", action="store_true", help="write the files of a close, keep nothing")
        parser.add_argument("-o", "--output", required=True, type=Path, help="the folder to write the files in")

    def handle(self, *args, provider, period, preview, output, **options):
        _target, bill_period = provider_and_period(provider, period)
        output.mkdir(parents=True, exist_ok=True)
        try:
            if preview:
                paths = bill_run_preview_files(period=bill_period, directory=output)
                run = None
            else:
                run = BillRun.objects.filter(period=bill_period, status="done").first()
                if run is None:
                    run, paths = bill_period_close_files(period=bill_period, acting_user=None, directory=output)
                else:
                    paths = write_files(run, output)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        summary = {"period": bill_period.label, "preview": preview, "files": [str(p) for p in paths]}
        if run is not None:
            summary.update(
                calls=run.calls,
                late_calls=run.late_calls,
                invoices=run.invoices.count(),
                total_ex_gst=str(run.total_ex_gst),
                gst=str(run.gst),
                total_inc_gst=str(run.total_inc_gst),
                outstanding=run.outstanding,
            )
        self.stdout.write(json.dumps(summary))
