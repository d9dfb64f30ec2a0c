"""The staff roles as permission groups, kept in step by post_migrate.

After every ``migrate`` (and every ``flush``), ssaas's post_migrate handler
(ssaas/reference_data.py) runs ``sync_role_groups``, which gives every group
exactly the permissions listed here: nothing more, so a role never keeps a
permission it lost.
"""

from django.apps import apps as global_apps
from django.db import DEFAULT_DB_ALIAS

PROVISIONING_STAFF = "Provisioning staff"
BILLING_STAFF = "Billing staff"
PROVIDER_ADMINISTRATORS = "Provider administrators"

_VIEW = ["view"]
_WRITE = ["view", "add", "change"]
_ALL = ["view", "add", "change", "delete"]


def _perms(app: str, model: str, actions: list[str]) -> list[str]:
    return [f"{app}.{action}_{model}" for action in actions]


ROLE_PERMISSIONS: dict[str, list[str]] = {
    # Works orders (the manual provisioning queue): customers, services, identifiers
    # and ranges; reads plans and features.
    PROVISIONING_STAFF: [
        *_perms("providers", "provider", _VIEW),
        *_perms("providers", "billperiod", _VIEW),
        *_perms("providers", "customer", _WRITE),
        *_perms("provisioning", "serviceplan", _VIEW),
        *_perms("provisioning", "planrate", _VIEW),
        *_perms("provisioning", "service", _WRITE),
        *_perms("provisioning", "serviceidentifier", _ALL),
        *_perms("provisioning", "hostednumberrange", _ALL),
        *_perms("provisioning", "featureproduct", _VIEW),
        *_perms("provisioning", "servicefeature", ["view", "add"]),
        *_perms("provisioning", "servicefeaturechange", _VIEW),
        "provisioning.import_onboarding",
        # The change log: who changed a service's or a number's dates (only the kinds
        # of record the role views; providers/changelog.py).
        *_perms("providers", "changelogentry", _VIEW),
        # Orders: correct and work them (the actions need change_order); never delete
        # one, cancel it. Their lines go with them; their history is read-only.
        *_perms("provisioning", "order", _WRITE),
        *_perms("provisioning", "orderidentifier", _ALL),
        *_perms("provisioning", "orderfeature", _ALL),
        *_perms("provisioning", "orderevent", _VIEW),
    ],
    # Activates features, keeps rate cards and the catalogue, clears quarantine
    # (which may mean adding an identifier), reconciles AAPT's charges.
    BILLING_STAFF: [
        *_perms("providers", "provider", _VIEW),
        *_perms("providers", "billperiod", _VIEW),
        *_perms("providers", "customer", _VIEW),
        *_perms("provisioning", "serviceplan", _WRITE),
        *_perms("provisioning", "planrate", _ALL),
        *_perms("provisioning", "service", _VIEW),
        *_perms("provisioning", "serviceidentifier", _WRITE),
        *_perms("provisioning", "hostednumberrange", _WRITE),
        *_perms("provisioning", "featureproduct", _WRITE),
        *_perms("provisioning", "servicefeature", _WRITE),
        # Reads orders, to see what is on its way.
        *_perms("provisioning", "order", _VIEW),
        *_perms("provisioning", "orderidentifier", _VIEW),
        *_perms("provisioning", "orderfeature", _VIEW),
        *_perms("provisioning", "orderevent", _VIEW),
        *_perms("provisioning", "servicefeaturechange", _VIEW),
        *_perms("usage", "carrierfile", _VIEW),
        "usage.process_carrierfile",
        *_perms("usage", "rejectedline", _VIEW),
        *_perms("usage", "usagerecord", _VIEW),
        *_perms("usage", "quarantinedrecord", _VIEW),
        "usage.cleanse_usagerecord",
        *_perms("usage", "quarantineaction", _VIEW),
        *_perms("usage", "providercollection", _VIEW),
        "usage.collect_providercollection",
        # Other charges (COCE), BroadWorks reports, reconciliation.
        *_perms("usage", "cocefile", ["view", "add"]),
        *_perms("usage", "othercharge", _VIEW),
        *_perms("usage", "otherchargeexception", _VIEW),
        *_perms("usage", "broadworksreport", ["view", "add"]),
        *_perms("usage", "broadworksitem", _VIEW),
        *_perms("usage", "reconciliation", ["view", "change"]),
        # Bill runs: prices, adjustments, preview, close and download.
        *_perms("provisioning", "planproductprice", _ALL),
        *_perms("usage", "adjustment", _WRITE),
        *_perms("usage", "billrun", _VIEW),
        "usage.close_billrun",
        *_perms("usage", "billruninvoice", _VIEW),
        *_perms("usage", "billrunline", _VIEW),
        # The change log: who changed a rate, a price, a number's dates, when, from what to what.
        *_perms("providers", "changelogentry", _VIEW),
    ],
    # The provider's own settings: AAPT account, FTP, identification, bill periods.
    PROVIDER_ADMINISTRATORS: [
        *_perms("providers", "provider", ["view", "change"]),
        *_perms("providers", "billperiod", _WRITE),
        *_perms("providers", "customer", _VIEW),
        *_perms("providers", "staffmembership", _VIEW),
        *_perms("provisioning", "serviceplan", _WRITE),
        *_perms("provisioning", "planrate", _ALL),
        *_perms("provisioning", "featureproduct", _WRITE),
        "provisioning.import_onboarding",
        *_perms("usage", "layout", _VIEW),
        *_perms("usage", "layoutfield", _VIEW),
        *_perms("usage", "carrierfile", _VIEW),
        *_perms("usage", "providercollection", _VIEW),
        "usage.collect_providercollection",
        # Unknown element ids are resolved in the catalogue they keep.
        *_perms("usage", "cocefile", _VIEW),
        *_perms("usage", "othercharge", _VIEW),
        *_perms("usage", "otherchargeexception", _VIEW),
        # Bill runs: close the provider's periods.
        *_perms("provisioning", "planproductprice", _WRITE),
        *_perms("usage", "adjustment", _VIEW),
        *_perms("usage", "billrun", _VIEW),
        "usage.close_billrun",
        *_perms("usage", "billruninvoice", _VIEW),
        *_perms("usage", "billrunline", _VIEW),
        # The change log of their settings, bill periods, plans, rates and catalogue.
        *_perms("providers", "changelogentry", _VIEW),
    ],
}


def sync_role_groups(apps=global_apps, using: str = DEFAULT_DB_ALIAS) -> None:
    """Create the groups and give each exactly its permissions; idempotent.

    Runs after every app's own post_migrate handlers, so Django has created every
    model's permissions; a permission listed here that does not exist (its model's
    migration not applied yet) is left out until it does."""
    try:
        group_model = apps.get_model("auth", "Group")
        permission_model = apps.get_model("auth", "Permission")
    except LookupError:  # auth not migrated yet
        return
    permissions = {
        (app_label, codename): pk
        for pk, app_label, codename in permission_model.objects.using(using).values_list(
            "pk", "content_type__app_label", "codename"
        )
    }
    for name, perms in ROLE_PERMISSIONS.items():
        group, _ = group_model.objects.using(using).get_or_create(name=name)
        wanted = [permissions[key] for key in (tuple(perm.split(".")) for perm in perms) if key in permissions]
        group.permissions.set(wanted)
