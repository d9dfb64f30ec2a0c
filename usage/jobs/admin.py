"""Jobs: each one's page follows the worker (queued, running, done or failed) and
offers the result; the list shows a provider's jobs of the kinds the user may see."""

from __future__ import annotations

from django.apps import apps
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from providers.scoping import ProviderScopedAdmin, ScopedRelatedFieldListFilter
from ssaas.common import progress
from ssaas.common.admin_mixins import ReadOnlyAdminMixin
from usage.jobs.choices import JobKindChoices as Kind
from usage.jobs.choices import JobStatusChoices as Status
from usage.jobs.models import Job
from usage.jobs.services import job_kinds_for, job_permission

REFRESH_SECONDS = 2


def _about(request, site, job: Job) -> tuple[str, str] | None:
    """(url, label) of the page the job was asked for from, when the user may open it:
    the reconciliation it exports, the quarantine it re-processes."""
    # By name: the folders that ask for jobs import this one (no cycle back to them).
    quarantine, reconciliation = apps.get_model("usage.QuarantinedRecord"), apps.get_model("usage.Reconciliation")
    if job.kind == Kind.RECONCILIATION_EXPORT and job.params.get("period"):
        model, name = reconciliation, f"The reconciliation of {job.provider}, {job.params['period']}"
        url = reverse("admin:usage_reconciliation_detail", args=[job.provider_id, job.params["period"]])
    elif job.kind == Kind.QUARANTINE_REPROCESS:
        model, name = quarantine, f"The quarantine of {job.provider}"
        url = f"{reverse('admin:usage_quarantinedrecord_groups')}?provider={job.provider_id}"
    else:
        return None
    model_admin = site._registry.get(model)
    if model_admin is None or not model_admin.has_view_permission(request):
        return None
    return url, name


@admin.register(Job)
class JobAdmin(ReadOnlyAdminMixin, ProviderScopedAdmin):
    """Seen by those who may ask for the job's kind (``jobs.services.register``)."""

    list_display = ["created_at", "kind", "provider", "status", "progress_percent", "requested_by", "outcome"]
    list_filter = ["kind", "status", ("provider", ScopedRelatedFieldListFilter)]
    list_select_related = ["provider", "requested_by"]
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).filter(kind__in=job_kinds_for(request.user))

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return bool(job_kinds_for(request.user))
        return request.user.has_perm(job_permission(obj.kind))

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    @admin.display(description="progress")
    def progress_percent(self, obj: Job) -> str:
        if obj.status == Status.DONE:
            return "100%"
        note = progress.read(obj.progress_key)  # only unfinished jobs: a few at most
        return f"{note.percent or 0}%" if note else "0%"

    @admin.display(description="result")
    def outcome(self, obj: Job) -> str:
        if obj.result_file:
            return format_html('<a href="{}">{}</a>', reverse("admin:usage_job_download", args=[obj.pk]), "download")
        return obj.summary or obj.error

    def get_urls(self):
        return [
            path(
                "<path:object_id>/download/", self.admin_site.admin_view(self.download_view), name="usage_job_download"
            ),
            *super().get_urls(),
        ]

    def _job(self, request, object_id) -> Job:
        job = self.get_object(request, object_id)
        if job is None:
            raise Http404("No such job among yours.")
        if not self.has_view_permission(request, job):
            raise PermissionDenied
        return job

    def change_view(self, request, object_id, form_url="", extra_context=None):
        job = self._job(request, object_id)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": str(job.get_kind_display()),
            "job": job,
            "job_progress": _job_progress(job),
            "refresh_seconds": REFRESH_SECONDS if job.is_running else None,
            "download_url": reverse("admin:usage_job_download", args=[job.pk]) if job.result_file else "",
            "file_name": _file_name(job),
            "about": _about(request, self.admin_site, job),
        }
        return TemplateResponse(request, "admin/usage/job/job.html", context)

    def download_view(self, request, object_id):
        job = self._job(request, object_id)
        if not job.result_file:
            raise Http404("This job has no file (yet).")
        return FileResponse(job.result_file.open("rb"), as_attachment=True, filename=_file_name(job))


def _job_progress(job: Job) -> progress.Progress | None:
    """What the job's page shows while it is queued or running (the progress store's note)."""
    if job.status == Status.QUEUED:
        return progress.Progress(text="waiting for the worker")
    if job.status == Status.RUNNING:
        note = progress.read(job.progress_key)
        return note if note is not None and note.running else progress.Progress(done=0, total=100, text="0% done")
    return None


def _file_name(job: Job) -> str:
    """The name the handler gave the file (the storage may have renamed it)."""
    if not job.result_file:
        return ""
    return job.result.get("file_name") or job.result_file.name.rsplit("/", 1)[-1]
