"""Services with their identifiers, hosted number ranges and features.

Every save goes through the actions (``provisioning.actions.services`` and
``.identifiers``), which refuse a date in a closed bill period; the forms make
the same check first, so the refusal shows beside the date the person typed
(``RefusalFormMixin``)."""

from functools import partial

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from unfold.admin import TabularInline

from providers.changelog_admin import ChangeLogPanelMixin
from providers.periods import refuse_closed_dates
from providers.scoping import (
    ProviderScopedAdmin,
    ProviderScopedInline,
    ScopedRelatedFieldListFilter,
)
from ssaas.common.admin_links import ReturnsToNextMixin, changelist_link
from ssaas.common.admin_mixins import RefusalsAsMessagesMixin
from ssaas.common.formats import day

from ..actions.identifiers import (
    identifier_dates_touched,
    service_identifier_check,
    service_identifier_delete,
    service_identifier_save,
)
from ..actions.services import service_check, service_delete, service_save
from ..choices import ServiceIdentifierKindChoices
from ..models import NUMBER_KINDS, HostedNumberRange, Service, ServiceIdentifier
from ..onboarding import admin_views as onboarding_admin
from ..policies import may_import_onboarding
from ..selectors import orders_shaping
from .features import ServiceFeatureInline
from .refusals import RefusalFormMixin, add_refusal

# ---------------------------------------------------------------------------
# Services and their identifiers, ranges and features
# ---------------------------------------------------------------------------


class _NoClashBetweenRowsFormSet(forms.BaseInlineFormSet):
    """Rows saved together are checked against each other, not only the database,
    and each changed or deleted row against the closed bill periods, as the action
    saving it will."""

    def clean(self):
        super().clean()
        for form in self.forms:
            if not form.is_valid() or not form.cleaned_data or not (form.has_changed() or form in self.deleted_forms):
                continue
            try:
                if form in self.deleted_forms:
                    if form.instance.pk:
                        stored = ServiceIdentifier.objects.select_related("service__provider").get(pk=form.instance.pk)
                        refuse_closed_dates(stored.service.provider, identifier_dates_touched(stored, None))
                else:
                    service_identifier_check(form.instance)
            except ValidationError as exc:
                add_refusal(form, exc)
                raise ValidationError("A row above is refused: see its message.") from exc
        rows = [f.instance for f in self.forms if f.is_valid() and f.cleaned_data and not f.cleaned_data.get("DELETE")]
        for i, a in enumerate(rows):
            for b in rows[i + 1 :]:
                if not (a.active_from and b.active_from):
                    continue
                same_dates = a.active_from <= (b.active_to or b.active_from.max) and (
                    b.active_from <= (a.active_to or a.active_from.max)
                )
                if not same_dates:
                    continue
                if a.kind in NUMBER_KINDS and b.kind in NUMBER_KINDS:
                    clash = (
                        len(a.number_first) == len(b.number_first)
                        and a.number_first <= b.number_last
                        and b.number_first <= a.number_last
                    )
                else:
                    clash = a.kind == b.kind and a.value == b.value
                if clash:
                    raise ValidationError(
                        f"{a.value} and {b.value} overlap on the same dates: an identifier cannot be entered twice."
                    )


class ServiceIdentifierInline(ProviderScopedInline, TabularInline):
    model = ServiceIdentifier
    formset = _NoClashBetweenRowsFormSet
    extra = 0
    fields = ["kind", "value", "active_from", "active_to"]
    verbose_name = "identifier"
    verbose_name_plural = "identifiers (Group ID, FNN, usernames)"

    def get_queryset(self, request):
        return super().get_queryset(request).exclude(kind=ServiceIdentifierKindChoices.NUMBER_RANGE)

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "kind":
            kwargs["choices"] = [
                c for c in ServiceIdentifierKindChoices.choices if c[0] != ServiceIdentifierKindChoices.NUMBER_RANGE
            ]
        return super().formfield_for_choice_field(db_field, request, **kwargs)


