"""Links between admin pages: to another admin list, drawn only for a user who
may open it (the sidebar's rule: the target's ModelAdmin grants view or change),
so that no page leads to a 403; and back from an add page to the page that sent
the user there (``?next=``)."""

from contextvars import ContextVar
from urllib.parse import urlencode

from django.apps import apps
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme

# The request an admin view is answering (set by the admin site for each view):
# read-only fields and list columns are drawn without it.
current_request: ContextVar = ContextVar("ssaas_admin_request", default=None)


def may_open_changelist(admin_site, request, model_label: str) -> bool:
    """Whether ``request``'s user may open the admin list of ``model_label``
    ("app_label.model_name") on ``admin_site``: as the sidebar decides."""
    if request is None:
        return False
    model_admin = admin_site._registry.get(apps.get_model(model_label))
    return model_admin is not None and model_admin.has_view_or_change_permission(request)


def changelist_link(admin_site, model_label: str, text: str, **query) -> str:
    """``<a>`` to the admin list of ``model_label`` filtered by ``query``, or ""
    when the user of the current admin request may not open that list."""
    if not may_open_changelist(admin_site, current_request.get(), model_label):
        return ""
    app_label, model_name = model_label.lower().split(".")
    url = reverse(f"{admin_site.name}:{app_label}_{model_name}_changelist")
    return format_html('<a href="{}">{}</a>', f"{url}?{urlencode(query)}" if query else url, text)


def safe_return_url(request) -> str:
    """The ``next`` the request carries (query or form), when it is a relative URL
    of this site (``/admin/…``); otherwise ""."""
    url = request.POST.get("next") or request.GET.get("next") or ""
    if not url.startswith("/") or url.startswith("//") or "\\" in url:
        return ""
    if not url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return ""
    return url


class ReturnsToNextMixin:
    """For a ModelAdmin whose add page is reached from another page with
    ``?next=<that page>``: the add page says so, with a link back, and "Save"
    returns there (only a same-site relative URL is followed)."""

    def add_view(self, request, form_url="", extra_context=None):
        back = safe_return_url(request)
        if back and request.method == "GET":
            messages.info(
                request,
                format_html('Once saved, you return to <a href="{}">the page you came from</a>.', back),
            )
        return super().add_view(request, form_url, extra_context)

    def response_add(self, request, obj, post_url_continue=None):
        response = super().response_add(request, obj, post_url_continue)
        back = safe_return_url(request)
        plain_save = not any(key in request.POST for key in ("_continue", "_addanother", "_saveasnew", "_popup"))
        if back and plain_save and isinstance(response, HttpResponseRedirect):
            return HttpResponseRedirect(back)
        return response
