"""Customers, with the status their orders give them."""

from django.contrib import admin

from providers.admin import CustomerAdmin
from providers.models import Customer

from ..selectors import provisioning_status, with_provisioning_status

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
