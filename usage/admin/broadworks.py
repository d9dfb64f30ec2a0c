"""BroadWorks utilisation reports in the admin: upload one for a provider and
period (validated row by row), see the rows of each."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from unfold.admin import TabularInline

from providers.scoping import ScopedRelatedFieldListFilter
from ssaas.admin_mixins import ReadOnlyAdminMixin

from ..choices import CarrierFileSourceChoices
from ..models import BroadWorksItem, BroadWorksReport
from ..reconciliation.periods import PeriodInvalid, period_for
from ..services.broadworks import broadworks_report_upload, parse_broadworks_report
from .charges import UploadAdmin, UploadForm


class BroadWorksUploadForm(UploadForm):
    period = forms.CharField(
        max_length=20,
        help_text="The bill period it reports: 2026-10 or Oct 2026.",
        widget=forms.TextInput(attrs={"placeholder": "2026-10", "size": 14}),
    )

    class Meta:
        model = BroadWorksReport
        fields = ["provider"]

    def clean(self):
        data = super().clean()
        provider, upload = data.get("provider"), data.get("upload")
        if provider is None or upload is None or not data.get("period"):
            return data
        try:
            data["bill_period"] = period_for(provider, data["period"])
        except PeriodInvalid as exc:
            self.add_error("period", str(exc))
            return data
        _, problems = parse_broadworks_report(provider, upload.name, upload.read())
        upload.seek(0)
        if problems:
            raise forms.ValidationError(problems)
        return data


class BroadWorksItemInline(ReadOnlyAdminMixin, TabularInline):
    model = BroadWorksItem
    fields = ["row_number", "group_id", "item_type", "item_name", "quantity", "product"]
    readonly_fields = fields
    extra = 0


@admin.register(BroadWorksReport)
class BroadWorksReportAdmin(UploadAdmin):
    list_display = ["name", "provider", "period", "status", "rows", "uploaded_at", "uploaded_by"]
    list_filter = ["status", ("provider", ScopedRelatedFieldListFilter)]
    list_select_related = ["provider", "uploaded_by"]
    search_fields = ["name"]
    inlines = [BroadWorksItemInline]
    readonly_fields = [
        "name",
        "provider",
        "period",
        "status",
        "superseded_by",
        "rows",
        "sha256",
        "source",
        "uploaded_at",
        "uploaded_by",
    ]

    upload_form = BroadWorksUploadForm
    upload_fields = ["provider", "period", "upload"]

    def upload(self, request, data: dict) -> BroadWorksReport:
        report = broadworks_report_upload(
            provider=data["provider"],
            period=data["bill_period"],
            name=data["upload"].name,
            content=data["upload"],
            source=CarrierFileSourceChoices.UPLOAD,
            acting_user=request.user,
        )
        self.message_user(
            request,
            f"{report.name}: {report.rows} row(s) for {data['bill_period'].label}.",
            messages.SUCCESS,
        )
        return report

    @admin.display(description="period", ordering="period_start")
    def period(self, obj: BroadWorksReport) -> str:
        return f"{obj.period_start:%d/%m/%Y}–{obj.period_end:%d/%m/%Y}"
