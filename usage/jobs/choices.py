from django.db import models


class JobKindChoices(models.TextChoices):
    RECONCILIATION_EXPORT = "reconciliation_export", "Reconciliation spreadsheet"
    QUARANTINE_REPROCESS = "quarantine_reprocess", "Re-process quarantined records"


class JobStatusChoices(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
