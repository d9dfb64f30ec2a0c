"""COCE other charges: every charge line AAPT bills outside call usage (recurring
Service Packs, SIP Sessions, hosted number ranges; one-off charges; adjustments
and credits), with how it was classified."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from providers.models import Provider
from provisioning.models import FeatureProduct, Service, ServiceIdentifier
from ssaas.common.models import SubsetManager, unindexed_fk
from usage.carrier_files.choices import CarrierFileKindChoices
from usage.carrier_files.models import CarrierFile
from usage.coce.choices import (
    OtherChargeExceptionChoices,
    OtherChargeLevelChoices,
    OtherChargeStatusChoices,
    OtherChargeTypeChoices,
)


class CoceFile(CarrierFile):
    """The COCE files among carrier files (uploaded and listed on their own).

    A COCE file keeps its counts in the carrier file's columns, which are named for
    CTOP usage; this class is the one place that maps them, so that COCE code reads
    and writes charges, exceptions and amounts. (Columns of its own would leave the
    files already processed without their counts unless copied: a data migration.)

    ========================  =====================================
    COCE                      column
    ========================  =====================================
    ``charge_count``          ``rated + quarantined`` (counted lines)
    ``exception_count``       ``quarantined``
    ``clean_charge_count``    ``rated`` (counted, not an exception)
    ``amount_total``          ``charge_total`` (= ``aapt_cost_total``)
    ========================  =====================================
    """

    objects = SubsetManager(Q(kind=CarrierFileKindChoices.COCE))

    class Meta:
        proxy = True
        verbose_name = "COCE file"

    @property
    def charge_count(self) -> int:
        return self.rated + self.quarantined

    @property
    def exception_count(self) -> int:
        return self.quarantined

    @property
    def clean_charge_count(self) -> int:
        return self.rated

    @property
    def amount_total(self) -> Decimal:
        return self.charge_total

    @staticmethod
    def store_counts(
        carrier_file: CarrierFile,
        *,
        lines: int,
        charges: int,
        exceptions: int,
        duplicates: int,
        rejected: int,
        amount_total: Decimal,
    ) -> None:
        """Set a COCE file's counts on its carrier file row (saved by the caller).
        AAPT's amount is both what the file charges and what it costs."""
        carrier_file.lines = lines
        carrier_file.rated = charges - exceptions
        carrier_file.quarantined = exceptions
        carrier_file.duplicates = duplicates
        carrier_file.rejected = rejected
        carrier_file.charge_total = carrier_file.aapt_cost_total = amount_total


class OtherCharge(models.Model):
    """One COCE charge line, as AAPT sent it, and what it was matched to.

    ``charged_to`` is the last day charged (the file's ``to_date`` is exclusive).
    A line is *counted* unless its ``coce_record_id`` was already counted from
    another file (*duplicate*) or a re-issued file replaced its own
    (*superseded*); the database refuses one id counted twice."""

    provider_lookup = "provider"

    provider = unindexed_fk(Provider, on_delete=models.PROTECT)
    carrier_file = models.ForeignKey(CarrierFile, on_delete=models.PROTECT, related_name="other_charges")
    line_number = models.PositiveIntegerField()
    coce_record_id = models.CharField("COCE record id", max_length=20)
    status = models.CharField(
        max_length=12,
        choices=OtherChargeStatusChoices.choices,
        default=OtherChargeStatusChoices.COUNTED,
    )
    duplicate_of = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    invoice_number = models.CharField(max_length=10, blank=True)
    statement_date = models.DateField(help_text="Which statement the line belongs to (a re-issue has the same one).")
    type_code = models.CharField("type", max_length=6, choices=OtherChargeTypeChoices.choices)
    billing_level = models.CharField(max_length=6, choices=OtherChargeLevelChoices.choices, blank=True)
    transaction_time = models.DateTimeField(null=True, blank=True)
    nrc_type_id = models.CharField("NRC type id", max_length=6, blank=True)
    element_id = models.CharField(max_length=6, blank=True)
    external_id = models.CharField(max_length=48, blank=True)
    external_id_type = models.CharField(max_length=6, blank=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2, help_text="AUD ex GST.")
    currency = models.CharField(max_length=6, blank=True)
    tax1 = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    tax2 = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    description = models.CharField(max_length=50, blank=True)
    adjustment_code = models.CharField(max_length=6, blank=True)
    charged_from = models.DateField()
    charged_to = models.DateField(help_text="The last day charged.")
    rebill_reference_id = models.CharField(max_length=16, blank=True)
    aapt_provider_id = models.CharField("AAPT provider id", max_length=6, blank=True)

    product = unindexed_fk(FeatureProduct, on_delete=models.PROTECT, related_name="other_charges", optional=True)
    exception = models.CharField(max_length=20, choices=OtherChargeExceptionChoices.choices, blank=True)
    number_first = models.CharField(max_length=15, blank=True)
    number_last = models.CharField(max_length=15, blank=True)
    service = unindexed_fk(Service, on_delete=models.PROTECT, related_name="other_charges", optional=True)
    matched_range = unindexed_fk(
        ServiceIdentifier,
        on_delete=models.SET_NULL,
        optional=True,
        help_text="The service's range (or number) the charged range equals or lies inside.",
    )
    nearest_range = unindexed_fk(
        ServiceIdentifier,
        on_delete=models.SET_NULL,
        optional=True,
        help_text="For a range owned by no service: the nearest range recorded here.",
    )
    classified_at = models.DateTimeField(null=True, blank=True)
    classified_by = unindexed_fk(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        optional=True,
        help_text="Who classified it again (empty: as the file was taken).",
    )

    class Meta:
        ordering = ["carrier_file", "line_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "coce_record_id"],
                condition=Q(status="counted"),
                name="other_charge_counted_once",
            ),
            models.CheckConstraint(name="other_charge_period_ordered", condition=Q(charged_to__gte=F("charged_from"))),
        ]
        indexes = [
            models.Index(fields=["provider", "charged_from"], name="other_charge_dates"),
            models.Index(fields=["provider", "statement_date"], name="other_charge_statement"),
            models.Index(
                fields=["provider", "element_id", "charged_from"],
                condition=Q(status="counted"),
                name="other_charge_element",
            ),
            models.Index(
                fields=["provider", "exception"],
                condition=Q(status="counted") & ~Q(exception=""),
                name="other_charge_exceptions",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.coce_record_id} {self.description or self.element_id} {self.amount}"

    @property
    def charged_range(self) -> str:
        if self.number_first and self.number_first != self.number_last:
            return f"{self.number_first}-{self.number_last}"
        return self.number_first or self.external_id


class OtherChargeException(OtherCharge):
    """Counted charges staff must resolve: an unknown element id, or a hosted
    number range owned by no service."""

    objects = SubsetManager(Q(status=OtherChargeStatusChoices.COUNTED) & ~Q(exception=""))

    class Meta:
        proxy = True
        verbose_name = "other charge exception"
