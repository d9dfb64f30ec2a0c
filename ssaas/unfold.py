"""The admin's theme (django-unfold): the sidebar each role sees, and the
environment label. Named in settings.UNFOLD.

Every sidebar item carries the permission that opens its page, so nobody sees a
link that answers 403.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse_lazy


def environment_callback(request):
    """``[label, colour]`` beside the site name: "demo" in orange, "production" in red."""
    label = getattr(settings, "ENVIRONMENT_LABEL", "")
    if not label:
        return None
    return [label, "danger" if label.lower().startswith("prod") else "warning"]


def _can(*perms: str):
    def check(request) -> bool:
        return any(request.user.has_perm(p) for p in perms)

    return check


def _item(title: str, icon: str, model: str, url: str | None = None) -> dict:
    """A sidebar link to ``model``'s list (or ``url``), shown to whoever may view it."""
    app, name = model.split(".")
    return {
        "title": title,
        "icon": icon,
        "link": reverse_lazy(url or f"admin:{app}_{name}_changelist"),
        "permission": _can(f"{app}.view_{name}"),
    }


SIDEBAR = [
    (
        "Provisioning",
        [
            ("Orders (the queue)", "assignment", "provisioning.order"),
            ("Services", "call", "provisioning.service"),
            ("Customers", "groups", "providers.customer"),
            ("Service features", "extension", "provisioning.servicefeature"),
            ("Identifiers", "fingerprint", "provisioning.serviceidentifier"),
        ],
    ),
    (
        "Billing",
        [
            ("Carrier files", "description", "usage.carrierfile"),
            ("Quarantine by identifier", "report", "usage.quarantinedrecord", "admin:usage_quarantinedrecord_groups"),
            ("Usage records", "list", "usage.usagerecord"),
            ("COCE files", "receipt_long", "usage.cocefile"),
            ("COCE exceptions", "error", "usage.otherchargeexception"),
            ("BroadWorks reports", "table_view", "usage.broadworksreport"),
            ("Reconciliation", "balance", "usage.reconciliation"),
            ("Bill periods", "event", "providers.billperiod"),
            ("Bill runs", "request_quote", "usage.billrun"),
            ("Adjustments", "price_change", "usage.adjustment"),
            ("Plans and rates", "sell", "provisioning.serviceplan"),
            ("Feature catalogue", "category", "provisioning.featureproduct"),
            ("Change log", "history", "providers.changelogentry"),
        ],
    ),
    (
        "Providers",
        [
            ("Providers", "business", "providers.provider"),
            ("Collections over FTP", "cloud_download", "usage.providercollection"),
            ("Staff memberships", "badge", "providers.staffmembership"),
            ("Users", "person", "auth.user"),
            ("Background tasks: failed", "sync_problem", "django_q.failure"),
        ],
    ),
]


def sidebar_navigation(request) -> list[dict]:
    """The groups of the sidebar, in the order staff work in them; a group with
    nothing the user may open is left out."""
    groups = [
        {"title": "Today", "items": [{"title": "Front page", "icon": "dashboard", "link": reverse_lazy("admin:index")}]}
    ]
    for title, items in SIDEBAR:
        links = [_item(*item) for item in items]
        if any(link["permission"](request) for link in links):
            groups.append({"title": title, "items": links})
    return groups
