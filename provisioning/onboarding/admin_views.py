"""The admin's "Import onboarding data" pages (wired in ``ServiceAdmin.get_urls``).

Upload → the dry run runs at once and shows every error, or what the import
would do → "Import" commits the same file, kept on the server in between.
"""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django_q.tasks import async_task
from unfold.widgets import UnfoldAdminFileFieldWidget, UnfoldAdminSelectWidget

from providers.models import Provider
from providers.scoping import scope_queryset
from ssaas.common import progress
from ssaas.common.limits import upload_refusal

from ..policies import may_import_onboarding
from .importer import onboarding_import
from .layout import KINDS, template_workbook
from .reader import CSV_SUFFIXES, XLSX_SUFFIXES, read_size
from .result import OnboardingResult
from .uploads import KeptUpload, forget_upload, keep_upload, kept_upload

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class OnboardingUploadForm(forms.Form):
    # Unfold's widgets (its script writes the chosen file's name into its file widget).
    provider = forms.ModelChoiceField(
        queryset=Provider.objects.none(),
        help_text="Everything in the file goes to this provider.",
        widget=UnfoldAdminSelectWidget,
    )
    file = forms.FileField(
        help_text="An XLSX workbook with a sheet per kind of row, or a CSV file of one kind.",
        widget=UnfoldAdminFileFieldWidget,
    )
    kind = forms.ChoiceField(
        label="CSV rows",
        required=False,
        choices=[("", "as the file name says (e.g. services.csv)"), *((k, k) for k in KINDS)],
        help_text="For a CSV file only: which kind of rows it holds.",
        widget=UnfoldAdminSelectWidget,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        providers = scope_queryset(Provider.objects.order_by("name"), user)
        self.fields["provider"].queryset = providers
        if not self.is_bound and len(providers) == 1:
            self.initial.setdefault("provider", providers[0].pk)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if PurePath(upload.name).suffix.lower() not in XLSX_SUFFIXES + CSV_SUFFIXES:
            raise forms.ValidationError("Upload an XLSX workbook (.xlsx) or a CSV file (.csv).")
        refusal = upload_refusal(upload)
        if refusal:
            raise forms.ValidationError(refusal)
        return upload


def import_view(model_admin, request):
    if not may_import_onboarding(request.user):
        raise PermissionDenied
    if request.method == "POST" and "token" in request.POST:
        return _confirm(model_admin, request, request.POST["token"])
    form = OnboardingUploadForm(request.POST or None, request.FILES or None, user=request.user)
    if not form.is_bound or not form.is_valid():
        return _page(model_admin, request, form)
    provider, kind = form.cleaned_data["provider"], form.cleaned_data["kind"] or None
    kept = keep_upload(request.session, form.cleaned_data["file"], provider_id=provider.pk, kind=kind)
    if _to_worker(kept):
        return _queue(request, kept, provider, dry_run=True)
    result = _run(request, kept, provider, dry_run=True)
    if result.errors:
        forget_upload(request.session, kept.token)
        kept = None
    fresh = OnboardingUploadForm(initial={"provider": provider.pk, "kind": kind}, user=request.user)
    return _page(model_admin, request, fresh, result=result, kept=kept, provider=provider)


def _confirm(model_admin, request, token: str):
    kept = kept_upload(request.session, token)
    if kept is None:
        messages.error(request, "That upload is no longer here: upload the file again.")
        return HttpResponseRedirect(reverse("admin:provisioning_service_import"))
    provider = scope_queryset(Provider.objects.all(), request.user).filter(pk=kept.provider_id)
    provider = provider.first()
    if provider is None:
        forget_upload(request.session, token)
        raise PermissionDenied
    if _to_worker(kept):
        return _queue(request, kept, provider, dry_run=False)
    result = _run(request, kept, provider, dry_run=False)
    forget_upload(request.session, token)
    return _imported(model_admin, request, provider, result)


def _imported(model_admin, request, provider: Provider, result: OnboardingResult):
    if result.errors:
        # The data changed since the dry run (someone else's edit): nothing was written.
        form = OnboardingUploadForm(initial={"provider": provider.pk}, user=request.user)
        return _page(model_admin, request, form, result=result, provider=provider)
    messages.success(request, f"Imported {result.file_name} into {provider}: {result.summary()}.")
    return HttpResponseRedirect(reverse("admin:provisioning_service_changelist"))


# -- large files: the worker -----------------------------------------------------------

TASKS_KEY = "onboarding_tasks"


def _to_worker(kept: KeptUpload) -> bool:
    """A file this large is checked and imported by the worker, not in the request
    (50,000 rows took about three minutes): a CSV by its size, a workbook by what it
    holds once unpacked (a few hundred kilobytes zipped can hold 95 MB of XML)."""
    return read_size(kept.path) > settings.ONBOARDING_SYNC_MAX_BYTES


def _queue(request, kept: KeptUpload, provider: Provider, *, dry_run: bool):
    key = progress.progress_key("onboarding", uuid.uuid4().hex)
    task_id = async_task(
        "provisioning.onboarding.tasks.run_onboarding",
        user_id=request.user.pk,
        provider_id=provider.pk,
        path=str(kept.path),
        name=kept.name,
        kind=kept.kind,
        dry_run=dry_run,
        progress_key=key,
        task_name=f"onboarding {'dry run' if dry_run else 'import'} of {kept.name} for {provider.slug}",
        group="onboarding",
    )
    tasks = request.session.get(TASKS_KEY, {})
    tasks[task_id] = {"token": kept.token, "provider": provider.pk, "dry_run": dry_run, "progress": key}
    request.session[TASKS_KEY] = tasks
    return HttpResponseRedirect(reverse("admin:provisioning_service_import_status", args=[task_id]))


def status_view(model_admin, request, task_id: str):
    """The result of a queued dry run or import, once the worker has left it in the
    progress store; until then a page saying it is queued (or under way), which
    reloads itself."""
    if not may_import_onboarding(request.user):
        raise PermissionDenied
    entry = request.session.get(TASKS_KEY, {}).get(task_id)
    if not isinstance(entry, dict) or "progress" not in entry:
        raise Http404("No such onboarding task in this session.")
    provider = scope_queryset(Provider.objects.all(), request.user).filter(pk=entry["provider"]).first()
    if provider is None:
        raise PermissionDenied
    kept = kept_upload(request.session, entry["token"])
    note = progress.read(entry["progress"])
    if note is None or note.running:
        context = {
            **model_admin.admin_site.each_context(request),
            "opts": model_admin.model._meta,
            "title": "Import onboarding data",
            "queued": True,
            "started": note is not None,
            "note": note or progress.Progress(text="waiting for the worker"),
            "dry_run": entry["dry_run"],
            "file_name": kept.name if kept else "",
            "provider": provider,
        }
        return TemplateResponse(request, "admin/provisioning/service/import_onboarding_queued.html", context)
    tasks = request.session.get(TASKS_KEY, {})
    tasks.pop(task_id, None)
    request.session[TASKS_KEY] = tasks
    progress.clear(entry["progress"])
    if note.failed or not isinstance(note.result, OnboardingResult):
        if kept:
            forget_upload(request.session, kept.token)
        messages.error(request, f"The onboarding {'dry run' if entry['dry_run'] else 'import'} failed: {note.text}")
        return HttpResponseRedirect(reverse("admin:provisioning_service_import"))
    result: OnboardingResult = note.result
    if not entry["dry_run"]:
        if kept:
            forget_upload(request.session, kept.token)
        return _imported(model_admin, request, provider, result)
    if result.errors and kept:
        forget_upload(request.session, kept.token)
        kept = None
    fresh = OnboardingUploadForm(
        initial={"provider": provider.pk, "kind": kept.kind if kept else None}, user=request.user
    )
    return _page(model_admin, request, fresh, result=result, kept=kept, provider=provider)


def _run(request, kept: KeptUpload, provider: Provider, *, dry_run: bool) -> OnboardingResult:
    with kept.path.open("rb") as file:
        return onboarding_import(
            acting_user=request.user,
            provider=provider,
            file=file,
            file_name=kept.name,
            kind=kept.kind,
            dry_run=dry_run,
        )


def _page(model_admin, request, form, *, result=None, kept=None, provider=None):
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": "Import onboarding data",
        "form": form,
        "result": result,
        "kept": kept,
        "provider": provider,
        "kinds": KINDS,
    }
    return TemplateResponse(request, "admin/provisioning/service/import_onboarding.html", context)


def template_view(model_admin, request):
    """An empty onboarding workbook: a sheet per kind with its header row."""
    if not may_import_onboarding(request.user):
        raise PermissionDenied
    response = HttpResponse(template_workbook(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="onboarding-template.xlsx"'
    return response
