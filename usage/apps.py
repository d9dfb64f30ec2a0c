from django.apps import AppConfig


class UsageConfig(AppConfig):
    name = "usage"
    verbose_name = "Usage, charges and reconciliation"

    def ready(self) -> None:
        # Each kind of carrier file registers its processor (carrier_files/processing.py).
        import usage.coce.ingest  # noqa: F401
        import usage.ctop.ingest  # noqa: F401
