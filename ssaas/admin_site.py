"""The product's admin site: its title and the index page."""

from django.contrib import admin


class SsaasAdminSite(admin.AdminSite):
    site_header = "SSaaS back office"
    site_title = "SSaaS back office"
    index_title = "Providers, services, usage and reconciliation"
