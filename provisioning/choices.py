from django.db import models


class PlanRateCategoryChoices(models.TextChoices):
    """Call categories a rate card prices, from the destination number."""

    FIXED = "fixed", "Fixed (AU geographic)"
    MOBILE = "mobile", "Mobile"
    LOCAL_RATE = "local_rate", "13/1300"
    FREECALL = "freecall", "1800"
    INTERNATIONAL = "international", "International"
    PREMIUM = "premium", "Premium (19xx)"
    EMERGENCY = "emergency", "Emergency (000/112)"
    OTHER = "other", "Other"


class ServiceStatusChoices(models.TextChoices):
    PENDING = "pending", "Pending"
    ACTIVE = "active", "Active"
    HALTED = "halted", "Halted"
    CEASED = "ceased", "Ceased"


class ServiceIdentifierKindChoices(models.TextChoices):
    GROUP_ID = "group_id", "Group ID"
    FNN = "fnn", "FNN"
    USERNAME = "username", "Distinct username"
    USERNAME_REALM = "username_realm", "username@realm"
    NUMBER_RANGE = "number_range", "Hosted number range"


class FeatureProductKindChoices(models.TextChoices):
    SERVICE_PACK = "service_pack", "Service Pack"
    SIP_SESSION = "sip_session", "SIP Session"
    NUMBER_RANGE = "number_range", "Hosted number range"
    OTHER = "other", "Other"


class ServiceFeatureStatusChoices(models.TextChoices):
    REQUESTED = "requested", "Requested"
    ACTIVE = "active", "Active"
    CEASED = "ceased", "Ceased"


class OrderKindChoices(models.TextChoices):
    NEW = "new", "New service"
    CANCEL = "cancel", "Cancellation"
    CHOWN = "chown", "Change of owner"
    UPGRADE = "upgrade", "Plan change"
    MIGRATE = "migrate", "Migration"


class OrderStateChoices(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    IN_PROGRESS = "in_progress", "In progress"
    HALTED = "halted", "Halted"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class OrderEventActionChoices(models.TextChoices):
    """What an order's history row records: a transition or an edit."""

    SUBMITTED = "submitted", "Submitted"
    EDITED = "edited", "Details corrected"
    ASSIGNED = "assigned", "Assigned"
    AAPT_REFERENCE = "aapt_reference", "AAPT reference recorded"
    STARTED = "started", "Work started"
    HALTED = "halted", "Halted"
    RESUMED = "resumed", "Resumed"
    CANCELLED = "cancelled", "Cancelled"
    COMPLETED = "completed", "Completed"


class ServiceFeatureChangeActionChoices(models.TextChoices):
    REQUESTED = "requested", "Requested"
    ACTIVATED = "activated", "Activated"
    QUANTITY_CHANGED = "quantity_changed", "Quantity changed"
    CEASED = "ceased", "Ceased"
