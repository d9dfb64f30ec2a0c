import json

from django.core.management.base import BaseCommand

from ssaas.demo import data as demo


class Command(BaseCommand):
    help = (
        "Load the demo providers, customers, services, plans, users and open orders of the sample "
        "files; ingest the sample CTOP files, and Harbour Voice's sample COCE and BroadWorks report. "
        "Safe to run again: nothing is duplicated."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-usage", action="store_true", help="load the set-up only, not the sample carrier files"
        )

    def handle(self, *args, no_usage=False, **options):
        providers = demo.load_setup()
        self.stdout.write(self.style.SUCCESS(f"Demo set-up loaded: {', '.join(p.name for p in providers.values())}."))
        orders = demo.load_orders()
        self.stdout.write(f"Manual provisioning queue: {len(orders)} open orders.")
        if not no_usage:
            for carrier_file in demo.load_usage(providers):
                self.stdout.write(json.dumps(carrier_file.summary()))
            demo.load_other_charges(providers)
            self.stdout.write("Harbour Voice's sample COCE and BroadWorks report loaded (October 2026).")
        demo.load_billing(providers)
        self.stdout.write(
            "Retail prices set; October 2026 is open: preview its bill run from Bill periods → October 2026."
        )
        self.stdout.write("Log in as demo/demo (superuser), provisioning/provisioning or billing/billing.")
