"""The order workflow as one table.

Which action is legal in which state, where it leads and what the person must
give. The services refuse what the table does not allow; the admin shows a
button for exactly what it allows.

    submitted → in progress → completed
                     ↘ halted ↗ (resume)        any open state → cancelled
"""

from __future__ import annotations

from dataclasses import dataclass

from .choices import OrderEventActionChoices as Event
from .choices import OrderKindChoices as Kind
from .choices import OrderStateChoices as State

OPEN = frozenset({State.SUBMITTED, State.IN_PROGRESS, State.HALTED})


@dataclass(frozen=True)
class OrderAction:
    name: str
    label: str
    sources: frozenset[str]
    target: str | None  # None: the state stays as it is
    event: str
    needs: str = ""  # what the confirmation page asks for: "reason", "date", "reference"
    button: bool = True  # False: done on the order's own form, not by a button

    def label_for(self, kind: str) -> str:
        if self.name == "complete":
            return COMPLETION_LABELS[kind]
        return self.label


ORDER_ACTIONS: dict[str, OrderAction] = {
    action.name: action
    for action in [
        OrderAction("edit", "Correct details", OPEN, None, Event.EDITED, button=False),
        OrderAction("assign", "Assign to me", OPEN, None, Event.ASSIGNED),
        OrderAction(
            "record_reference",
            "Record AAPT reference",
            OPEN,
            None,
            Event.AAPT_REFERENCE,
            needs="reference",
        ),
        OrderAction("start", "Start work", frozenset({State.SUBMITTED}), State.IN_PROGRESS, Event.STARTED),
        OrderAction(
            "halt",
            "Halt",
            frozenset({State.IN_PROGRESS}),
            State.HALTED,
            Event.HALTED,
            needs="reason",
        ),
        OrderAction("resume", "Resume", frozenset({State.HALTED}), State.IN_PROGRESS, Event.RESUMED),
        OrderAction(
            "complete",
            "Complete",
            frozenset({State.IN_PROGRESS}),
            State.COMPLETED,
            Event.COMPLETED,
            needs="date",
        ),
        OrderAction("cancel", "Cancel order", OPEN, State.CANCELLED, Event.CANCELLED, needs="reason"),
    ]
}

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
