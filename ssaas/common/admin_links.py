"""Links from one admin page to another admin list, drawn only for a user who may
open it: the sidebar's rule (the target's ModelAdmin grants view or change), so
that no page leads to a 403."""

from contextvars import ContextVar
from urllib.parse import urlencode

from django.apps import apps
from django.urls import reverse
from django.utils.html import format_html

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
