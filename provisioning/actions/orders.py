"""Operations on orders of the manual provisioning queue.

The only writer of ``Order``, its lines and its history (``OrderEvent``). Each
is atomic, keyword-only, done by ``acting_user`` and written to the order's
history; each transition is the service of its row in the workflow table
(``@performs``). Moves the workflow table
(``provisioning.workflow``) does not allow, and work by someone who may not
work the order, are refused with ``OrderRefused``; the foundation's validation
errors from completing come out as ``ValidationError`` with its messages.

The order row is locked (``select_for_update``) before it is checked, so two
people moving the same order at once are served one after the other and the
second sees what the first did.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from providers.changelog import recorded
from providers.models import Customer, Provider
from providers.periods import refuse_closed_period
from ssaas.common.formats import day

from ..choices import OrderEventActionChoices as Event
from ..choices import OrderKindChoices as Kind
from ..models import (
    FeatureProduct,
    Order,
    OrderEvent,
    OrderFeature,
    OrderIdentifier,
    Service,
    ServicePlan,
)
from ..policies import submit_refusal, work_refusal
from ..workflow import COMPLETION_DATE_LABELS, ORDER_ACTIONS, performs, refusal
from .completion import COMPLETIONS

CANCELLATION_HAS_NO_LINES = "A cancellation asks for no identifiers or features."


class OrderRefused(ValidationError):
    """The order cannot be moved or changed this way, or not by this person."""


class IdentifierLine(NamedTuple):
    kind: str
    value: str


class FeatureLine(NamedTuple):
    product: FeatureProduct
    quantity: int


# Fields of the request that staff may correct while the order is open.
DETAIL_FIELDS = (
    "customer",
    "service",
    "requested_plan",
    "requested_date",
    "service_reference",
    "target_customer",
    "target_provider",
    "notes",
)


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def _record(order: Order, acting_user, action: str, *, from_state: str, note: str = "") -> OrderEvent:
    return OrderEvent.objects.create(
        order=order,
        actor=acting_user,
        action=action,
        from_state=from_state,
        to_state=order.state,
        note=note,
    )


def _locked_for(order: Order, action_name: str, acting_user) -> Order:
    """The order, locked until the transaction ends; ``action_name`` is refused
    unless the table allows it now and the user may work it."""
    locked = Order.objects.select_for_update().get(pk=order.pk)
    why = refusal(locked.state, locked.kind, action_name) or work_refusal(acting_user, locked)
    if why:
        raise OrderRefused(why)
    return locked


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, datetime.date):
        return day(value)
    return str(value)


def _reason(reason: str, what: str) -> str:
    reason = reason.strip()
    if not reason:
        raise OrderRefused(f"Give the reason the order is {what}.")
    return reason


def _user_name(user) -> str:
    return user.get_full_name() or user.get_username()


def _validated(line: models.Model, what: str) -> models.Model:
    try:
        line.clean_fields(exclude=["order"])
        line.clean()
    except ValidationError as exc:
        raise ValidationError([f"{what}: {message}" for message in exc.messages]) from exc
    return line


def _sync_lines(existing: dict, wanted: dict, *, update=None) -> list[str]:
    """Delete the ``existing`` lines not ``wanted``, save the new ones, and let
    ``update(old, new)`` change a kept one (returning what changed, if anything)."""
    changes = []
    for key, line in existing.items():
        if key not in wanted:
            line.delete()
            changes.append(f"− {line}")
        elif update is not None and (change := update(line, wanted[key])):
            changes.append(change)
    for key, line in wanted.items():
        if key not in existing:
            line.save()
            changes.append(f"+ {line}")
    return changes


def _sync_identifier_lines(order: Order, lines: Sequence[IdentifierLine]) -> list[str]:
    """Make the order ask for exactly ``lines``; returns what changed."""
    wanted: dict[tuple[str, str], OrderIdentifier] = {}
    for kind, value in lines:
        line = _validated(OrderIdentifier(order=order, kind=kind, value=value), f"Identifier {value}")
        wanted.setdefault((line.kind, line.value), line)
    existing = {(line.kind, line.value): line for line in order.identifier_lines.all()}
    return _sync_lines(existing, wanted)


def _new_quantity(line: OrderFeature, wanted: OrderFeature) -> str | None:
    if wanted.quantity == line.quantity:
        return None
    before, line.quantity = line.quantity, wanted.quantity
    line.save(update_fields=["quantity"])
    return f"{line.product.name} ×{before} → ×{line.quantity}"


def _sync_feature_lines(order: Order, lines: Sequence[FeatureLine]) -> list[str]:
    """Make the order ask for exactly ``lines`` (one per product); returns what changed."""
    wanted: dict[int, OrderFeature] = {}
    for product, quantity in lines:
        line = OrderFeature(order=order, product=product, quantity=quantity)
        wanted[product.pk] = _validated(line, f"Feature {product.name}")
    existing = {line.product_id: line for line in order.feature_lines.select_related("product")}
    return _sync_lines(existing, wanted, update=_new_quantity)


# ---------------------------------------------------------------------------
# Submitting and correcting
# ---------------------------------------------------------------------------


@transaction.atomic
def order_create(
    *,
    acting_user,
    kind: str,
    customer: Customer | None = None,
    service: Service | None = None,
    requested_plan: ServicePlan | None = None,
    requested_date: datetime.date | None = None,
    service_reference: str = "",
    target_customer: Customer | None = None,
    target_provider: Provider | None = None,
    notes: str = "",
    identifiers: Sequence[IdentifierLine] = (),
    features: Sequence[FeatureLine] = (),
) -> Order:
    """Submit an order; it enters the queue as submitted."""
    if kind == Kind.CANCEL and (identifiers or features):
        raise OrderRefused(CANCELLATION_HAS_NO_LINES)
    order = Order(
        kind=kind,
        customer=customer,
        service=service,
        requested_plan=requested_plan,
        requested_date=requested_date,
        service_reference=service_reference,
        target_customer=target_customer,
        target_provider=target_provider,
        notes=notes,
        created_by=acting_user,
    )
    order.full_clean()
    why = submit_refusal(acting_user, order.customer)
    if why:
        raise OrderRefused(why)
    order.save()
    _sync_identifier_lines(order, identifiers)
    _sync_feature_lines(order, features)
    _record(order, acting_user, Event.SUBMITTED, from_state="")
    return order


@performs("edit")
@transaction.atomic
def order_update_details(
    *,
    order: Order,
    acting_user,
    changes: Mapping[str, Any],
    identifiers: Sequence[IdentifierLine] | None = None,
    features: Sequence[FeatureLine] | None = None,
) -> Order:
    """Correct the request while the order is open. ``changes`` maps fields of
    ``DETAIL_FIELDS`` to new values; ``identifiers``/``features``, when given, are
    the complete new lists. Records what changed (nothing recorded if nothing did)."""
    unknown = set(changes) - set(DETAIL_FIELDS)
    if unknown:
        raise ValueError(f"Not a detail of an order: {', '.join(sorted(unknown))}")
    locked = _locked_for(order, "edit", acting_user)
    if locked.kind == Kind.CANCEL and (identifiers or features):
        raise OrderRefused(CANCELLATION_HAS_NO_LINES)
    notes = []
    for field, value in changes.items():
        before = getattr(locked, field)
        if before != value:
            setattr(locked, field, value)
            label = Order._meta.get_field(field).verbose_name
            if field == "notes":
                notes.append("notes changed")
            else:
                notes.append(f"{label}: {_shown(before)} → {_shown(value)}")
    if notes:
        locked.full_clean()
        locked.save()
    if identifiers is not None:
        notes += _sync_identifier_lines(locked, identifiers)
    if features is not None:
        notes += _sync_feature_lines(locked, features)
    if notes:
        _record(locked, acting_user, Event.EDITED, from_state=locked.state, note="; ".join(notes))
    return locked


@performs("assign")
@transaction.atomic
def order_assign(*, order: Order, acting_user, assignee=None) -> Order:
    """Give the order to ``assignee`` (by default the acting user, taking it)."""
    assignee = assignee or acting_user
    locked = _locked_for(order, "assign", acting_user)
    if locked.assignee_id == assignee.pk:
        raise OrderRefused(f"The order is already assigned to {_user_name(assignee)}.")
    why = work_refusal(assignee, locked)
    if why:
        raise OrderRefused(f"{_user_name(assignee)} cannot take this order: {why}")
    before = locked.assignee
    locked.assignee = assignee
    locked.save(update_fields=["assignee", "updated_at"])
    note = f"assigned to {_user_name(assignee)}"
    if before is not None:
        note += f" (was {_user_name(before)})"
    _record(locked, acting_user, Event.ASSIGNED, from_state=locked.state, note=note)
    return locked


@performs("record_reference")
@transaction.atomic
def order_record_aapt_reference(*, order: Order, acting_user, reference: str) -> Order:
    """Record the reference AAPT gave the order when staff placed it."""
    reference = reference.strip()
    if not reference:
        raise OrderRefused("Enter AAPT's order reference.")
    max_length = Order._meta.get_field("aapt_reference").max_length
    if len(reference) > max_length:
        raise OrderRefused(f"AAPT's order reference has at most {max_length} characters.")
    locked = _locked_for(order, "record_reference", acting_user)
    before = locked.aapt_reference
    if before == reference:
        raise OrderRefused(f"The AAPT reference is already {reference}.")
    locked.aapt_reference = reference
    locked.save(update_fields=["aapt_reference", "updated_at"])
    _record(
        locked,
        acting_user,
        Event.AAPT_REFERENCE,
        from_state=locked.state,
        note=f"AAPT reference: {_shown(before)} → {reference}",
    )
    return locked


# ---------------------------------------------------------------------------
# Transitions
# ---------------------------------------------------------------------------


def _move(locked: Order, acting_user, action_name: str, *, note: str = "", **fields) -> Order:
    """Move a locked, checked order to the table's target state and record it."""
    action = ORDER_ACTIONS[action_name]
    from_state = locked.state
    locked.state = action.target
    for field, value in fields.items():
        setattr(locked, field, value)
    locked.save()
    _record(locked, acting_user, action.event, from_state=from_state, note=note)
    return locked


