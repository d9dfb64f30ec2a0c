"""BroadWorks utilisation reports in the admin: upload one for a provider and
period (validated row by row), see the rows of each."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from providers.months import PeriodInvalid, period_for
from providers.scoping import ProviderScopedAdmin, ScopedRelatedFieldListFilter
from ssaas.common.admin_mixins import ReadOnlyAdminMixin
from ssaas.common.formats import day
from usage.broadworks.models import BroadWorksItem, BroadWorksReport
from usage.broadworks.services import broadworks_report_upload, parse_broadworks_report
from usage.carrier_files.choices import CarrierFileSourceChoices
from usage.carrier_files.upload_admin import UploadAdmin, UploadForm


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
        _, problems = parse_broadworks_report(provider, upload.name, upload)
        upload.seek(0)
        if problems:
            raise forms.ValidationError(problems)
        return data


ROWS_SHOWN = 50
# The rows shown on a report's page, in Unfold's table classes (its stylesheet pads no bare cell).
ROW_HEADINGS = ["row", "Group ID", "item type", "item name", "quantity", "product"]
TH = "align-middle border-b border-base-200 font-semibold px-3 py-2 text-left whitespace-nowrap dark:border-base-800"
TD = "align-middle border-t border-base-200 px-3 py-1.5 dark:border-base-800"


@admin.register(BroadWorksItem)
class BroadWorksItemAdmin(ReadOnlyAdminMixin, ProviderScopedAdmin):
    """A report's rows, paginated (a report may hold up to SPREADSHEET_MAX_ROWS rows:
    its own page shows the first ones and links here)."""

    list_display = ["row_number", "report", "group_id", "item_type", "item_name", "quantity", "product"]
    list_filter = ["item_type"]
    list_select_related = ["report", "product"]
    search_fields = ["group_id", "item_name"]
    ordering = ["report", "row_number"]
    show_full_result_count = False
    list_per_page = 200

    def has_module_permission(self, request):
        return False  # reached from a report's page, not the index


@admin.register(BroadWorksReport)
class BroadWorksReportAdmin(UploadAdmin):
    list_display = ["name", "provider", "period", "status", "rows", "uploaded_at", "uploaded_by"]
    list_filter = ["status", ("provider", ScopedRelatedFieldListFilter)]
    list_select_related = ["provider", "uploaded_by"]
    search_fields = ["name"]
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
        "rows_shown",
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

    @admin.display(description=f"first {ROWS_SHOWN} rows")
    def rows_shown(self, obj: BroadWorksReport) -> str:
        items = list(obj.items.select_related("product").order_by("row_number")[:ROWS_SHOWN])
        table = format_html_join(
            "",
            "<tr>"
            + f'<td class="{TD} text-right">{{}}</td>'
            + f'<td class="{TD}">{{}}</td>' * 3
            + f'<td class="{TD} text-right">{{}}</td><td class="{TD}">{{}}</td></tr>',
            ((i.row_number, i.group_id, i.get_item_type_display(), i.item_name, i.quantity, i.product) for i in items),
        )
        link = reverse("admin:usage_broadworksitem_changelist") + f"?report__id__exact={obj.pk}"
        return format_html(
            '<table class="w-full border-separate border-spacing-none">'
            '<thead><tr class="bg-base-50 dark:bg-white/[.02]">'
            + "".join(f'<th class="{TH}">{heading}</th>' for heading in ROW_HEADINGS)
            + "</tr></thead><tbody>{}</tbody></table>"
            '<p><a href="{}">All {} rows, paginated</a></p>',
            table,
            link,
            obj.rows,
        )

    @admin.display(description="period", ordering="period_start")
    def period(self, obj: BroadWorksReport) -> str:
        return f"{day(obj.period_start)}–{day(obj.period_end)}"
