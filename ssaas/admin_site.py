"""The product's admin site: its title and the index page's "Needs attention" panel."""

from django.contrib import admin
from django.core.exceptions import ImproperlyConfigured
from django.db.models.base import ModelBase


class SsaasAdminSite(admin.AdminSite):
    site_header = "SSaaS back office"
    site_title = "SSaaS back office"
    index_title = "Providers, services, usage and reconciliation"

    # The product's own apps first, in the order staff work in them.
    APP_ORDER = ["providers", "provisioning", "usage", "django_q", "auth"]

    def register(self, model_or_iterable, admin_class=None, **options):
        """Refuses a provider-owned model (or inline) without provider scoping, so a
        new admin cannot forget it."""
        from providers.scoping import scoping_problems

        models = [model_or_iterable] if isinstance(model_or_iterable, ModelBase) else list(model_or_iterable)
        effective = admin_class or admin.ModelAdmin
        if options:
            effective = type(f"{models[0].__name__}Admin", (effective,), options)
        for model in models:
            problems = scoping_problems(model, effective)
            if problems:
                raise ImproperlyConfigured("; ".join(problems))
        return super().register(models, admin_class, **options)

    def get_app_list(self, request, app_label=None):
        apps = super().get_app_list(request, app_label)
        rank = {label: i for i, label in enumerate(self.APP_ORDER)}
        return sorted(apps, key=lambda app: rank.get(app["app_label"], len(rank)))

    def index(self, request, extra_context=None):
        from usage.selectors import attention

        extra_context = {**(extra_context or {}), "attention": attention(request.user)}
        return super().index(request, extra_context)