@performs("start")
@transaction.atomic
def order_start(*, order: Order, acting_user) -> Order:
    """Start work on a submitted order; it is assigned to the acting user if it
    was nobody's."""
    locked = _locked_for(order, "start", acting_user)
    note = ""
    if locked.assignee_id is None:
        locked.assignee = acting_user
        note = f"assigned to {_user_name(acting_user)}"
    return _move(locked, acting_user, "start", note=note)


@performs("halt")
@transaction.atomic
def order_halt(*, order: Order, acting_user, reason: str) -> Order:
    """Halt an order in progress; the reason is required and shown until it resumes."""
    reason = _reason(reason, "halted")
    locked = _locked_for(order, "halt", acting_user)
    return _move(locked, acting_user, "halt", note=reason, halt_reason=reason)


@performs("resume")
@transaction.atomic
def order_resume(*, order: Order, acting_user) -> Order:
    """Return a halted order to in progress."""
    locked = _locked_for(order, "resume", acting_user)
    return _move(locked, acting_user, "resume", halt_reason="")


@performs("cancel")
@transaction.atomic
def order_cancel(*, order: Order, acting_user, reason: str) -> Order:
    """Cancel an open order; nothing is done to any service."""
    reason = _reason(reason, "cancelled")
    locked = _locked_for(order, "cancel", acting_user)
    return _move(
        locked,
        acting_user,
        "cancel",
        note=reason,
        cancel_reason=reason,
        halt_reason="",
        closed_at=timezone.now(),
    )


