from django.db import models


class CollectionRunTriggerChoices(models.TextChoices):
    SCHEDULE = "schedule", "Daily schedule"
    MANUAL = "manual", "Collect now (admin)"
    COMMAND = "command", "Command line"


class ProviderCollectionStatusChoices(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    COMPLETED_WITH_ERRORS = "completed_with_errors", "Completed with errors"
    FAILED = "failed", "Failed"
    BUSY = "busy", "Skipped: another collection was running"
