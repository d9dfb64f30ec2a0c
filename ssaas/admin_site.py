"""The product's admin site: its title and the index page's "Needs attention" panel."""

from functools import wraps

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import ImproperlyConfigured
from django.db.models.base import ModelBase
from django.urls import URLPattern, URLResolver
from unfold.sites import UnfoldAdminSite

# The request an admin view is answering, for the read-only fields' links below
# and the apps' links between pages.
from ssaas.common.admin_links import current_request


class SsaasAdminSite(UnfoldAdminSite):
    site_header = "SSaaS back office"
    site_title = "SSaaS back office"
    index_title = "Providers, services, usage and reconciliation"

    # The product's own apps first, in the order staff work in them.
    APP_ORDER = ["providers", "provisioning", "usage", "django_q", "auth"]

    def register(self, model_or_iterable, admin_class=None, **options):
        """Refuses a provider-owned model (or inline) without provider scoping, so a
        new admin cannot forget it."""
        from providers.scoping import scoping_problems

        if admin_class is not None and admin_class.__module__ == "auditlog.admin":
            # django-auditlog registers its own, unscoped admin for the change log's
            # model: the change log has a scoped, read-only one (providers/changelog_admin.py).
            return None
        models = [model_or_iterable] if isinstance(model_or_iterable, ModelBase) else list(model_or_iterable)
        effective = admin_class or admin.ModelAdmin
        if options:
            effective = type(f"{models[0].__name__}Admin", (effective,), options)
        for model in models:
            problems = scoping_problems(model, effective)
            if problems:
                raise ImproperlyConfigured("; ".join(problems))
        return super().register(models, admin_class, **options)

    def get_urls(self):
        """Every admin's URLs (its custom views too) answer 404 for an id that can
        name no row (ssaas.common.admin_mixins.refusing_malformed_ids)."""
        from ssaas.common.admin_mixins import refusing_malformed_ids

        urls = super().get_urls()
        models = {f"{m._meta.app_label}/{m._meta.model_name}/": m for m in self._registry}
        for entry in urls:
            model = models.get(str(entry.pattern)) if isinstance(entry, URLResolver) else None
            if model is not None:
                patterns = entry.url_patterns  # the model admin's own list: changed in place
                patterns[:] = [
                    refusing_malformed_ids(p, model, self) if isinstance(p, URLPattern) else p for p in patterns
                ]
        return urls

    def admin_view(self, view, cacheable=False):
        wrapped = super().admin_view(view, cacheable)

        @wraps(wrapped)
        def remembering(request, *args, **kwargs):
            token = current_request.set(request)
            try:
                response = wrapped(request, *args, **kwargs)
                # A TemplateResponse renders later, outside this view: render it here,
                # while the request is known.
                if getattr(response, "is_rendered", True) is False:
                    response.render()
                return response
            finally:
                current_request.reset(token)

        return remembering

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
        from usage.attention import attention

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


def link_readonly_foreign_keys_only_when_viewable() -> None:
    """A read-only foreign key on a change page is drawn as a link to the related
    object's page, whether or not the user may open it (an order's "created by"
    linked provisioning staff to a user page answering 403). Keep the link only
    for a user with the view permission on that object; otherwise its name."""
    from django.contrib.admin import helpers
    from unfold.fields import UnfoldAdminReadonlyField

    for field_class in (helpers.AdminReadonlyField, UnfoldAdminReadonlyField):
        original = field_class.get_admin_url
        if getattr(original, "checks_permission", False):
            continue

        def get_admin_url(self, remote_field, remote_obj, _original=original):
            request = current_request.get()
            target = self.model_admin.admin_site._registry.get(remote_field.model)
            if request is not None and (target is None or not target.has_view_permission(request, remote_obj)):
                return str(remote_obj)
            return _original(self, remote_field, remote_obj)

        get_admin_url.checks_permission = True
        field_class.get_admin_url = get_admin_url
