"""Bill runs in the admin: from a bill period, the preview (what blocks a clean
close first), the close (queued to the worker, its progress shown), the three
downloads; adjustments; the runs.

Plain Django admin pages extending the admin's own templates, so a re-theme
restyles them. Every view checks the permission again and finds the period
among the user's own providers' (another provider's is a 404)."""

from __future__ import annotations

import tempfile
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_POST
from unfold.widgets import UnfoldBooleanWidget

from providers.admin import BillPeriodAdmin
from providers.changelog_admin import ChangeLogPanelMixin
from providers.models import BillPeriod
from providers.periods import refuse_closed_period
from providers.scoping import ProviderScopedAdmin, ScopedRelatedFieldListFilter, scope_queryset
from provisioning.models import Order, ServiceFeature
from ssaas.common import formats, progress
from ssaas.common.admin_mixins import ReadOnlyAdminMixin
from usage.billing.choices import BillRunStatusChoices
from usage.billing.exports.calls import calls_filename, itemised_calls
from usage.billing.exports.summary import summary_filename, write_summary
from usage.billing.exports.xero import xero_export
from usage.billing.models import Adjustment, BillRun
from usage.billing.selectors import bill_lines, bill_summary, period_outstanding
from usage.billing.services import adjustment_add, bill_run_request
from usage.billing.tasks import enqueue_bill_run
from usage.carrier_files.models import CarrierFile
from usage.coce.models import OtherChargeException
from usage.ctop.models import QuarantinedRecord

PREVIEW_CUSTOMERS = 200
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _period_url(period_id: int) -> str:
    return reverse("admin:usage_billrun_period", args=[period_id])


# What clears each kind of outstanding item (usage.billing.selectors.period_outstanding):
# the model whose admin must let the user look, the page, its filters for the provider.
OUTSTANDING_PAGES = {
    "quarantine": (QuarantinedRecord, "admin:usage_quarantinedrecord_groups", {"provider": "{provider}"}),
    "requested_features": (
        ServiceFeature,
        "admin:provisioning_servicefeature_changelist",
        {"status__exact": "requested", "service__provider__id__exact": "{provider}"},
    ),
    "open_orders": (Order, "admin:provisioning_order_changelist", {"provider__id__exact": "{provider}"}),
    "coce_exceptions": (
        OtherChargeException,
        "admin:usage_otherchargeexception_changelist",
        {"provider__id__exact": "{provider}"},
    ),
    "unprocessed_files": (
        CarrierFile,
        "admin:usage_carrierfile_changelist",
        {"provider__id__exact": "{provider}", "status__in": "received,processing,rejected"},
    ),
    "sequence_gaps": (
        CarrierFile,
        "admin:usage_carrierfile_changelist",
        {"provider__id__exact": "{provider}", "kind__exact": "ctop"},
    ),
}


class CloseForm(forms.Form):
    """The period page's close: "close anyway" when items are still outstanding."""

    close_anyway = forms.BooleanField(required=False, widget=UnfoldBooleanWidget(attrs={"id": "close-anyway"}))


def outstanding_links(request, site, provider_id: int, items: list[dict]) -> list[dict]:
    """``items`` (period_outstanding's, or a done run's record of them), each with the
    ``url`` of the page that clears it, when the user may open that page (the same
    ``has_view_permission`` the sidebar asks), else ``None``: the item as text."""
    linked = []
    for item in items:
        url = None
        page = OUTSTANDING_PAGES.get(item.get("kind"))
        if page is not None:
            model, name, query = page
            model_admin = site._registry.get(model)
            if model_admin is not None and model_admin.has_view_permission(request):
                query = {key: value.format(provider=provider_id) for key, value in query.items()}
                url = f"{reverse(name)}?{urlencode(query)}"
        linked.append({**item, "url": url})
    return linked


def _run_progress(run: BillRun | None) -> progress.Progress | None:
    """What the period's page shows while its close is queued or running: the close's
    stage from the progress store (nothing yet: waiting for the worker)."""
    if run is None or run.status not in (BillRunStatusChoices.QUEUED, BillRunStatusChoices.RUNNING) or run.is_stuck:
        return None
    note = progress.read(run.progress_key)
    return note if note is not None and note.running else progress.Progress(text="waiting for the worker")


