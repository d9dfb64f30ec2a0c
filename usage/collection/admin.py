"""Collections over FTP in the admin: their list, and on each provider's page the
latest collections, what needs attention, and a "Collect now" button."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from providers.admin import ProviderAdmin
from providers.models import Provider
from providers.scoping import ProviderScopedAdmin, ScopedRelatedFieldListFilter
from usage.collection.collector import CollectionPending, CollectionUnavailable, collection_request
from usage.collection.models import ProviderCollection
from usage.collection.selectors import collection_attention, recent_collections
from usage.collection.tasks import enqueue_collection

COLLECT_PERMISSION = "usage.collect_providercollection"


@admin.register(ProviderCollection)
class ProviderCollectionAdmin(ProviderScopedAdmin):
    list_display = [
        "started_at",
        "provider",
        "trigger",
        "status",
        "found",
        "fetched",
        "skipped",
        "ignored",
        "file_errors",
        "short_error",
    ]
    list_filter = [("provider", ScopedRelatedFieldListFilter), "status", "run__trigger"]
    list_select_related = ["provider", "run"]
    search_fields = ["provider__name", "error"]
    show_full_result_count = False
    fields = [
        "provider",
        "trigger",
        "requested_by",
        "status",
        "started_at",
        "finished_at",
        "attempts",
        "found",
        "fetched",
        "duplicates",
        "skipped",
        "ignored",
        "file_errors",
        "error",
        "file_table",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="trigger", ordering="run__trigger")
    def trigger(self, obj: ProviderCollection) -> str:
        return obj.run.get_trigger_display()

    @admin.display(description="requested by")
    def requested_by(self, obj: ProviderCollection) -> str:
        return str(obj.run.requested_by or "—")

    @admin.display(description="error")
    def short_error(self, obj: ProviderCollection) -> str:
        return obj.error[:120]

    @admin.display(description="files")
    def file_table(self, obj: ProviderCollection) -> str:
        if not obj.files:
            return "—"
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((f["name"], f["outcome"], "" if f["size"] is None else f["size"], f["message"]) for f in obj.files),
        )
        return format_html(
            "<table><thead><tr><th>name</th><th>outcome</th><th>bytes</th><th>message</th>"
            "</tr></thead><tbody>{}</tbody></table>",
            rows,
        )


class CollectingProviderAdmin(ProviderAdmin):
    """The provider's page, with its collections and a button to collect it now."""

    change_form_template = "admin/usage/provider_change_form.html"

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/collect/",
                self.admin_site.admin_view(self.collect_view),
                name="{}_{}_collect".format(*info),
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        provider = self.get_object(request, object_id)
        extra = {}
        if provider is not None:
            may_view = request.user.has_perm("usage.view_providercollection")
            extra = {
                "collections": recent_collections(provider) if may_view else [],
                "may_view_collections": may_view,
                "collection_attention": collection_attention(request.user, provider_ids=[provider.pk]),
                "collect_url": (
                    reverse("admin:providers_provider_collect", args=[provider.pk])
                    if request.user.has_perm(COLLECT_PERMISSION) and provider.has_ftp_settings
                    else ""
                ),
            }
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    @method_decorator(require_POST)
    def collect_view(self, request, object_id):
        if not request.user.has_perm(COLLECT_PERMISSION):
            raise PermissionDenied
        provider = self.get_object(request, object_id)  # scoped: others' providers are absent
        if provider is None:
            raise Http404("No such provider.")
        try:
            collection = collection_request(provider=provider, acting_user=request.user)
        except CollectionPending as exc:
            messages.warning(request, f"A collection of {provider} is already {exc.pending.status}.")
        except CollectionUnavailable as exc:
            messages.error(request, str(exc))
        else:
            enqueue_collection(collection.run)
            messages.success(
                request,
                f"Collection of {provider} queued: its outcome appears below once the worker has run it.",
            )
        return HttpResponseRedirect(reverse("admin:providers_provider_change", args=[provider.pk]))


admin.site.unregister(Provider)
admin.site.register(Provider, CollectingProviderAdmin)
