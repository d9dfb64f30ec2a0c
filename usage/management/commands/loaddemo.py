from django.core.management.base import BaseCommand

from ssaas import demo


class Command(BaseCommand):
    help = (
        "Load the demo providers, customers, services, plans and users of the sample "
        "files, and Harbour Voice's sample COCE and BroadWorks report. Safe to run again: "
        "nothing is duplicated."
    )

    def handle(self, *args, **options):
        providers = demo.load_setup()
        demo.load_other_charges(providers)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo set-up loaded: {', '.join(p.name for p in providers.values())}."
            )
        )
        self.stdout.write(
            "Log in as demo/demo (superuser), provisioning/provisioning or billing/billing."
        )
