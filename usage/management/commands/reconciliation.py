from pathlib import Path

from django.core.management.base import BaseCommand

from usage.management.arguments import provider_and_period
from usage.reconciliation.report import reconciliation_build
from usage.reconciliation.workbook import write_reconciliation_workbook


class Command(BaseCommand):
    help = "Write a provider's reconciliation for a bill period as .xlsx: the same workbook the admin's download gives."

    def add_arguments(self, parser):
        parser.add_argument("--provider", required=True, help="the provider's slug")
        parser.add_argument("--period", required=True, help="the bill period, YYYY-MM")
        parser.add_argument("-o", "--output", required=True, type=Path, help="the .xlsx to write")

    def handle(self, *args, provider, period, output, **options):
        target, bill_period = provider_and_period(provider, period)
        report = reconciliation_build(provider=target, period=bill_period)
        write_reconciliation_workbook(report, output)
        self.stdout.write(f"{output}: reconciliation of {target} for {bill_period.label}")
