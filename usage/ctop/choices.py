from django.db import models


class UsageRecordStatusChoices(models.TextChoices):
    RATED = "rated", "Rated"
    QUARANTINED = "quarantined", "Quarantined"
    WRITTEN_OFF = "written_off", "Written off"


class UsageRecordReasonChoices(models.TextChoices):
    NON_EXISTENT_SERVICE = "non_existent_service", "Non-existent service"
    NO_ACTIVE_PERIOD = "no_active_period", "No active period"
    NO_PRICE = "no_price", "No price"
    UNSUPPORTED_UNIT = "unsupported_unit", "Unsupported unit type"
    IMPLAUSIBLE = "implausible", "Implausible duration or charge"


class QuarantineActionKindChoices(models.TextChoices):
    CLEANSE = "cleanse", "Re-processed"
    WRITE_OFF = "write_off", "Written off"
