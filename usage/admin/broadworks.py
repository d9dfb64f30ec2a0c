"""BroadWorks utilisation reports in the admin: upload one for a provider and
period (validated row by row), see the rows of each."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages

from providers.scoping import ProviderScopedAdmin, ScopedRelatedFieldListFilter

from ..choices import CarrierFileSourceChoices
from ..models import BroadWorksItem, BroadWorksReport
from ..reconciliation.periods import PeriodInvalid, period_for
from ..services.broadworks import broadworks_report_upload, parse_broadworks_report
from .charges import UploadForm, _ReadOnly


class BroadWorksUploadForm(UploadForm):
    period = forms.CharField(
        max_length=7,
        help_text="The bill period it reports, as YYYY-MM (e.g. 2026-10).",
        widget=forms.TextInput(attrs={"placeholder": "2026-10", "size": 8}),
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


class BroadWorksItemInline(_ReadOnly, admin.TabularInline):
    model = BroadWorksItem
    fields = ["row_number", "group_id", "item_type", "item_name", "quantity", "product"]
    readonly_fields = fields
    extra = 0


@admin.register(BroadWorksReport)
class BroadWorksReportAdmin(ProviderScopedAdmin):
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

    def get_fields(self, request, obj=None):
        return ["provider", "period", "upload"] if obj is None else self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def get_inlines(self, request, obj):
        return [] if obj is None else self.inlines

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = BroadWorksUploadForm
        return super().get_form(request, obj, change, **kwargs)

    def has_change_permission(self, request, obj=None):
        return False

    def save_form(self, request, form, change):
        data = form.cleaned_data
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

    def save_model(self, request, obj, form, change):
        """Validated and stored by ``save_form``."""

    def save_related(self, request, form, formsets, change):
        """The rows are stored with the report."""

    @admin.display(description="period", ordering="period_start")
    def period(self, obj: BroadWorksReport) -> str:
        return f"{obj.period_start:%d/%m/%Y}–{obj.period_end:%d/%m/%Y}"
