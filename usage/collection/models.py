"""Collections of AAPT files over FTP: each run, what it did per provider, and the
per-provider lock that keeps two collections of one provider apart."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from providers.models import Provider
from ssaas.common.formats import day_time
from usage.collection.choices import CollectionRunTriggerChoices, ProviderCollectionStatusChoices

Status = ProviderCollectionStatusChoices


class CollectionRun(models.Model):
    """One collection, started by the schedule, a person or the command line, over
    one or more providers (a :class:`ProviderCollection` each)."""

    trigger = models.CharField(max_length=10, choices=CollectionRunTriggerChoices.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_trigger_display()} collection of {day_time(self.created_at)}"


class ProviderCollection(models.Model):
    """What one run found, fetched, skipped and refused in one provider's FTP directory."""

    provider_lookup = "provider"

    run = models.ForeignKey(CollectionRun, on_delete=models.CASCADE, related_name="collections")
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="collections")
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.QUEUED)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    found = models.PositiveIntegerField(default=0, help_text="CTOP/COCE files in the directory.")
    fetched = models.PositiveIntegerField(default=0, help_text="New files downloaded and stored.")
    duplicates = models.PositiveIntegerField(default=0, help_text="Fetched files whose content was already processed.")
    skipped = models.PositiveIntegerField(default=0, help_text="Files received before.")
    ignored = models.PositiveIntegerField(default=0, help_text="Other files, left alone.")
    file_errors = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, help_text="Why the collection failed, if it did.")
    files = models.JSONField(default=list, blank=True, help_text="Per file: name, outcome and message.")

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["provider", "-id"], name="collection_provider_latest"),
            models.Index(fields=["status"], name="collection_status"),
        ]
        permissions = [("collect_providercollection", "Can collect a provider's files now")]
        verbose_name = "collection"

    def __str__(self) -> str:
        return f"{self.provider} collection {self.pk} ({self.get_status_display().lower()})"

    def summary(self) -> str:
        """One line, as ``manage.py collect`` prints it."""
        counts = (
            f"{self.found} found, {self.fetched} fetched ({self.duplicates} duplicate), "
            f"{self.skipped} already received, {self.ignored} ignored, "
            f"{self.file_errors} file error{'s' if self.file_errors != 1 else ''}"
        )
        text = f"{self.provider.slug}: {self.get_status_display().lower()} — {counts}"
        return f"{text}; {self.error}" if self.error else text


class CollectionLock(models.Model):
    """Held by the collection of a provider that is running: taken and released with
    one conditional UPDATE each, which PostgreSQL and SQLite both apply atomically."""

    provider = models.OneToOneField(Provider, on_delete=models.CASCADE, primary_key=True, related_name="+")
    holder = models.ForeignKey(ProviderCollection, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    acquired_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"collection lock of {self.provider_id}"
