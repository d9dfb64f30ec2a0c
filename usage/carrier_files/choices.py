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
