"""BroadWorks utilisation reports: what BroadWorks says is assigned, per group."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from providers.models import Provider
from provisioning.models import FeatureProduct
from usage.broadworks.choices import BroadWorksItemTypeChoices, BroadWorksReportStatusChoices
from usage.carrier_files.choices import CarrierFileSourceChoices
from usage.carrier_files.models import _carrier_storage


def _stored_name(instance: BroadWorksReport, filename: str) -> str:
    return f"{instance.provider.slug}/broadworks/{filename}"


class BroadWorksReport(models.Model):
    """One upload of a provider's BroadWorks utilisation report for a period, kept
    raw. A later upload for the same period replaces it.

    Not a ``CarrierFile``: an unchanged utilisation from one month to the next is
    the same content, which the carrier file registry would call a duplicate."""

    provider_lookup = "provider"

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="broadworks_reports")
    period_start = models.DateField()
    period_end = models.DateField()
    name = models.CharField(max_length=255)
    stored = models.FileField(storage=_carrier_storage, upload_to=_stored_name, max_length=500)
    sha256 = models.CharField("SHA-256", max_length=64)
    rows = models.PositiveIntegerField(default=0)
    status = models.CharField(
        max_length=12,
        choices=BroadWorksReportStatusChoices.choices,
        default=BroadWorksReportStatusChoices.CURRENT,
    )
    superseded_by = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    source = models.CharField(max_length=10, choices=CarrierFileSourceChoices.choices)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period_start", "-uploaded_at"]
        verbose_name = "BroadWorks utilisation report"
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "period_start"],
                condition=Q(status="current"),
                name="broadworks_one_current_report",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.period_start:%m/%Y})"


class BroadWorksItem(models.Model):
    """One row of a BroadWorks report: packs assigned, or a trunk group's sessions."""

    provider_lookup = "report__provider"

    report = models.ForeignKey(BroadWorksReport, on_delete=models.CASCADE, related_name="items")
    row_number = models.PositiveIntegerField()
    group_id = models.CharField("Group ID", max_length=96)
    item_type = models.CharField(max_length=12, choices=BroadWorksItemTypeChoices.choices)
    item_name = models.CharField(max_length=200)
    quantity = models.PositiveIntegerField()
    product = models.ForeignKey(FeatureProduct, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["report", "row_number"]
        verbose_name = "BroadWorks report row"

    def __str__(self) -> str:
        return f"{self.group_id} {self.item_name} ×{self.quantity}"
