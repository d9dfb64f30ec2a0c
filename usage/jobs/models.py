"""A job: long work asked for in a page and done on the worker."""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import storages
from django.db import models

from providers.models import Provider
from ssaas.common import progress
from usage.jobs.choices import JobKindChoices, JobStatusChoices


def _job_storage():
    return storages["carrier_files"]


def _result_name(instance: Job, filename: str) -> str:
    return f"{instance.provider.slug}/jobs/{instance.pk}/{filename}"


class Job(models.Model):
    """Long work (a reconciliation spreadsheet, re-processing quarantined records)
    asked for by a person for one provider and done on the worker: queued, running
    (how far in percent is in the progress store, ssaas/common/progress.py, under
    ``progress_key``), then done with its result or failed with the error.

    ``params`` say what to do (the kind's handler reads them); ``result`` holds the
    counts and ``summary`` the sentence the page shows; ``result_file`` a file to
    download."""

    provider_lookup = "provider"

    kind = models.CharField(max_length=30, choices=JobKindChoices.choices)
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    params = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=JobStatusChoices.choices, default=JobStatusChoices.QUEUED)
    summary = models.TextField(blank=True)
    result = models.JSONField(default=dict, blank=True)
    result_file = models.FileField(storage=_job_storage, upload_to=_result_name, max_length=500, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.provider} ({self.get_status_display().lower()})"

    @property
    def progress_key(self) -> str:
        return progress.progress_key("job", self.pk)

    @property
    def is_running(self) -> bool:
        return self.status in (JobStatusChoices.QUEUED, JobStatusChoices.RUNNING)
