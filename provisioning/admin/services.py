from functools import partial

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from unfold.admin import TabularInline

from providers.admin import CustomerAdmin
from providers.models import Customer
from providers.scoping import (
    ProviderScopedAdmin,
    ProviderScopedInline,
    ScopedRelatedFieldListFilter,
)

from ..choices import ServiceIdentifierKindChoices
from ..models import (
    NUMBER_KINDS,
    FeatureProduct,
    HostedNumberRange,
    PlanProductPrice,
    PlanRate,
    Service,
    ServiceIdentifier,
    ServicePlan,
)
from ..onboarding import admin_views as onboarding_admin
from ..onboarding import may_import_onboarding
from ..selectors import orders_shaping, provisioning_status, with_provisioning_status
from .features import ServiceFeatureInline
from .orders import OrderAdmin  # noqa: F401 - registers the manual provisioning queue

# ---------------------------------------------------------------------------
# Plans
# ---------------------------------------------------------------------------


class PlanRateInline(ProviderScopedInline, TabularInline):
    model = PlanRate
    extra = 0
    fields = [
        "category",
        "flagfall",
        "rate_per_minute",
        "untimed",
        "initial_increment",
        "subsequent_increment",
    ]


class PlanProductPriceInline(ProviderScopedInline, TabularInline):
    """The plan's own monthly prices: each wins over the product's retail price."""

    model = PlanProductPrice
    extra = 0
    fields = ["product", "monthly_price"]


@admin.register(ServicePlan)
class ServicePlanAdmin(ProviderScopedAdmin):
    list_display = ["name", "provider", "is_active", "rate_summary"]
    list_filter = [("provider", ScopedRelatedFieldListFilter), "is_active"]
    list_select_related = ["provider"]
    search_fields = ["name", "provider__name"]
    autocomplete_fields = ["provider"]
    inlines = [PlanRateInline, PlanProductPriceInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("rates")

    @admin.display(description="rate card")
    def rate_summary(self, obj: ServicePlan) -> str:
        rates = sorted(obj.rates.all(), key=lambda r: r.category)
        return "; ".join(f"{r.get_category_display()} {r.describe()}" for r in rates) or "no rates"


@admin.register(PlanRate)
class PlanRateAdmin(ProviderScopedAdmin):
    list_display = [
        "plan",
        "category",
        "flagfall",
        "rate_per_minute",
        "increments",
    ]
    list_filter = [("plan__provider", ScopedRelatedFieldListFilter), "category"]
    list_select_related = ["plan"]
    search_fields = ["plan__name"]
    autocomplete_fields = ["plan"]


# ---------------------------------------------------------------------------
# Services and their identifiers, ranges and features
# ---------------------------------------------------------------------------


class _NoClashBetweenRowsFormSet(forms.BaseInlineFormSet):
    """Rows saved together are checked against each other, not only the database."""

    def clean(self):
        super().clean()
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


@admin.register(Service)
class ServiceAdmin(ProviderScopedAdmin):
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
    readonly_fields = [
        "provider",
        "replaces",
        "replaced_by_link",
        "provisioning_orders",
        "usage_link",
        "created_at",
        "updated_at",
    ]
    fields = [
        "customer",
        "provider",
        "plan",
        "reference",
        "label",
        "status",
        "start_date",
        "end_date",
        "replaces",
        "replaced_by_link",
        "provisioning_orders",
        "usage_link",
        "created_at",
        "updated_at",
    ]
    inlines = [ServiceIdentifierInline, HostedNumberRangeInline, ServiceFeatureInline]

    @admin.display(description="usage")
    def usage_link(self, obj: Service) -> str:
        if not obj.pk:
            return "—"
        # By URL: provisioning does not import usage (usage reads provisioning).
        records = reverse("admin:usage_usagerecord_changelist")
        quarantine = reverse("admin:usage_quarantinedrecord_changelist")
        return format_html(
            '<a href="{}?service__id__exact={}">usage records</a> · <a href="{}?service__id__exact={}">'
            "quarantined for this service</a>",
            records,
            obj.pk,
            quarantine,
            obj.pk,
        )

    @admin.display(description="replaced by")
    def replaced_by_link(self, obj: Service) -> str:
        successor = Service.objects.filter(replaces=obj).first() if obj.pk else None
        if successor is None:
            return "—"
        url = reverse("admin:provisioning_service_change", args=[successor.pk])
        return format_html('<a href="{}">{}</a> from {}', url, successor, f"{successor.start_date:%d/%m/%Y}")

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
                        f" {o.effective_date:%d/%m/%Y}" if o.effective_date else "",
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
class ServiceIdentifierAdmin(ProviderScopedAdmin):
    list_display = ["value", "kind", "service", "active_from", "active_to"]
    list_filter = ["kind", ("service__provider", ScopedRelatedFieldListFilter)]
    list_select_related = ["service__customer"]
    search_fields = ["value", "service__reference", "service__customer__name"]
    autocomplete_fields = ["service"]
    fields = ["service", "kind", "value", "active_from", "active_to"]


@admin.register(FeatureProduct)
class FeatureProductAdmin(ProviderScopedAdmin):
    list_display = ["element_id", "name", "kind", "unit_cost", "retail_price", "provider", "is_active"]
    list_filter = [("provider", ScopedRelatedFieldListFilter), "kind", "is_active"]
    list_select_related = ["provider"]
    search_fields = ["element_id", "name"]
    autocomplete_fields = ["provider"]


# ---------------------------------------------------------------------------
# Customers: their status follows their orders
# ---------------------------------------------------------------------------

admin.site.unregister(Customer)


@admin.register(Customer)
class CustomerWithOrdersAdmin(CustomerAdmin):
    """The providers app's customer admin, with the provisioning status customers
    see ("provisioning halted" while an order of theirs is halted). It lives here
    because provisioning reads providers, never the reverse."""

    list_display = [*CustomerAdmin.list_display, "provisioning_status"]
    readonly_fields = ["provisioning_status"]
    fields = [*CustomerAdmin.fields, "provisioning_status"]

    def get_queryset(self, request):
        return with_provisioning_status(super().get_queryset(request))

    @admin.display(description="provisioning")
    def provisioning_status(self, obj: Customer) -> str:
        return provisioning_status(obj) or "—"
