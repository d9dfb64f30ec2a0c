from django.contrib.admin.apps import AdminConfig


class SsaasAdminConfig(AdminConfig):
    """The admin, with the product's own site (title, index panel, unfold's theme)."""

    default_site = "ssaas.admin_site.SsaasAdminSite"

    def ready(self):
        super().ready()  # autodiscover: every app's admin is registered now
        from django.contrib import admin

        from .admin_site import link_readonly_foreign_keys_only_when_viewable, restyle_third_party_admins

        restyle_third_party_admins(admin.site)
        link_readonly_foreign_keys_only_when_viewable()
