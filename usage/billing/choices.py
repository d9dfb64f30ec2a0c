from django.db import models


class BillRunStatusChoices(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class BillRunLineKindChoices(models.TextChoices):
    USAGE = "usage", "Calls"
    LATE_USAGE = "late_usage", "Late calls"
    RECURRING = "recurring", "Recurring"
    ADJUSTMENT = "adjustment", "Adjustment"
