"""COCE files (upload, registry) and their charge lines in the admin."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html
from unfold.admin import TabularInline

from providers.scoping import ProviderScopedAdmin, ProviderScopedInline, ScopedRelatedFieldListFilter
from ssaas.common.admin_mixins import ReadOnlyAdminMixin, clipped
from ssaas.common.formats import day, file_size, money
from usage.carrier_files.choices import CarrierFileKindChoices, CarrierFileSourceChoices, CarrierFileStatusChoices
from usage.carrier_files.models import RejectedLine
from usage.carrier_files.receive import carrier_file_receive
from usage.carrier_files.tasks import enqueue_processing
from usage.carrier_files.upload_admin import UploadAdmin, UploadForm
from usage.coce.ingest import other_charges_classify
from usage.coce.models import CoceFile, OtherCharge, OtherChargeException


class CoceUploadForm(UploadForm):
    class Meta:
        model = CoceFile
        fields = ["provider"]


class RejectedLineInline(ReadOnlyAdminMixin, ProviderScopedInline, TabularInline):
    model = RejectedLine
    fields = ["line_number", "field", "reason", "content"]
    readonly_fields = fields
    extra = 0


@admin.register(CoceFile)
class CoceFileAdmin(UploadAdmin):
    """COCE files: upload one, or see what became of each (collected, uploaded or
    taken by ``ingest_coce``)."""

    # Fits 1440 px with the sidebar open: the name is cut (whole in its tooltip), the
    # charge count links to the charge lines, short headers; the file's page has all.
    list_display = [
        "name_short",
        "provider",
        "status",
        "received_at",
        "lines",
        "charges_link",
        "exceptions",
        "duplicates_count",
        "rejected_count",
        "amount",
    ]
    list_filter = ["status", ("provider", ScopedRelatedFieldListFilter), "source"]
    list_select_related = ["provider"]
    search_fields = ["name"]
    inlines = [RejectedLineInline]
    readonly_fields = [
        "name",
        "provider",
        "status",
        "reason",
        "source",
        "received_at",
        "received_by",
        "processed_at",
        "sequence",
        "produced_at",
        "size_human",
        "sha256",
        "layout",
        "duplicate_of",
        "lines",
        "charges",
        "exceptions",
        "duplicates",
        "rejected",
        "amount",
        "charge_lines",
    ]

    upload_form = CoceUploadForm
    upload_fields = ["provider", "upload"]

    def upload(self, request, data: dict) -> CoceFile:
        received = carrier_file_receive(
            provider=data["provider"],
            name=data["upload"].name,
            content=data["upload"],
            source=CarrierFileSourceChoices.UPLOAD,
            kind=CarrierFileKindChoices.COCE,
            acting_user=request.user,
        )
        if received.status == CarrierFileStatusChoices.RECEIVED:
            enqueue_processing(received.pk)
            self.message_user(
                request,
                f"{received.name} received; processing is queued. This page shows its charges, "
                "exceptions and status once the worker is done.",
                messages.INFO,
            )
        else:  # a duplicate, or refused on receipt (truncated gzip, too large once inflated)
            level = messages.WARNING if received.status == CarrierFileStatusChoices.DUPLICATE else messages.ERROR
            self.message_user(request, f"{received.name}: {received.get_status_display()}. {received.reason}", level)
        return CoceFile.objects.get(pk=received.pk)

    @admin.display(description="size")
    def size_human(self, obj: CoceFile) -> str:
        return file_size(obj.size)

    @admin.display(description="name", ordering="name")
    def name_short(self, obj: CoceFile) -> str:
        return clipped(obj.name)

    @admin.display(description="charges")
    def charges_link(self, obj: CoceFile) -> str:
        """The count of charges, linking to the charge lines."""
        url = reverse("admin:usage_othercharge_changelist") + f"?carrier_file__id__exact={obj.pk}"
        return format_html('<a href="{}" title="the charge lines">{}</a>', url, obj.charge_count)

    @admin.display(description="duplicates")
    def duplicates_count(self, obj: CoceFile) -> int:
        return obj.duplicates

    @admin.display(description="rejected")
    def rejected_count(self, obj: CoceFile) -> int:
        return obj.rejected

    @admin.display(description="charges")
    def charges(self, obj: CoceFile) -> int:
        return obj.charge_count

    @admin.display(description="exceptions")
    def exceptions(self, obj: CoceFile) -> int:
        return obj.exception_count

    @admin.display(description="amount")
    def amount(self, obj: CoceFile) -> str:
        return money(obj.amount_total)

    @admin.display(description="charge lines")
    def charge_lines(self, obj: CoceFile) -> str:
        url = reverse("admin:usage_othercharge_changelist") + f"?carrier_file__id__exact={obj.pk}"
        return format_html('<a href="{}">charge lines</a>', url)


@admin.register(OtherCharge)
class OtherChargeAdmin(ReadOnlyAdminMixin, ProviderScopedAdmin):
    # Fits 1440 px with the sidebar open: long ids and descriptions cut (whole in
    # their tooltips), the charged dates in one column; the charge's page has all.
    list_display = [
        "record_id_short",
        "type_code",
        "element_id",
        "product",
        "description_short",
        "external_id_short",
        "service",
        "amount_money",
        "period",
        "status",
        "exception",
    ]
    list_filter = [
        "status",
        "exception",
        "type_code",
        "product__kind",
        ("provider", ScopedRelatedFieldListFilter),
        "charged_from",
    ]
    list_select_related = ["product", "service__customer"]
    search_fields = ["coce_record_id", "description", "external_id", "element_id", "nrc_type_id"]
    show_full_result_count = False
    actions = ["classify_again"]
    date_hierarchy = "charged_from"

    # The charge's page: every field read-only, money in its one format ($1,234.56).
    _money_fields = {"amount": "amount_money", "tax1": "tax1_money", "tax2": "tax2_money"}

    def get_fields(self, request, obj=None):
        return [
            self._money_fields.get(f.name, f.name) for f in self.model._meta.fields if f.editable and not f.primary_key
        ]

    def get_readonly_fields(self, request, obj=None):
        return [self._money_fields.get(f.name, f.name) for f in self.model._meta.fields]

    @admin.display(description="tax 1")
    def tax1_money(self, obj: OtherCharge) -> str:
        return money(obj.tax1)

    @admin.display(description="tax 2")
    def tax2_money(self, obj: OtherCharge) -> str:
        return money(obj.tax2)

    def has_process_permission(self, request) -> bool:
        return request.user.has_perm("usage.process_carrierfile")

    @admin.display(description="amount", ordering="amount")
    def amount_money(self, obj: OtherCharge) -> str:
        return money(obj.amount)

    @admin.display(description="COCE record id", ordering="coce_record_id")
    def record_id_short(self, obj: OtherCharge) -> str:
        return clipped(obj.coce_record_id, width="narrow")

    @admin.display(description="description")
    def description_short(self, obj: OtherCharge) -> str:
        return clipped(obj.description, width="narrow")

    @admin.display(description="external id")
    def external_id_short(self, obj: OtherCharge) -> str:
        return clipped(obj.external_id, width="narrow")

    @admin.display(description="charged", ordering="charged_from")
    def period(self, obj: OtherCharge) -> str:
        """From – to, dd/mm/yyyy (a one-day charge shows its one day)."""
        if obj.charged_to in (None, obj.charged_from):
            return day(obj.charged_from)
        return f"{day(obj.charged_from)} – {day(obj.charged_to)}"

    @admin.action(
        permissions=["process"],
        description="Classify again (after adding the element id or the range)",
    )
    def classify_again(self, request, queryset):
        counted = queryset.filter(status="counted")
        still = counted.filter(~Q(exception=""))
        looked_at = other_charges_classify(charges=counted.iterator(), acting_user=request.user)
        self.message_user(
            request,
            f"Classified {looked_at} charge(s) again; {still.count()} exception(s) remain.",
            messages.SUCCESS,
        )


@admin.register(OtherChargeException)
class OtherChargeExceptionAdmin(OtherChargeAdmin):
    list_display = [
        "record_id_short",
        "exception",
        "element_nrc",
        "description_short",
        "external_id_short",
        "amount_money",
        "period",
        "nearest",
        "file_short",
    ]
    list_filter = ["exception", ("provider", ScopedRelatedFieldListFilter), "charged_from"]
    list_select_related = ["carrier_file", "nearest_range__service__customer"]

    @admin.display(description="element / NRC id")
    def element_nrc(self, obj: OtherCharge) -> str:
        return " / ".join(v for v in (obj.element_id, obj.nrc_type_id) if v) or "—"

    @admin.display(description="file")
    def file_short(self, obj: OtherCharge) -> str:
        return clipped(obj.carrier_file.name, width="narrow")

    @admin.display(description="nearest range")
    def nearest(self, obj: OtherCharge) -> str:
        near = obj.nearest_range
        if near is None:
            return "—"
        return f"{near.value} ({near.service.reference}, {near.service.customer.name})"
