from django.db import models


class LayoutKindChoices(models.TextChoices):
    CTOP = "ctop", "CTOP usage"
    COCE = "coce", "COCE other charges"


class LayoutFieldRecordChoices(models.TextChoices):
    HEADER = "header", "Header (PWTHDR)"
    DETAIL = "detail", "Detail (PWTDET)"
    TRAILER = "trailer", "Trailer (PWTTRL)"


class CarrierFileKindChoices(models.TextChoices):
    CTOP = "ctop", "CTOP usage"
    COCE = "coce", "COCE other charges"
    BROADWORKS = "broadworks", "BroadWorks utilisation report"


class CarrierFileStatusChoices(models.TextChoices):
    RECEIVED = "received", "Received, waiting"
    PROCESSING = "processing", "Processing"
    PROCESSED = "processed", "Processed"
    PROCESSED_WITH_EXCEPTIONS = "processed_with_exceptions", "Processed with exceptions"
    REJECTED = "rejected", "Rejected"
    DUPLICATE = "duplicate", "Duplicate (not billed)"
    SUPERSEDED = "superseded", "Superseded by a re-issue"
    FAILED = "failed", "Failed (re-process it)"


class CarrierFileSourceChoices(models.TextChoices):
    FTP = "ftp", "FTP collection"
    UPLOAD = "upload", "Admin upload"
    COMMAND = "command", "Command line"


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


class BroadWorksItemTypeChoices(models.TextChoices):
    SERVICE_PACK = "SERVICE_PACK", "Service Pack"
    SIP_SESSION = "SIP_SESSION", "SIP Sessions"


class BroadWorksReportStatusChoices(models.TextChoices):
    CURRENT = "current", "Current"
    SUPERSEDED = "superseded", "Replaced by a later upload"


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


class JobKindChoices(models.TextChoices):
    RECONCILIATION_EXPORT = "reconciliation_export", "Reconciliation spreadsheet"
    QUARANTINE_REPROCESS = "quarantine_reprocess", "Re-process quarantined records"


class JobStatusChoices(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
