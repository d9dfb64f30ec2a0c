"""The product's admin site: its title and the index page's "Needs attention" panel."""

from django.conf import settings
from unfold.sites import UnfoldAdminSite


class SsaasAdminSite(UnfoldAdminSite):
    site_header = "SSaaS back office"
    site_title = "SSaaS back office"
    index_title = "Providers, services, usage and reconciliation"

    # The product's own apps first, in the order staff work in them.
    APP_ORDER = ["providers", "provisioning", "usage", "django_q", "auth"]

    def each_context(self, request):
        context = super().each_context(request)
        # Said once at the foot of each page, not as a warning on every date field.
        context["server_zone"] = settings.TIME_ZONE.split("/")[-1].replace("_", " ")
        return context

    def get_app_list(self, request, app_label=None):
        apps = super().get_app_list(request, app_label)
        rank = {label: i for i, label in enumerate(self.APP_ORDER)}
        return sorted(apps, key=lambda app: rank.get(app["app_label"], len(rank)))

    def index(self, request, extra_context=None):
        from usage.selectors import attention

        extra_context = {**(extra_context or {}), "attention": attention(request.user)}
        return super().index(request, extra_context)


def restyle_third_party_admins(site) -> None:
    """django-q2 registers its task lists with django's ModelAdmin: the same admins
    on unfold's ModelAdmin, so that their pages look and filter like the others."""
    from unfold.admin import ModelAdmin

    for model, model_admin in list(site._registry.items()):
        if isinstance(model_admin, ModelAdmin) or model._meta.app_label != "django_q":
            continue
        site.unregister(model)
        site.register(model, type(type(model_admin).__name__, (type(model_admin), ModelAdmin), {}))
