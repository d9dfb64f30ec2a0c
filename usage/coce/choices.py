from django.db import models


class OtherChargeTypeChoices(models.TextChoices):
    """COCE ``type_code``."""

    RECURRING = "2", "Recurring"
    ONE_OFF = "3", "One-off"
    ADJUSTMENT = "4", "Adjustment"


class OtherChargeLevelChoices(models.TextChoices):
    """COCE ``billing_level``."""

    ACCOUNT = "0", "Account"
    SERVICE = "1", "Service"


class OtherChargeStatusChoices(models.TextChoices):
    COUNTED = "counted", "Counted"
    DUPLICATE = "duplicate", "Duplicate (counted in another file)"
    SUPERSEDED = "superseded", "Superseded by a re-issued file"


class OtherChargeExceptionChoices(models.TextChoices):
    UNKNOWN_ELEMENT = "unknown_element", "Unknown element id"
    UNMATCHED_RANGE = "unmatched_range", "Range owned by no service"
