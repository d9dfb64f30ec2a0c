"""Two people activating the same order at the same moment: exactly one succeeds.

Real transactions on two connections are needed, so this runs on PostgreSQL
only: SQLite has no row locks (``select_for_update`` does nothing there) and
the in-memory test database cannot hold two competing transactions."""

import threading
import time
from functools import partial

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from provisioning.actions import completion
from provisioning.actions.orders import order_complete
from provisioning.choices import OrderEventActionChoices as Event
from provisioning.choices import OrderKindChoices as Kind
from provisioning.choices import OrderStateChoices as State
from provisioning.models import Order, Service
from tests.threads import run_together

from .conftest import NOV_1

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_activation_exactly_one_succeeds(
    submit, drive, make_staff, harbour, harbour_provisioning, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("needs row locks and two real transactions: PostgreSQL only")
    colleague = make_staff("hv-prov-2", harbour)
    order = drive(submit(Kind.NEW), State.IN_PROGRESS)

    # Hold the lock a while inside the completion so that the other attempt is
    # certainly waiting on it, not merely arriving later.
    activate = completion.COMPLETIONS[Kind.NEW]

    def slow_activate(*args, **kwargs):
        time.sleep(0.5)
        return activate(*args, **kwargs)

    monkeypatch.setitem(completion.COMPLETIONS, Kind.NEW, slow_activate)

    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def attempt(user):
        try:
            barrier.wait()
            order_complete(order=Order(pk=order.pk), acting_user=user, effective_date=NOV_1)
            outcomes[user.username] = "activated"
        except ValidationError as exc:
            outcomes[user.username] = exc.messages[0]
        except Exception as exc:  # any other failure is what the test reports
            outcomes[user.username] = f"{type(exc).__name__}: {exc}"
        finally:
            connection.close()

    run_together(*(partial(attempt, user) for user in (harbour_provisioning, colleague)), timeout=30)

    assert sorted(outcomes.values()) == [
        "The order is completed: “Activate” is not possible.",
        "activated",
    ]
    assert Service.objects.filter(reference="HV-2000").count() == 1
    order.refresh_from_db()
    assert order.state == State.COMPLETED
    assert order.events.filter(action=Event.COMPLETED).count() == 1
