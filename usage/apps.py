from django.apps import AppConfig


class UsageConfig(AppConfig):
    name = "usage"
    verbose_name = "Usage, charges and reconciliation"

    def ready(self) -> None:
        # Each kind of carrier file registers its processor (carrier_files/processing.py),
        # each kind of job its handler (jobs/services.py).
        import usage.coce.ingest  # noqa: F401
        import usage.ctop.ingest  # noqa: F401
        import usage.ctop.quarantine  # noqa: F401
        import usage.reconciliation.export  # noqa: F401
        from providers.changelog import track
        from usage.billing.models import Adjustment

        # The change log (providers/changelog.py): adjustments, shown on their
        # service's page too. Usage records, quarantine, carrier files and bill run
        # lines are never tracked: ingest and the close write them in bulk (COPY).
        track(Adjustment, parent="service", exclude=["created_at", "created_by", "bill_run"])
