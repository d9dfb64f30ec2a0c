"""Every action of the workflow table, in every state, for every kind of order:
legal ones move the order and write its history, illegal ones are refused and
change nothing."""

import pytest
from django.core.exceptions import ValidationError

from provisioning.actions.orders import (
    OrderRefused,
    order_assign,
    order_cancel,
    order_complete,
    order_halt,
    order_record_aapt_reference,
    order_resume,
    order_start,
    order_update_details,
)
from provisioning.choices import OrderEventActionChoices as Event
from provisioning.choices import OrderKindChoices as Kind
from provisioning.choices import OrderStateChoices as State
from provisioning.models import Order
from provisioning.workflow import ORDER_ACTIONS, legal_actions, refusal

from .conftest import NOV_1


def perform(name: str, order: Order, user, colleague, n: int) -> Order:
    if name == "edit":
        return order_update_details(order=order, acting_user=user, changes={"notes": f"v{n}"})
    if name == "assign":
        return order_assign(order=order, acting_user=user, assignee=colleague)
    if name == "record_reference":
        return order_record_aapt_reference(order=order, acting_user=user, reference=f"AAPT-{n}")
    if name == "start":
        return order_start(order=order, acting_user=user)
    if name == "halt":
        return order_halt(order=order, acting_user=user, reason="AAPT needs a site survey")
    if name == "resume":
        return order_resume(order=order, acting_user=user)
    if name == "complete":
        return order_complete(order=order, acting_user=user, effective_date=NOV_1)
    assert name == "cancel"
    return order_cancel(order=order, acting_user=user, reason="Customer withdrew")


def test_the_table_is_the_documented_workflow():
    by_state = {state: [a.name for a in legal_actions(state)] for state in State.values}
    assert by_state == {
        "submitted": ["edit", "assign", "record_reference", "start", "cancel"],
        "in_progress": ["edit", "assign", "record_reference", "halt", "complete", "cancel"],
        "halted": ["edit", "assign", "record_reference", "resume", "cancel"],
        "completed": [],
        "cancelled": [],
    }
    assert ORDER_ACTIONS["complete"].label_for(Kind.CANCEL) == "Finalise cancellation"
    assert ORDER_ACTIONS["complete"].label_for(Kind.MIGRATE) == "Finalise migration"
    assert ORDER_ACTIONS["complete"].label_for(Kind.UPGRADE) == "Activate"
    assert refusal(State.HALTED, Kind.NEW, "complete") == (
        "The order is halted: “Activate” is not possible "
        "(possible now: Assign to me, Record AAPT reference, Resume, Cancel order)."
    )


@pytest.mark.django_db
@pytest.mark.parametrize("state", State.values)
@pytest.mark.parametrize("kind", Kind.values)
def test_every_action_in_every_state(kind, state, submit, drive, harbour_provisioning, make_staff, harbour):
    user = harbour_provisioning
    colleague = make_staff("hv-prov-2", harbour)
    terminal = None
    if state in (State.COMPLETED, State.CANCELLED):
        # Nothing is legal once closed: one order serves every attempt.
        terminal = drive(submit(kind), state)
    for n, (name, action) in enumerate(ORDER_ACTIONS.items(), start=1):
        order = terminal or drive(submit(kind, n=n), state)
        history = list(order.events.values_list("pk", flat=True))
        if state in action.sources:
            result = perform(name, order, user, colleague, n)
            expected = action.target or state
            assert result.state == expected
            assert Order.objects.get(pk=order.pk).state == expected
            event = Order.objects.get(pk=order.pk).events.exclude(pk__in=history).get()
            assert (event.action, event.actor, event.from_state, event.to_state) == (
                action.event,
                user,
                state,
                expected,
            ), name
        else:
            with pytest.raises(OrderRefused) as exc:
                perform(name, order, user, colleague, n)
            assert f"The order is {State(state).label.lower()}" in exc.value.messages[0]
            order.refresh_from_db()
            assert order.state == state, name
            assert list(order.events.values_list("pk", flat=True)) == history, name


