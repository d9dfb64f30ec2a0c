"""Who may do what in provisioning: the permission and membership checks the
actions, the admin and onboarding share. Each ``*_refusal`` returns why not, or
``None``; each ``may_*`` says yes or no.

Features become active in three ways, each by someone allowed to and each
recorded with who did it (``ServiceFeature.activated_by`` and the feature's
history): billing staff activate a requested feature by hand (the change
permission on service features); completing an order activates the features
the order asks for (whoever may work the order); the onboarding import records
the features an existing service already has (whoever may import into the
provider). Provisioning staff may therefore activate features by completing an
order or importing, but not by hand in the feature admin, where AAPT's
account-level billing makes activation billing's step.
"""

from __future__ import annotations

from providers.models import Customer, Provider
from providers.scoping import user_may_see_provider, visible_provider_ids

from .models import Order

IMPORT_PERMISSION = "provisioning.import_onboarding"
ACTIVATE_PERMISSION = "provisioning.change_servicefeature"

# ---------------------------------------------------------------------------
# Orders
# ---------------------------------------------------------------------------


def working_provider(provider: Provider) -> Provider:
    """The provider whose staff work ``provider``'s orders: the wholesale provider a
    retail provider buys through, else the provider itself."""
    return provider.wholesale_provider if provider.wholesale_provider_id else provider


def work_refusal(user, order: Order) -> str | None:
    """Why ``user`` may not work ``order`` (assign, correct, move it), or ``None``.

    Working needs the change permission and membership of the working provider
    (or a superuser). A retail provider's own staff may submit and read orders
    for services it buys through a wholesale provider, but that provider's
    staff work them."""
    if user is None or not user.is_active:
        return "Only an active staff user works orders."
    if not user.has_perm("provisioning.change_order"):
        return "You may read orders but not work them."
    ids = visible_provider_ids(user)
    if ids is None:
        return None
    worker = working_provider(order.provider)
    if worker.pk in ids:
        return None
    if order.provider_id in ids:
        return f"Orders of {order.provider} are worked by {worker}'s staff."
    return "This order is not one of your providers'."


def submit_refusal(user, customer: Customer) -> str | None:
    """Why ``user`` may not submit an order for ``customer``, or ``None``."""
    if user is None or not user.is_active or not user.has_perm("provisioning.add_order"):
        return "You may not submit orders."
    ids = visible_provider_ids(user)
    if ids is not None and customer.provider_id not in ids:
        return f"{customer.name} is not a customer of your providers."
    return None


def order_editable_by(user, order: Order | None) -> bool:
    """Whether ``user`` may correct ``order`` now (``None``: a new order)."""
    return order is None or (order.is_open and work_refusal(user, order) is None)


# ---------------------------------------------------------------------------
# Features and onboarding
# ---------------------------------------------------------------------------


def may_activate_features(user) -> bool:
    """Whether ``user`` may activate, change and cease features by hand (the
    operator at the shell, ``None``, may)."""
    return user is None or user.has_perm(ACTIVATE_PERMISSION)


def may_import_onboarding(user, provider: Provider | None = None) -> bool:
    """Whether ``user`` may import onboarding files (into ``provider``, when given)."""
    if not user.has_perm(IMPORT_PERMISSION):
        return False
    return provider is None or user_may_see_provider(user, provider.pk)
