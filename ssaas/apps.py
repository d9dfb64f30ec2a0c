from django.contrib.admin.apps import AdminConfig


class SsaasAdminConfig(AdminConfig):
    """The admin, with the product's own site (title, index panel)."""

    default_site = "ssaas.admin_site.SsaasAdminSite"
