"""The product's admin site: its title and the index page's "Needs attention" panel."""

from django.contrib import admin


class SsaasAdminSite(admin.AdminSite):
    site_header = "SSaaS back office"
    site_title = "SSaaS back office"
    index_title = "Providers, services, usage and reconciliation"

    def index(self, request, extra_context=None):
        from usage.selectors import attention

        extra_context = {**(extra_context or {}), "attention": attention(request.user)}
        return super().index(request, extra_context)
