from django.db import models


class BroadWorksItemTypeChoices(models.TextChoices):
    SERVICE_PACK = "SERVICE_PACK", "Service Pack"
    SIP_SESSION = "SIP_SESSION", "SIP Sessions"


class BroadWorksReportStatusChoices(models.TextChoices):
    CURRENT = "current", "Current"
    SUPERSEDED = "superseded", "Replaced by a later upload"
