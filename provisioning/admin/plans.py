"""Plans with their rate cards and plan prices, and the feature catalogue."""

from django.contrib import admin
from unfold.admin import TabularInline

from providers.changelog_admin import ChangeLogPanelMixin
from providers.scoping import ProviderScopedAdmin, ProviderScopedInline, ScopedRelatedFieldListFilter
from ssaas.common import formats
from ssaas.common.admin_links import ReturnsToNextMixin

from ..models import FeatureProduct, PlanProductPrice, PlanRate, ServicePlan

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
class ServicePlanAdmin(ChangeLogPanelMixin, ProviderScopedAdmin):
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
class PlanRateAdmin(ReturnsToNextMixin, ChangeLogPanelMixin, ProviderScopedAdmin):
    # "Add rate" from a quarantine group (?next=) returns there once saved.
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
# The feature catalogue
# ---------------------------------------------------------------------------


@admin.register(FeatureProduct)
class FeatureProductAdmin(ChangeLogPanelMixin, ProviderScopedAdmin):
    list_display = ["element_id", "name", "kind", "unit_cost_money", "retail_price_money", "provider", "is_active"]
    list_filter = [("provider", ScopedRelatedFieldListFilter), "kind", "is_active"]
    list_select_related = ["provider"]
    search_fields = ["element_id", "name"]
    autocomplete_fields = ["provider"]

    def get_fields(self, request, obj=None):
        """For who may only look, the prices in their one format ($1,234.56)."""
        fields = super().get_fields(request, obj)
        if obj is None or self.has_change_permission(request, obj):
            return fields
        money_fields = {"unit_cost": "unit_cost_money", "retail_price": "retail_price_money"}
        return [money_fields.get(name, name) for name in fields]

    @admin.display(description="unit cost", ordering="unit_cost")
    def unit_cost_money(self, obj: FeatureProduct) -> str:
        return formats.money(obj.unit_cost)

    @admin.display(description="retail price", ordering="retail_price")
    def retail_price_money(self, obj: FeatureProduct) -> str:
        return formats.money(obj.retail_price)