@pytest.mark.django_db
class TestWhatEachMoveRecords:
    def test_submit_start_halt_resume_complete_history(self, submit, harbour_provisioning):
        user = harbour_provisioning
        order = submit(Kind.NEW)
        order = order_start(order=order, acting_user=user)
        assert order.assignee == user  # starting a nobody's order takes it
        order = order_halt(order=order, acting_user=user, reason="  Waiting for the NBN  ")
        assert order.halt_reason == "Waiting for the NBN"
        order = order_resume(order=order, acting_user=user)
        assert order.halt_reason == ""
        order = order_complete(order=order, acting_user=user, effective_date=NOV_1)
        rows = list(order.events.values_list("action", "from_state", "to_state", "note"))
        assert rows == [
            (Event.SUBMITTED, "", State.SUBMITTED, ""),
            (Event.STARTED, State.SUBMITTED, State.IN_PROGRESS, "assigned to hv-prov"),
            (Event.HALTED, State.IN_PROGRESS, State.HALTED, "Waiting for the NBN"),
            (Event.RESUMED, State.HALTED, State.IN_PROGRESS, ""),
            (
                Event.COMPLETED,
                State.IN_PROGRESS,
                State.COMPLETED,
                "Activate: service HV-2000, service start date 01/11/2026",
            ),
        ]
        assert order.effective_date == NOV_1 and order.closed_at is not None

    @pytest.mark.parametrize("reason", ["", "   "])
    def test_halt_and_cancel_need_a_reason(self, submit, drive, harbour_provisioning, reason):
        order = drive(submit(Kind.UPGRADE), State.IN_PROGRESS)
        with pytest.raises(OrderRefused, match="reason the order is halted"):
            order_halt(order=order, acting_user=harbour_provisioning, reason=reason)
        with pytest.raises(OrderRefused, match="reason the order is cancelled"):
            order_cancel(order=order, acting_user=harbour_provisioning, reason=reason)
        order.refresh_from_db()
        assert order.state == State.IN_PROGRESS

    def test_cancel_keeps_the_reason_and_touches_no_service(self, submit, drive, harbour_provisioning, acme_service):
        order = drive(submit(Kind.CANCEL), State.HALTED)
        order = order_cancel(order=order, acting_user=harbour_provisioning, reason="Stays with us")
        assert (order.state, order.cancel_reason, order.halt_reason) == (
            State.CANCELLED,
            "Stays with us",
            "",
        )
        acme_service.refresh_from_db()
        assert acme_service.end_date is None and acme_service.status == "active"

    def test_corrections_say_what_changed(self, submit, harbour_provisioning, sip, plus_plan, business_voice):
        order = submit(Kind.NEW)
        order = order_update_details(
            order=order,
            acting_user=harbour_provisioning,
            changes={
                "requested_plan": plus_plan,
                "service_reference": "HV-2000",  # unchanged: not reported
                "requested_date": NOV_1,
            },
            identifiers=[("fnn", "0290005000"), ("username", "Reception.Wattle")],
            features=[(sip, 3)],
        )
        note = order.events.last().note
        assert note == (
            "plan: Business Voice → Business Voice Plus; requested date: — → 01/11/2026; "
            "− Hosted number range 0390060000-0390060009; + Distinct username reception.wattle; "
            "SIP Session ×2 → ×3"
        )
        assert sorted(order.identifier_lines.values_list("value", flat=True)) == [
            "0290005000",
            "reception.wattle",
        ]
        before = order.events.count()
        order_update_details(order=order, acting_user=harbour_provisioning, changes={})
        assert order.events.count() == before  # nothing changed, nothing recorded

    def test_a_correction_must_keep_the_order_valid(self, submit, harbour_provisioning, southern):
        from provisioning.models import ServicePlan

        order = submit(Kind.UPGRADE)
        foreign = ServicePlan.objects.get(provider=southern)
        with pytest.raises(ValidationError) as exc:
            order_update_details(order=order, acting_user=harbour_provisioning, changes={"requested_plan": foreign})
        assert "is a plan of Southern Wholesale, not of Harbour Voice" in str(exc.value)
        order.refresh_from_db()
        assert order.requested_plan.name == "Business Voice Plus"

    def test_assigning_twice_to_the_same_person_is_refused(self, submit, harbour_provisioning):
        order = submit(Kind.CANCEL)
        order = order_assign(order=order, acting_user=harbour_provisioning, assignee=harbour_provisioning)
        with pytest.raises(OrderRefused, match="already assigned to hv-prov"):
            order_assign(order=order, acting_user=harbour_provisioning, assignee=harbour_provisioning)

    def test_aapt_reference_recorded_and_replaced(self, submit, harbour_provisioning):
        order = submit(Kind.CANCEL)
        order = order_record_aapt_reference(order=order, acting_user=harbour_provisioning, reference=" ORD-1 ")
        order = order_record_aapt_reference(order=order, acting_user=harbour_provisioning, reference="ORD-2")
        assert order.aapt_reference == "ORD-2"
        notes = list(order.events.filter(action=Event.AAPT_REFERENCE).values_list("note", flat=True))
        assert notes == ["AAPT reference: — → ORD-1", "AAPT reference: ORD-1 → ORD-2"]
        with pytest.raises(OrderRefused, match="Enter AAPT's order reference"):
            order_record_aapt_reference(order=order, acting_user=harbour_provisioning, reference="")
