"""The registry of carrier files received from AAPT, and the lines refused."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.db.models import Q
from django.utils import timezone

from providers.models import Provider
from usage.carrier_files.choices import CarrierFileKindChoices, CarrierFileSourceChoices, CarrierFileStatusChoices
from usage.carrier_files.layouts import Layout

Status = CarrierFileStatusChoices

# CTOP_<account>_<seq>_<YYYYMMDDhhmmss>.txt[.gz], and the same for COCE.
CARRIER_FILE_NAME = re.compile(
    r"^(?P<kind>CTOP|COCE)_(?P<account>\d{1,12})_(?P<sequence>\d{1,9})_(?P<stamp>\d{14})\.txt(?P<gz>\.gz)?$"
)


def _carrier_storage():
    return storages["carrier_files"]


def _stored_name(instance: CarrierFile, filename: str) -> str:
    return f"{instance.provider.slug}/{instance.kind}/{filename}"


class CarrierFile(models.Model):
    """One file received from AAPT (or uploaded), with its raw bytes kept so that
    it can be processed again, and what processing made of it."""

    provider_lookup = "provider"

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="carrier_files")
    kind = models.CharField(max_length=12, choices=CarrierFileKindChoices.choices)
    name = models.CharField(max_length=255)
    sequence = models.PositiveIntegerField(null=True, blank=True)
    produced_at = models.DateTimeField(null=True, blank=True, help_text="From the file name.")
    size = models.PositiveBigIntegerField(help_text="Bytes as received.")
    sha256 = models.CharField("SHA-256", max_length=64, help_text="Of the decompressed content.")
    stored = models.FileField(storage=_carrier_storage, upload_to=_stored_name, max_length=500)
    source = models.CharField(max_length=10, choices=CarrierFileSourceChoices.choices)
    layout = models.ForeignKey(Layout, on_delete=models.PROTECT, null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    processed_at = models.DateTimeField(null=True, blank=True)
    processing_since = models.DateTimeField(
        null=True, blank=True, help_text="When its processing last started (a file processing too long is flagged)."
    )
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.RECEIVED)
    reason = models.TextField(blank=True, help_text="Why the file was rejected, or notes.")
    duplicate_of = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    lines = models.PositiveIntegerField(default=0, help_text="Detail lines read.")
    rated = models.PositiveIntegerField(default=0)
    quarantined = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField("rejected lines", default=0)
    duplicates = models.PositiveIntegerField("duplicate records", default=0)
    written_off = models.PositiveIntegerField(default=0)
    charge_total = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    aapt_cost_total = models.DecimalField("AAPT cost total", max_digits=16, decimal_places=6, default=Decimal("0"))

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            # Backstop for "a file already processed is never billed again".
            models.UniqueConstraint(
                fields=["provider", "kind", "sha256"],
                condition=Q(status__in=["processed", "processed_with_exceptions"]),
                name="carrierfile_content_processed_once",
            ),
        ]
        indexes = [
            models.Index(fields=["provider", "kind", "sequence"], name="carrierfile_sequence"),
            models.Index(fields=["status"], name="carrierfile_status"),
        ]
        permissions = [
            ("process_carrierfile", "Can ingest and re-process carrier files"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_final(self) -> bool:
        return self.status in (
            Status.PROCESSED,
            Status.PROCESSED_WITH_EXCEPTIONS,
            Status.DUPLICATE,
            Status.SUPERSEDED,
        )

    @property
    def counts_add_up(self) -> bool:
        return self.lines == self.rated + self.quarantined + self.written_off + self.rejected + self.duplicates

    def summary(self) -> dict:
        """What ``ingest_ctop`` prints for the file."""
        return {
            "file": self.name,
            "status": self.status,
            "records": self.lines,
            "rated": self.rated,
            "quarantined": self.quarantined,
            "rejected": self.rejected,
            "duplicates": self.duplicates,
            "charge_total": money_text(self.charge_total),
            "aapt_cost_total": money_text(self.aapt_cost_total),
        }


def stuck(now: datetime.datetime | None = None) -> Q:
    """Files processing for longer than ``STUCK_FILE_MINUTES`` (a killed worker), or
    received that long ago and never stored whole (a kill during receive)."""
    since = (now or timezone.now()) - datetime.timedelta(minutes=settings.STUCK_FILE_MINUTES)
    Status = CarrierFileStatusChoices
    return (
        Q(status=Status.PROCESSING, processing_since__lt=since)
        | Q(status=Status.PROCESSING, processing_since__isnull=True, received_at__lt=since)
        | Q(status=Status.RECEIVED, sha256="", received_at__lt=since)
    )


def money_text(value: Decimal) -> str:
    """Dollars as a decimal string, to the cent unless finer digits are present."""
    cents = value.quantize(Decimal("0.01"))
    return str(cents) if cents == value else str(value.normalize())


class RejectedLine(models.Model):
    """A line of a carrier file that could not be read, with where and why."""

    provider_lookup = "carrier_file__provider"

    carrier_file = models.ForeignKey(CarrierFile, on_delete=models.CASCADE, related_name="rejected_lines")
    line_number = models.PositiveIntegerField()
    field = models.CharField(max_length=50)
    reason = models.CharField(max_length=500)
    content = models.TextField(blank=True, help_text="The line as received (first 1000 characters).")

    class Meta:
        ordering = ["carrier_file", "line_number"]

    def __str__(self) -> str:
        return f"{self.carrier_file.name} line {self.line_number}: {self.field}: {self.reason}"
