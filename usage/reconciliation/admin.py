"""Reconciliation pages: choose a provider and period, see the reconciliation,
explain differences, ask for the spreadsheet (made on the worker: see usage/jobs).

Every view checks the permission again and looks the provider up among the
user's own: another provider's reconciliation is a 404, whatever the URL."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from unfold.widgets import UnfoldAdminSelectWidget, UnfoldAdminTextInputWidget

from providers.models import Provider
from providers.months import PeriodInvalid, period_for, period_slug
from providers.scoping import ProviderScopedAdmin, scope_queryset
from ssaas.common import formats
from ssaas.common.charts import reconciliation_chart
from usage.jobs.choices import JobKindChoices
from usage.jobs.services import job_request
from usage.reconciliation.models import Reconciliation, ReconciliationNote
from usage.reconciliation.notes import reconciliation_explain
from usage.reconciliation.report import reconciliation_build
from usage.reconciliation.report.base import Column, Line

PREVIEW_LINES = 200
EXPLAINABLE = ("product:", "range:", "unknown:", "usage:")


def _previous_month() -> str:
    first = timezone.localdate().replace(day=1)
    return f"{first - datetime.timedelta(days=1):%Y-%m}"


class ChooseForm(forms.Form):
    provider = forms.ModelChoiceField(queryset=Provider.objects.none(), widget=UnfoldAdminSelectWidget)
    period = forms.CharField(max_length=7, help_text="YYYY-MM, e.g. 2026-10.", widget=UnfoldAdminTextInputWidget)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = scope_queryset(Provider.objects.all(), user)

    def clean(self):
        data = super().clean()
        if data.get("provider") and data.get("period"):
            try:
                period_for(data["provider"], data["period"])
            except PeriodInvalid as exc:
                self.add_error("period", str(exc))
        return data


def _display(value, column: Column) -> str:
    if value is None:
        return ""
    if column.kind == "money":
        return formats.money(value)
    if column.kind == "date":
        return formats.day(value)
    if column.kind == "quantity" and isinstance(value, Decimal) and value == value.to_integral_value():
        return str(int(value))  # 2, not 2.00: a count reads as one
    return str(value)


@admin.register(Reconciliation)
class ReconciliationAdmin(ProviderScopedAdmin):
    """Needs ``view_reconciliation`` to look and download, ``change_reconciliation``
    to explain a difference.

    The notes themselves are scoped like every provider-owned row (the default
    change and history pages, reached by ``+<pk>`` or ``%20<pk>`` past the custom
    routes, find only the user's own); they are written only through *explain* on
    the reconciliation page, never edited or moved on the default change form."""

    readonly_fields = ["provider", "period_start", "period_end", "key", "line", "note", "explained_by", "explained_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:provider_id>/<str:period>/",
                wrap(self.detail_view),
                name="usage_reconciliation_detail",
            ),
            path(
                "<int:provider_id>/<str:period>/export/",
                wrap(require_POST(self.export_view)),
                name="usage_reconciliation_export",
            ),
            path(
                "<int:provider_id>/<str:period>/explain/",
                wrap(require_POST(self.explain_view)),
                name="usage_reconciliation_explain",
            ),
            *super().get_urls(),
        ]

    def _context(self, request, **extra) -> dict:
        return {**self.admin_site.each_context(request), "opts": self.opts, **extra}

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        providers = scope_queryset(Provider.objects.all(), request.user)
        initial = {"period": _previous_month()}
        if providers.count() == 1:
            initial["provider"] = providers.first()
        form = ChooseForm(request.GET or None, user=request.user, initial=initial)
        if form.is_valid():
            return HttpResponseRedirect(
                reverse(
                    "admin:usage_reconciliation_detail",
                    args=[form.cleaned_data["provider"].pk, form.cleaned_data["period"].strip()],
                )
            )
        return TemplateResponse(
            request,
            "admin/usage/reconciliation/choose.html",
            self._context(request, title="Reconcile AAPT's charges", form=form),
        )

    def _target(self, request, provider_id: int, period_text: str):
        if not self.has_view_permission(request):
            raise PermissionDenied
        provider = scope_queryset(Provider.objects.all(), request.user).filter(pk=provider_id)
        provider = provider.first()
        if provider is None:
            raise Http404("No such provider among yours.")
        try:
            return provider, period_for(provider, period_text)
        except PeriodInvalid as exc:
            raise Http404(str(exc)) from exc

    def detail_view(self, request, provider_id: int, period: str):
        provider, bill_period = self._target(request, provider_id, period)
        report = reconciliation_build(provider=provider, period=bill_period)
        sections = []
        for section in report.sections:
            lines: list[Line] = list(section.lines(PREVIEW_LINES + 1))
            sections.append(
                {
                    "section": section,
                    "rows": [
                        (
                            line,
                            [(_display(v, c), c.kind) for v, c in zip(line.values, section.columns, strict=True)],
                        )
                        for line in lines[:PREVIEW_LINES]
                    ],
                    "more": len(lines) > PREVIEW_LINES,
                }
            )
        return TemplateResponse(
            request,
            "admin/usage/reconciliation/detail.html",
            self._context(
                request,
                title=f"Reconciliation of {provider} for {bill_period.label}",
                report=report,
                sections=sections,
                preview_lines=PREVIEW_LINES,
                can_explain=self.has_change_permission(request),
                slug=period_slug(bill_period),
                chart=reconciliation_chart(next(s for s in report.sections if s.name == "Products")),
            ),
        )

    def export_view(self, request, provider_id: int, period: str):
        """The spreadsheet is made on the worker: its job's page follows it and offers it."""
        provider, bill_period = self._target(request, provider_id, period)
        job = job_request(
            kind=JobKindChoices.RECONCILIATION_EXPORT,
            provider=provider,
            requested_by=request.user,
            params={"period": period_slug(bill_period)},
        )
        return HttpResponseRedirect(reverse("admin:usage_job_change", args=[job.pk]))

    def explain_view(self, request, provider_id: int, period: str):
        provider, bill_period = self._target(request, provider_id, period)
        if not self.has_change_permission(request):
            raise PermissionDenied
        key = request.POST.get("key", "")
        if not key.startswith(EXPLAINABLE) or len(key) > 200:
            raise Http404("No such line.")
        back = HttpResponseRedirect(reverse("admin:usage_reconciliation_detail", args=[provider.pk, period]))
        had_note = ReconciliationNote.objects.filter(
            provider=provider, period_start=bill_period.start_date, key=key
        ).exists()
        if not request.POST.get("note", "").strip() and not had_note:
            self.message_user(request, "Nothing saved: the explanation was empty.", messages.WARNING)
            return back
        note = reconciliation_explain(
            provider=provider,
            period=bill_period,
            key=key,
            line=request.POST.get("line", key),
            note=request.POST.get("note", ""),
            acting_user=request.user,
        )
        self.message_user(
            request,
            f"Explained: {note.line}." if note else "Explanation withdrawn.",
            messages.SUCCESS,
        )
        return back
