"""A change dated into a bill period while that period is being closed (issue 9 review:
the closed-period check read the periods without a lock, so an activation committed
during a close landed in the period being closed, and was never billed).

The check now locks the provider's period rows holding the date, as the close locks
its period first. Two real transactions are needed: PostgreSQL only (SQLite has no
row locks and serialises writers)."""

import datetime
import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from provisioning.actions import features
from provisioning.models import FeatureProduct, Service, ServiceFeature
from tests.billing import close_period
from tests.threads import run_together
from tests.usage.billing.helpers import period, set_prices
from usage.billing import services as billing

pytestmark = pytest.mark.django_db(transaction=True)

OCT_20 = datetime.date(2026, 10, 20)


def test_an_activation_during_a_close_waits_for_it_and_is_refused(harbour, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("needs row locks and two real transactions: PostgreSQL only")
    set_prices(harbour)
    october = period(harbour, "2026-10")
    acme = Service.objects.get(reference="HV-1001")
    sip = FeatureProduct.objects.get(provider=harbour, element_id="502001")

    # The close holds its lock a while after marking what it bills, so that the
    # activation certainly arrives during the close, not after it.
    closing = threading.Event()

    def hold(run):
        closing.set()
        time.sleep(1.0)

    monkeypatch.setattr(billing, "_after_usage_marked", hold)
    outcomes: dict[str, str] = {}

    def close():
        try:
            run = close_period(period=october, acting_user=None)
            outcomes["close"] = run.status
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            outcomes["close"] = f"{type(exc).__name__}: {exc}"
        finally:
            connections.close_all()

    def activate():
        try:
            if not closing.wait(timeout=20):
                outcomes["activate"] = "the close never started"
                return
            features.service_feature_add(service=acme, product=sip, quantity=1, active_from=OCT_20, acting_user=None)
            outcomes["activate"] = "activated"
        except ValidationError as exc:
            outcomes["activate"] = exc.messages[0]
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            outcomes["activate"] = f"{type(exc).__name__}: {exc}"
        finally:
            connections.close_all()

    run_together(close, activate)

    assert outcomes["close"] == "done"
    assert outcomes["activate"] == (
        "The activation date 20/10/2026 is inside Harbour Voice's closed bill period October 2026 "
        "(01/10/2026–31/10/2026): nothing may change in a closed period. Choose a date after 31/10/2026."
    )
    assert not ServiceFeature.objects.filter(service=acme, product=sip, active_from=OCT_20).exists()


def test_a_close_during_an_activation_waits_for_it_and_bills_it(harbour, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("needs row locks and two real transactions: PostgreSQL only")
    set_prices(harbour)
    october = period(harbour, "2026-10")
    acme = Service.objects.get(reference="HV-1001")
    sip = FeatureProduct.objects.get(provider=harbour, element_id="502001")

    # The activation holds its transaction a while after its check, so that the close
    # certainly starts while the activation is being made.
    activating = threading.Event()
    activate_feature = features._activate

    def slow_activate(*args, **kwargs):
        activating.set()
        time.sleep(1.0)
        return activate_feature(*args, **kwargs)

    monkeypatch.setattr(features, "_activate", slow_activate)
    outcomes: dict[str, object] = {}

    def activate():
        try:
            features.service_feature_add(service=acme, product=sip, quantity=1, active_from=OCT_20, acting_user=None)
            outcomes["activate"] = "activated"
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            outcomes["activate"] = f"{type(exc).__name__}: {exc}"
        finally:
            connections.close_all()

    def close():
        try:
            if not activating.wait(timeout=20):
                outcomes["close"] = "the activation never started"
                return
            outcomes["close"] = close_period(period=october, acting_user=None)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            outcomes["close"] = f"{type(exc).__name__}: {exc}"
        finally:
            connections.close_all()

    run_together(activate, close)

    assert outcomes["activate"] == "activated"
    run = outcomes["close"]
    assert getattr(run, "status", run) == "done"
    # The SIP Session active from 20 October is on the October bill: 12 days.
    assert list(run.lines.filter(service=acme, product=sip).values_list("days", flat=True)) == [12]
