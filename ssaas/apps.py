from django.apps import AppConfig, apps
from django.contrib.admin.apps import AdminConfig
from django.db.models.signals import post_migrate


class SsaasConfig(AppConfig):
    """The project as an app, without models: its management commands (loaddemo)
    and the post_migrate handler that keeps the reference data."""

    name = "ssaas"
    label = "ssaas"
    verbose_name = "SSaaS back office"

    def ready(self):
        from .reference_data import keep_reference_data

        # Django sends post_migrate once per app with models, in INSTALLED_APPS order:
        # for the last of them, every app's tables and permissions are in place.
        last = [config for config in apps.get_app_configs() if config.models_module is not None][-1]
        post_migrate.connect(keep_reference_data, sender=last, dispatch_uid="ssaas.reference_data")


class SsaasAdminConfig(AdminConfig):
    """The admin, with the product's own site (title, index panel, unfold's theme)."""

    default_site = "ssaas.admin_site.SsaasAdminSite"

    def ready(self):
        super().ready()  # autodiscover: every app's admin is registered now
        from django.contrib import admin

        from .admin_site import link_readonly_foreign_keys_only_when_viewable, restyle_third_party_admins

        restyle_third_party_admins(admin.site)
        link_readonly_foreign_keys_only_when_viewable()