# ---------------------------------------------------------------------------
# Bill runs: preview, close, progress, downloads
# ---------------------------------------------------------------------------


@admin.register(BillRun)
class BillRunAdmin(ReadOnlyAdminMixin, ProviderScopedAdmin):
    """Needs ``view_billrun`` to preview and download, ``close_billrun`` to close."""

    list_display = [
        "provider",
        "period_link",
        "status",
        "progress_text",
        "calls",
        "late_calls",
        "total_ex_gst",
        "gst",
        "total_inc_gst",
        "aapt_cost",
        "requested_at",
    ]
    list_filter = [("provider", ScopedRelatedFieldListFilter), "status"]
    list_select_related = ["provider", "period"]

    @admin.display(description="progress")
    def progress_text(self, obj: BillRun) -> str:
        if obj.status in (BillRunStatusChoices.QUEUED, BillRunStatusChoices.RUNNING):
            note = progress.read(obj.progress_key)  # only unfinished runs: a few at most
            return note.text if note else ""
        return obj.summary if obj.status == BillRunStatusChoices.DONE else ""

    @admin.display(description="bill period", ordering="period__start_date")
    def period_link(self, obj: BillRun) -> str:
        return format_html('<a href="{}">{}</a>', _period_url(obj.period_id), obj.period.label)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("period/<int:period_id>/", wrap(self.period_view), name="usage_billrun_period"),
            path("period/<int:period_id>/close/", wrap(require_POST(self.close_view)), name="usage_billrun_close"),
            path("<int:run_id>/download/<str:kind>/", wrap(self.download_view), name="usage_billrun_download"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        run = self.get_queryset(request).filter(pk=object_id).first()
        if run is None:
            raise Http404("No such bill run among yours.")
        return HttpResponseRedirect(_period_url(run.period_id))

    def _period(self, request, period_id: int) -> BillPeriod:
        if not self.has_view_permission(request):
            raise PermissionDenied
        period = (
            scope_queryset(BillPeriod.objects.select_related("provider"), request.user).filter(pk=period_id).first()
        )
        if period is None:
            raise Http404("No such bill period among yours.")
        return period

    def _may_close(self, request) -> bool:
        return request.user.has_perm("usage.close_billrun")

    def period_view(self, request, period_id: int):
        period = self._period(request, period_id)
        run = BillRun.objects.filter(period=period).first()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Bill run: {period.provider} {period.label}",
            "period": period,
            "run": run,
            "run_progress": _run_progress(run),
            "can_close": self._may_close(request),
            "close_form": CloseForm(),
        }
        if run is not None and run.is_stuck:
            context["stuck_message"] = (
                f"The close started {formats.day_time(timezone.localtime(run.started_at))} and has not finished: "
                f"its worker stopped, and nothing of it was kept. Close the period again below."
            )
        if run is not None and run.status == BillRunStatusChoices.DONE:
            invoices = list(run.invoices.select_related("customer").order_by("pk")[:PREVIEW_CUSTOMERS])
            context.update(
                invoices=invoices,
                more=run.invoices.count() - len(invoices),
                outstanding=outstanding_links(request, self.admin_site, period.provider_id, run.outstanding or []),
            )
        elif run is None or run.status == BillRunStatusChoices.FAILED or run.is_stuck:
            if not period.is_closed:
                drafts = bill_lines(period)
                context.update(
                    outstanding=outstanding_links(
                        request, self.admin_site, period.provider_id, period_outstanding(period)
                    ),
                    drafts=drafts[:PREVIEW_CUSTOMERS],
                    more=max(0, len(drafts) - PREVIEW_CUSTOMERS),
                    summary=bill_summary(drafts),
                )
        return TemplateResponse(request, "admin/usage/billrun/period.html", context)

    def close_view(self, request, period_id: int):
        period = self._period(request, period_id)
        if not self._may_close(request):
            raise PermissionDenied
        outstanding = period_outstanding(period)
        if outstanding and not request.POST.get("close_anyway"):
            self.message_user(
                request,
                "Items are still outstanding in the period: clear them, or tick “close anyway”.",
                messages.ERROR,
            )
            return HttpResponseRedirect(_period_url(period.pk))
        try:
            run = bill_run_request(period=period, acting_user=request.user)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return HttpResponseRedirect(_period_url(period.pk))
        if run.status == BillRunStatusChoices.QUEUED:
            enqueue_bill_run(run.pk)
            self.message_user(request, f"{period.label} is queued to close.", messages.SUCCESS)
        return HttpResponseRedirect(_period_url(period.pk))

    def download_view(self, request, run_id: int, kind: str):
        if not self.has_view_permission(request):
            raise PermissionDenied
        run = self.get_queryset(request).select_related("provider", "period").filter(pk=run_id).first()
        if run is None or not run.is_done:
            raise Http404("No such bill run among yours, or it is not done.")
        if kind == "xero":
            name, content, content_type = xero_export(run)
            response = HttpResponse(content, content_type=content_type)
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
        if kind == "calls":
            response = StreamingHttpResponse(itemised_calls(run), content_type="text/csv")
            response["Content-Disposition"] = f'attachment; filename="{calls_filename(run)}"'
            return response
        if kind == "summary":
            spool = tempfile.TemporaryFile()
            write_summary(run, spool)
            spool.seek(0)
            return FileResponse(spool, as_attachment=True, filename=summary_filename(run), content_type=XLSX)
        raise Http404("No such file.")


