"""Carrier files and layouts in the admin."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from unfold.admin import ModelAdmin, TabularInline
from unfold.widgets import UnfoldAdminFileFieldWidget, UnfoldAdminSelectWidget

from providers.models import Provider
from providers.scoping import ProviderScopedAdmin, ProviderScopedInline, ScopedRelatedFieldListFilter, scope_queryset
from ssaas.common.admin_links import changelist_link
from ssaas.common.admin_mixins import ReadOnlyAdminMixin, clipped
from ssaas.common.formats import file_size, money
from ssaas.common.limits import upload_refusal
from usage.carrier_files.choices import CarrierFileKindChoices, CarrierFileSourceChoices
from usage.carrier_files.choices import CarrierFileStatusChoices as Status
from usage.carrier_files.layouts import Layout, LayoutField, ProviderLayout
from usage.carrier_files.models import CarrierFile, RejectedLine, stuck
from usage.carrier_files.progress import file_status
from usage.carrier_files.receive import UnsafeFileName, carrier_file_receive
from usage.carrier_files.sequence import visible_sequence_gaps
from usage.carrier_files.tasks import enqueue_processing


class LayoutFieldInline(TabularInline):
    model = LayoutField
    extra = 0
    fields = ["record", "name", "start", "width"]


class ProviderLayoutInline(ProviderScopedInline, TabularInline):
    model = ProviderLayout
    extra = 0
    fields = ["provider", "kind"]
    autocomplete_fields = ["provider"]
    verbose_name_plural = "providers given this layout"


@admin.register(Layout)
class LayoutAdmin(ModelAdmin):
    list_display = ["name", "kind", "is_default", "field_count"]
    list_filter = ["kind", "is_default"]
    search_fields = ["name"]
    inlines = [LayoutFieldInline, ProviderLayoutInline]

    @admin.display(description="fields")
    def field_count(self, obj: Layout) -> int:
        return obj.fields.count()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        missing = form.instance.missing_fields()
        if missing:
            messages.warning(
                request,
                f"{form.instance} cannot read files yet: it has no {', '.join(missing)}.",
            )


class RejectedLineInline(ProviderScopedInline, TabularInline):
    model = RejectedLine
    extra = 0
    can_delete = False
    fields = ["line_number", "field", "reason", "content_start"]
    readonly_fields = fields
    max_num = 0
    verbose_name_plural = "rejected lines"

    @admin.display(description="line as received")
    def content_start(self, obj: RejectedLine) -> str:
        return obj.content[:120]

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("line_number")


class UploadForm(forms.Form):
    # Unfold's widgets: its script (unfold/js/app.js) writes the chosen file's name
    # into the text box of its file widget, and failed on a plain file input.
    provider = forms.ModelChoiceField(queryset=Provider.objects.none(), widget=UnfoldAdminSelectWidget)
    kind = forms.ChoiceField(
        choices=CarrierFileKindChoices.choices, initial=CarrierFileKindChoices.CTOP, widget=UnfoldAdminSelectWidget
    )
    file = forms.FileField(help_text="As AAPT delivered it: plain text or .gz.", widget=UnfoldAdminFileFieldWidget)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = scope_queryset(Provider.objects.all(), user)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        refusal = upload_refusal(upload)
        if refusal:
            raise forms.ValidationError(refusal)
        return upload

    def clean_kind(self):
        kind = self.cleaned_data["kind"]
        if kind == CarrierFileKindChoices.BROADWORKS:
            # A BroadWorks report belongs to a bill period and is read row by row on
            # its own page; the carrier-file pipeline has no processor for it.
            url = reverse("admin:usage_broadworksreport_add")
            raise forms.ValidationError(
                format_html(
                    'A BroadWorks utilisation report is uploaded with its bill period on <a href="{}">'
                    "BroadWorks reports › Add</a>, not here.",
                    url,
                )
            )
        return kind


class StuckFilter(admin.SimpleListFilter):
    """Exactly the files the front page counts as stuck (``stuck``): processing, or
    receiving, for longer than ``STUCK_FILE_MINUTES``."""

    title = "stuck"
    parameter_name = "stuck"

    def lookups(self, request, model_admin):
        return [("yes", f"stuck (over {settings.STUCK_FILE_MINUTES} minutes)")]

    def queryset(self, request, queryset):
        return queryset.filter(stuck()) if self.value() == "yes" else queryset


@admin.register(CarrierFile)
class CarrierFileAdmin(ReadOnlyAdminMixin, ProviderScopedAdmin):
    list_display = ["name_short", "provider", "kind", "status_badge", "received_at", "outcome", "charge", "aapt_cost"]
    list_filter = [("provider", ScopedRelatedFieldListFilter), "kind", "status", StuckFilter, "source"]
    list_select_related = ["provider"]
    search_fields = ["name", "sha256"]
    ordering = ["-received_at"]
    show_full_result_count = False
    actions = ["reprocess"]
    inlines = [RejectedLineInline]
    fieldsets = [
        (None, {"fields": ["provider", "kind", "name", "status", "reason", "duplicate_of"]}),
        (
            "What it held",
            {"fields": ["counts", "charge_full", "aapt_cost_full", "records_links"]},
        ),
        (
            "Registry",
            {
                "fields": [
                    "sequence",
                    "produced_at",
                    "size_human",
                    "sha256",
                    "source",
                    "layout",
                    "received_at",
                    "received_by",
                    "processed_at",
                ]
            },
        ),
    ]

    readonly_fields = flatten_fieldsets(fieldsets)  # all shown, none edited: processing writes them

    def has_process_permission(self, request) -> bool:
        return request.user.has_perm("usage.process_carrierfile")

    @admin.display(description="name", ordering="name")
    def name_short(self, obj: CarrierFile) -> str:
        """Cut to its column (whole in the tooltip): the list fits 1440 px."""
        return clipped(obj.name, width="wide")

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj: CarrierFile) -> str:
        colours = {
            Status.PROCESSED: "#2e7d32",
            Status.PROCESSED_WITH_EXCEPTIONS: "#b26a00",
            Status.REJECTED: "#c62828",
            Status.FAILED: "#c62828",
            Status.DUPLICATE: "#616161",
        }
        return format_html(
            '<span style="color:{};font-weight:bold">{}</span>',
            colours.get(obj.status, "#1565c0"),
            obj.get_status_display(),
        )

    @admin.display(description="lines")
    def outcome(self, obj: CarrierFile) -> str:
        if obj.status in (Status.RECEIVED, Status.PROCESSING, Status.REJECTED, Status.DUPLICATE, Status.FAILED):
            return "—"
        if obj.kind == CarrierFileKindChoices.COCE:
            if not obj.quarantined:
                return f"{obj.lines} charges"
            return f"{obj.lines} charges, {obj.quarantined} exception{'' if obj.quarantined == 1 else 's'}"
        parts = [f"{obj.rated} rated"]
        for count, label in (
            (obj.quarantined, "quarantined"),
            (obj.written_off, "written off"),
            (obj.rejected, "rejected"),
            (obj.duplicates, "duplicate"),
        ):
            if count:
                parts.append(f"{count} {label}")
        return f"{obj.lines}: {', '.join(parts)}"

    @admin.display(description="size")
    def size_human(self, obj: CarrierFile) -> str:
        return file_size(obj.size)

    @admin.display(description="charge")
    def charge_full(self, obj: CarrierFile) -> str:
        return money(obj.charge_total)

    @admin.display(description="AAPT cost")
    def aapt_cost_full(self, obj: CarrierFile) -> str:
        return money(obj.aapt_cost_total, places=None)

    @admin.display(description="charge", ordering="charge_total")
    def charge(self, obj: CarrierFile) -> str:
        return money(obj.charge_total)

    @admin.display(description="AAPT cost", ordering="aapt_cost_total")
    def aapt_cost(self, obj: CarrierFile) -> str:
        return money(obj.aapt_cost_total)

    @admin.display(description="lines")
    def counts(self, obj: CarrierFile) -> str:
        parts = [
            f"{obj.lines} read",
            f"{obj.rated} rated",
            f"{obj.quarantined} quarantined",
            f"{obj.written_off} written off",
            f"{obj.rejected} rejected",
            f"{obj.duplicates} duplicate",
        ]
        verdict = "they add up" if obj.counts_add_up else "THEY DO NOT ADD UP"
        return f"{', '.join(parts)} ({verdict})"

    @admin.display(description="records")
    def records_links(self, obj: CarrierFile) -> str:
        if obj.kind != CarrierFileKindChoices.CTOP:
            return "—"
        # Only the lists the user may open (billing staff; not provider administrators).
        links = [
            changelist_link(self.admin_site, "usage.usagerecord", "all usage records", carrier_file__id__exact=obj.pk),
            changelist_link(
                self.admin_site, "usage.quarantinedrecord", "quarantined ones", carrier_file__id__exact=obj.pk
            ),
        ]
        return format_html_join(" · ", "{}", ((link,) for link in links if link)) or "—"

    @admin.action(description="Re-process selected files", permissions=["process"])
    def reprocess(self, request, queryset):
        queued, skipped = 0, []
        for carrier_file in queryset:
            if carrier_file.is_final:
                skipped.append(carrier_file.name)
                continue
            enqueue_processing(carrier_file.pk)
            queued += 1
        if queued:
            self.message_user(request, f"{queued} file(s) queued for processing.", messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                f"Already processed, so not processed again: {', '.join(skipped)}. "
                "To bill its quarantined records after a fix, re-process the quarantine.",
                messages.WARNING,
            )

    # -- upload and gaps -----------------------------------------------------

    def get_urls(self):
        urls = super().get_urls()
        return [
            path(
                "upload/",
                self.admin_site.admin_view(self.upload_view),
                name="usage_carrierfile_upload",
            ),
            path(
                "<int:object_id>/status/",
                self.admin_site.admin_view(self.status_view),
                name="usage_carrierfile_status",
            ),
            *urls,
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "sequence_gaps": visible_sequence_gaps(request.user),
            "can_upload": self.has_process_permission(request),
        }
        return super().changelist_view(request, extra_context)

    def status_view(self, request, object_id: int):
        """The file's state as JSON, polled by its page while it is processed."""
        carrier_file = self.get_object(request, str(object_id))
        if carrier_file is None or not self.has_view_permission(request, carrier_file):
            raise Http404("No such carrier file among yours.")
        return JsonResponse(file_status(carrier_file))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        carrier_file = self.get_object(request, unquote(object_id))
        extra_context = {**(extra_context or {})}
        if carrier_file is not None:
            status = file_status(carrier_file)
            extra_context["file_status"] = status
            extra_context["status_url"] = reverse("admin:usage_carrierfile_status", args=[carrier_file.pk])
            lines = status["lines"] or 0
            if not status["running"] and lines:
                extra_context["split"] = [
                    {"title": label, "value": round(100 * count / lines, 1), "progress_class": css}
                    for label, count, css in (
                        ("rated", status["rated"], "bg-green-600!"),
                        ("quarantined", status["quarantined"], "bg-orange-500!"),
                        ("rejected", status["rejected"], "bg-red-600!"),
                        ("duplicate", status["duplicates"], "bg-base-400!"),
                    )
                    if count
                ]
        return super().change_view(request, object_id, form_url, extra_context)

    def upload_view(self, request):
        if not self.has_process_permission(request):
            raise PermissionDenied
        form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                carrier_file = carrier_file_receive(
                    provider=form.cleaned_data["provider"],
                    name=upload.name,
                    content=upload,
                    kind=form.cleaned_data["kind"],
                    source=CarrierFileSourceChoices.UPLOAD,
                    acting_user=request.user,
                )
            except UnsafeFileName as exc:
                form.add_error("file", str(exc))
            else:
                if carrier_file.status == Status.DUPLICATE:
                    self.message_user(request, carrier_file.reason, messages.WARNING)
                else:
                    enqueue_processing(carrier_file.pk)
                    self.message_user(
                        request,
                        f"{carrier_file.name} received; processing is queued.",
                        messages.SUCCESS,
                    )
                return redirect("admin:usage_carrierfile_change", carrier_file.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Upload a carrier file",
            "form": form,
        }
        return TemplateResponse(request, "admin/usage/carrierfile/upload.html", context)
