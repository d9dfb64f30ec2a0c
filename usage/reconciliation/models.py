"""Explanations of reconciliation differences, kept per provider and period."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from providers.models import Provider


class ReconciliationNote(models.Model):
    """A difference of a provider's reconciliation marked as explained, with the
    note staff wrote; it shows in every later view and download of the period.

    ``key`` names the line (``product:<id>``, ``range:<charge id>`` …), so the note
    follows the line whatever its figures become."""

    provider_lookup = "provider"

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    period_start = models.DateField()
    period_end = models.DateField()
    key = models.CharField(max_length=200)
    line = models.CharField(max_length=300, help_text="The line as it read when explained.")
    note = models.TextField()
    explained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    explained_at = models.DateTimeField()

    class Meta:
        ordering = ["provider", "-period_start", "key"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "period_start", "key"], name="reconciliation_note_once"),
        ]

    def __str__(self) -> str:
        return f"{self.line}: {self.note}"


class Reconciliation(ReconciliationNote):
    """The reconciliation pages in the admin (a provider and a bill period):
    viewing one needs ``view_reconciliation``, explaining a difference
    ``change_reconciliation``."""

    class Meta:
        proxy = True
        verbose_name = "reconciliation"