# ---------------------------------------------------------------------------
# Bill periods: a link to their bill run
# ---------------------------------------------------------------------------

admin.site.unregister(BillPeriod)


@admin.register(BillPeriod)
class BillPeriodBillingAdmin(BillPeriodAdmin):
    list_display = [*BillPeriodAdmin.list_display, "bill_run_link"]
    readonly_fields = ["bill_run_link"]

    # The bill run pages are for those who may view runs (billing staff, provider
    # administrators): nobody else is shown a link that would answer 403.
    def _sees_runs(self, request) -> bool:
        return request.user.has_perm("usage.view_billrun")

    def get_list_display(self, request):
        shown = super().get_list_display(request)
        return shown if self._sees_runs(request) else [f for f in shown if f != "bill_run_link"]

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return fields if self._sees_runs(request) else [f for f in fields if f != "bill_run_link"]

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return fields if self._sees_runs(request) else [f for f in fields if f != "bill_run_link"]

    @admin.display(description="bill run")
    def bill_run_link(self, obj: BillPeriod) -> str:
        if obj is None or obj.pk is None:
            return "-"
        run = BillRun.objects.filter(period=obj).first()
        if run is not None:
            text = f"Bill run: {run.get_status_display().lower()}"
        elif obj.is_closed:
            return "closed without a bill run"
        else:
            text = "Preview the bill run"
        return format_html('<a href="{}">{}</a>', _period_url(obj.pk), text)


# ---------------------------------------------------------------------------
# Adjustments
# ---------------------------------------------------------------------------


class AdjustmentForm(forms.ModelForm):
    class Meta:
        model = Adjustment
        fields = ["service", "date", "amount", "reason"]

    def clean(self):
        data = super().clean()
        service, date = data.get("service"), data.get("date")
        if service and date:
            try:
                refuse_closed_period(service.provider, date, "adjustment date")
            except ValidationError as exc:
                self.add_error("date", exc)
        return data


@admin.register(Adjustment)
class AdjustmentAdmin(ChangeLogPanelMixin, ProviderScopedAdmin):
    """A one-off credit or charge to a service in an open period; once billed,
    it is kept as it was (no change, no delete)."""

    form = AdjustmentForm
    list_display = ["date", "service", "amount", "reason", "created_by", "created_at", "bill_run"]
    list_filter = [("provider", ScopedRelatedFieldListFilter)]
    list_select_related = ["service", "created_by", "bill_run__period", "bill_run__provider"]
    search_fields = ["service__reference", "reason"]
    autocomplete_fields = ["service"]
    readonly_fields = ["created_by", "created_at", "bill_run"]

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or obj.bill_run_id is None)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or obj.bill_run_id is None)

    def save_model(self, request, obj, form, change):
        if change:
            obj.provider = obj.service.provider
            super().save_model(request, obj, form, change)
            return
        saved = adjustment_add(
            service=obj.service, date=obj.date, amount=obj.amount, reason=obj.reason, acting_user=request.user
        )
        obj.pk = saved.pk
        obj.provider = saved.provider
