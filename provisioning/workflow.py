"""The order workflow as one table.

Each order action, once: its label, the states it may start from, the state it
leads to, the history event it writes, what the person must give (the keyword
its service takes: a reason, AAPT's reference or a date), how its button looks,
what its confirmation page says it will do, and the service that does it. The
services refuse what the table does not allow; the admin draws a button, a row
action and a confirmation page for exactly what it allows.

    submitted → in progress → completed
                     ↘ halted ↗ (resume)        any open state → cancelled

The service of each row is the action in ``provisioning.actions.orders`` that
names the row with ``@performs(...)``: the actions read this table to refuse
what it does not allow, so the table cannot import them (that would be an
import cycle). It is complete once ``provisioning.actions.orders`` is
imported, as the admin does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .choices import OrderEventActionChoices as Event
from .choices import OrderKindChoices as Kind
from .choices import OrderStateChoices as State
from .models import Order

OPEN = frozenset({State.SUBMITTED, State.IN_PROGRESS, State.HALTED})

# What completing does, by kind: the button's label and the date it asks for.
COMPLETION_LABELS = {
    Kind.NEW: "Activate",
    Kind.CHOWN: "Activate",
    Kind.UPGRADE: "Activate",
    Kind.CANCEL: "Finalise cancellation",
    Kind.MIGRATE: "Finalise migration",
}
COMPLETION_DATE_LABELS = {
    Kind.NEW: "service start date",
    Kind.CHOWN: "date the new owner takes over",
    Kind.UPGRADE: "date the new plan starts",
    Kind.CANCEL: "service end date",
    Kind.MIGRATE: "date the migration takes effect",
}


# ---------------------------------------------------------------------------
# What each action's confirmation page says it will do
# ---------------------------------------------------------------------------


def _listing(items) -> str:
    return ", ".join(str(item) for item in items) or "none"


def completion_summary(order: Order, user=None) -> list[str]:
    """Sentences saying what completing ``order`` will do, for its confirmation page."""
    when = f"the {COMPLETION_DATE_LABELS[order.kind]} (below)"
    identifiers = list(order.identifier_lines.all())
    features = list(order.feature_lines.select_related("product"))
    if order.kind == Kind.NEW:
        return [
            f"Create service {order.service_reference} for {order.customer.name} on plan "
            f"{order.requested_plan}, active from {when}; billing starts that day.",
            f"Identifiers and hosted number ranges active from that date: {_listing(identifiers)}.",
            f"Features active from that date: {_listing(features)}.",
            "Each identifier is checked: none may already be on another service.",
        ]
    service = order.service
    if order.kind == Kind.CANCEL:
        return [
            f"End service {service.reference} ({service.customer.name}) on {when}: its status "
            "becomes ceased and its identifiers, ranges and active features end that day.",
            "Usage after that date is no longer billed to it.",
        ]
    customer = order.target_customer or service.customer
    provider = order.target_provider or service.provider
    plan = order.requested_plan or service.plan
    lines = [
        f"End service {service.reference} ({service.customer.name}, plan {service.plan}) on the "
        f"day before {when}, with its identifiers and features.",
        "Continue it from that date as service "
        f"{order.service_reference or service.reference} of {customer.name} at {provider} "
        f"on plan {plan}, carrying its identifiers, ranges and active features forward.",
    ]
    if identifiers:
        lines.append(f"Add the identifiers {_listing(identifiers)} from that date.")
    if features:
        lines.append(f"Features from that date (quantities as ordered): {_listing(features)}.")
    return lines


def _assign_summary(order: Order, user) -> list[str]:
    return [f"Assign the order to you (it is now assigned to {order.assignee or 'nobody'})."]


def _reference_summary(order: Order, user) -> list[str]:
    return [f"Record the reference AAPT gave this order when you placed it (now: {order.aapt_reference or 'none'})."]


def _start_summary(order: Order, user) -> list[str]:
    lines = ["Mark the order in progress: you are placing it with AAPT."]
    if order.assignee_id is None:
        lines.append("It will be assigned to you.")
    return lines


def _said(*lines: str) -> Callable[[Order, object], list[str]]:
    return lambda order, user: list(lines)


# ---------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------


@dataclass
class OrderAction:
    name: str
    label: str
    sources: frozenset[str]
    target: str | None  # None: the state stays as it is
    event: str
    # What the confirmation page asks for: the keyword the service takes
    # ("reason", "reference", "effective_date"), or nothing.
    needs: str = ""
    button: bool = True  # False: done on the order's own form, not by a button
    variant: str = "default"  # the button's look: default, primary, warning, danger
    summary: Callable[[Order, object], list[str]] = _said()
    # The action of ``provisioning.actions.orders`` that does it (``@performs``).
    service: Callable[..., Order] | None = field(default=None, repr=False)

    def label_for(self, kind: str) -> str:
        if self.name == "complete":
            return COMPLETION_LABELS[kind]
        return self.label


ORDER_ACTIONS: dict[str, OrderAction] = {
    action.name: action
    for action in [
        OrderAction("edit", "Correct details", OPEN, None, Event.EDITED, button=False),
        OrderAction("assign", "Assign to me", OPEN, None, Event.ASSIGNED, summary=_assign_summary),
        OrderAction(
            "record_reference",
            "Record AAPT reference",
            OPEN,
            None,
            Event.AAPT_REFERENCE,
            needs="reference",
            summary=_reference_summary,
        ),
        OrderAction(
            "start",
            "Start work",
            frozenset({State.SUBMITTED}),
            State.IN_PROGRESS,
            Event.STARTED,
            variant="primary",
            summary=_start_summary,
        ),
        OrderAction(
            "halt",
            "Halt",
            frozenset({State.IN_PROGRESS}),
            State.HALTED,
            Event.HALTED,
            needs="reason",
            variant="warning",
            summary=_said(
                "Halt the order. Until it is resumed or cancelled the customer's status shows "
                "“provisioning halted”. Give the reason."
            ),
        ),
        OrderAction(
            "resume",
            "Resume",
            frozenset({State.HALTED}),
            State.IN_PROGRESS,
            Event.RESUMED,
            variant="primary",
            summary=_said("Return the order to in progress; the customer no longer shows it halted."),
        ),
        OrderAction(
            "complete",
            "Complete",
            frozenset({State.IN_PROGRESS}),
            State.COMPLETED,
            Event.COMPLETED,
            needs="effective_date",
            variant="primary",
            summary=completion_summary,
        ),
        OrderAction(
            "cancel",
            "Cancel order",
            OPEN,
            State.CANCELLED,
            Event.CANCELLED,
            needs="reason",
            variant="danger",
            summary=_said("Cancel the order: no service is changed and it leaves the queue. Give the reason."),
        ),
    ]
}


def performs(name: str):
    """Mark the decorated action of ``provisioning.actions.orders`` as the service of
    the table's row ``name``."""

    def register(service: Callable[..., Order]) -> Callable[..., Order]:
        ORDER_ACTIONS[name].service = service
        return service

    return register


def legal_actions(state: str) -> list[OrderAction]:
    """The actions an order in ``state`` allows, in the table's order."""
    return [action for action in ORDER_ACTIONS.values() if state in action.sources]


def refusal(state: str, kind: str, name: str) -> str | None:
    """Why ``name`` is not legal for an order in ``state``, or ``None`` when it is."""
    action = ORDER_ACTIONS[name]
    if state in action.sources:
        return None
    state_label = State(state).label.lower()
    possible = [a.label_for(kind) for a in legal_actions(state) if a.button]
    tail = f" (possible now: {', '.join(possible)})" if possible else ""
    return f"The order is {state_label}: “{action.label_for(kind)}” is not possible{tail}."