@performs("complete")
@transaction.atomic
def order_complete(*, order: Order, acting_user, effective_date: datetime.date) -> Order:
    """Complete an order in progress: run its kind's action from ``effective_date``
    (NEW, CHOWN, UPGRADE: Activate; CANCEL: Finalise cancellation; MIGRATE:
    Finalise migration), all in this one transaction."""
    locked = _locked_for(order, "complete", acting_user)
    what = COMPLETION_DATE_LABELS[locked.kind]
    providers = {locked.provider_id: locked.provider}
    if locked.target_provider_id:
        providers[locked.target_provider_id] = locked.target_provider
    for provider in providers.values():
        refuse_closed_period(provider, effective_date, what, field="effective_date")
    # Every change the completion makes is logged as this order's (providers/changelog.py).
    with recorded(acting_user, note=f"Order #{locked.pk}: {locked.get_kind_display()}."):
        service = COMPLETIONS[locked.kind](locked, effective_date, acting_user)
    label = ORDER_ACTIONS["complete"].label_for(locked.kind)
    return _move(
        locked,
        acting_user,
        "complete",
        note=f"{label}: service {service.reference}, {what} {day(effective_date)}",
        effective_date=effective_date,
        closed_at=timezone.now(),
        resulting_service=None if locked.kind == Kind.CANCEL else service,
    )
