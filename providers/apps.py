from django.apps import AppConfig


class ProvidersConfig(AppConfig):
    name = "providers"
    verbose_name = "Providers and customers"

    def ready(self) -> None:
        from django.contrib.admin.models import LogEntry as AdminLogEntry
        from django.db.models.signals import post_save

        from .changelog import note_admin_message, track
        from .models import BillPeriod, Provider

        # The change log (providers/changelog.py). A provider's settings that decide
        # how it is billed and invoiced; not its FTP settings (nor the password).
        track(
            Provider,
            include=[
                "name",
                "kind",
                "wholesale_provider",
                "aapt_account",
                "identification_method",
                "custom_realms",
                "time_zone",
                "ledger_account_code",
                "ledger_tax_type",
                "invoice_prefix",
                "invoice_next_number",
                "payment_terms_days",
                "is_active",
            ],
        )
        track(BillPeriod)
        post_save.connect(note_admin_message, sender=AdminLogEntry, dispatch_uid="providers.changelog.admin_message")
