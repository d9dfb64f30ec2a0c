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