class HostedNumberRangeForm(forms.ModelForm):
    first = forms.CharField(label="first number", max_length=20)
    last = forms.CharField(label="last number", max_length=20)

    class Meta:
        model = HostedNumberRange
        fields = ["first", "last", "active_from", "active_to"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["first"].initial = self.instance.number_first
            self.fields["last"].initial = self.instance.number_last

    def _post_clean(self):
        first, last = self.cleaned_data.get("first"), self.cleaned_data.get("last")
        self.instance.kind = ServiceIdentifierKindChoices.NUMBER_RANGE
        if first and last:
            self.instance.value = f"{first.strip()}-{last.strip()}"
        super()._post_clean()

    def add_error(self, field, error):
        # Model validation reports on ``value`` (and ``kind``), fields this form does not
        # have: here the person typed ``first``/``last``, so say it about the row.
        if field in ("value", "kind"):
            field = None
        if field is None and isinstance(error, ValidationError) and hasattr(error, "error_dict"):
            rows = [e for name in ("value", "kind") for e in error.error_dict.pop(name, [])]
            if rows:
                super().add_error(None, rows)
            if not error.error_dict:
                return
        super().add_error(field, error)


class HostedNumberRangeInline(ProviderScopedInline, TabularInline):
    model = HostedNumberRange
    form = HostedNumberRangeForm
    formset = _NoClashBetweenRowsFormSet
    extra = 0
    fields = ["first", "last", "active_from", "active_to", "size"]
    readonly_fields = ["size"]

    @admin.display(description="numbers")
    def size(self, obj):
        return obj.range_size or ""


class _SavedByActionsMixin(RefusalsAsMessagesMixin, RefusalFormMixin):
    """The admin's rows are checked, saved and deleted by their actions
    (``row_check``, ``row_save``, ``row_delete``, which take the row as the keyword
    ``row_keyword``), and so are the identifier and range rows of its inlines."""

    row_keyword = ""
    row_check = row_save = row_delete = None  # the actions, as static methods

    def check_form(self, request, form) -> None:
        self.row_check(form.instance)

    def save_model(self, request, obj, form, change):
        self.row_save(**{self.row_keyword: obj}, acting_user=request.user)

    def delete_model(self, request, obj):
        self.row_delete(**{self.row_keyword: obj}, acting_user=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)

    def save_formset(self, request, form, formset, change):
        if formset.model not in (ServiceIdentifier, HostedNumberRange):
            return super().save_formset(request, form, formset, change)
        rows = formset.save(commit=False)  # what changed, written below by the actions
        for identifier in formset.deleted_objects:
            service_identifier_delete(identifier=identifier, acting_user=request.user)
        for identifier in rows:
            service_identifier_save(identifier=identifier, acting_user=request.user)
        return None


@admin.register(Service)
class ServiceAdmin(ChangeLogPanelMixin, _SavedByActionsMixin, ProviderScopedAdmin):
    list_display = ["reference", "customer", "provider", "plan", "status", "start_date", "end_date"]
    list_filter = [
        "status",
        ("provider", ScopedRelatedFieldListFilter),
        ("plan", ScopedRelatedFieldListFilter),
    ]
    list_select_related = ["customer", "provider", "plan"]
    search_fields = [
        "reference",
        "label",
        "customer__name",
        "customer__reference",
        "identifiers__value",
    ]
    autocomplete_fields = ["customer", "plan"]
    # Shown below the editable fields, never edited here.
    _shown = ["replaces", "replaced_by_link", "provisioning_orders", "usage_link", "created_at", "updated_at"]
    readonly_fields = ["provider", *_shown]
    fields = ["customer", "provider", "plan", "reference", "label", "status", "start_date", "end_date", *_shown]
    inlines = [ServiceIdentifierInline, HostedNumberRangeInline, ServiceFeatureInline]
    row_keyword = "service"
    row_check, row_save, row_delete = (
        staticmethod(service_check),
        staticmethod(service_save),
        staticmethod(service_delete),
    )

    @admin.display(description="usage")
    def usage_link(self, obj: Service) -> str:
        if not obj.pk:
            return "—"
        # By name: provisioning does not import usage (usage reads provisioning).
        # Only the lists the user may open (billing staff; not provisioning staff).
        links = [
            changelist_link(self.admin_site, "usage.usagerecord", "usage records", service__id__exact=obj.pk),
            changelist_link(
                self.admin_site, "usage.quarantinedrecord", "quarantined for this service", service__id__exact=obj.pk
            ),
        ]
        return format_html_join(" · ", "{}", ((link,) for link in links if link)) or "—"

    @admin.display(description="replaced by")
    def replaced_by_link(self, obj: Service) -> str:
        successor = Service.objects.filter(replaces=obj).first() if obj.pk else None
        if successor is None:
            return "—"
        url = reverse("admin:provisioning_service_change", args=[successor.pk])
        return format_html('<a href="{}">{}</a> from {}', url, successor, day(successor.start_date))

    @admin.display(description="orders that shaped it")
    def provisioning_orders(self, obj: Service) -> str:
        orders = list(orders_shaping(obj)) if obj.pk else []
        if not orders:
            return "—"
        return format_html(
            '<ul class="service-orders">{}</ul>',
            format_html_join(
                "",
                '<li><a href="{}">Order #{}</a>: {} for {}, {}{}</li>',
                (
                    (
                        reverse("admin:provisioning_order_change", args=[o.pk]),
                        o.pk,
                        o.get_kind_display(),
                        o.customer.name,
                        o.get_state_display().lower(),
                        f" {day(o.effective_date)}" if o.effective_date else "",
                    )
                    for o in orders
                ),
            ),
        )

    def get_urls(self):
        def wrap(view):
            return self.admin_site.admin_view(partial(view, self))

        return [
            path("import/", wrap(onboarding_admin.import_view), name="provisioning_service_import"),
            path(
                "import/status/<str:task_id>/",
                wrap(onboarding_admin.status_view),
                name="provisioning_service_import_status",
            ),
            path(
                "import/template.xlsx",
                wrap(onboarding_admin.template_view),
                name="provisioning_service_import_template",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "may_import_onboarding": may_import_onboarding(request.user),
        }
        return super().changelist_view(request, extra_context)


@admin.register(ServiceIdentifier)
class ServiceIdentifierAdmin(ReturnsToNextMixin, ChangeLogPanelMixin, _SavedByActionsMixin, ProviderScopedAdmin):
    list_display = ["value", "kind", "service", "active_from", "active_to"]
    list_filter = ["kind", ("service__provider", ScopedRelatedFieldListFilter)]
    list_select_related = ["service__customer"]
    search_fields = ["value", "service__reference", "service__customer__name"]
    autocomplete_fields = ["service"]
    fields = ["service", "kind", "value", "active_from", "active_to"]
    row_keyword = "identifier"
    row_check = staticmethod(service_identifier_check)
    row_save = staticmethod(service_identifier_save)
    row_delete = staticmethod(service_identifier_delete)
