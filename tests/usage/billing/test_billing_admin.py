"""The bill run pages: preview from the bill period, close (queued to the worker,
synchronous in tests), downloads; who may do what; adjustments."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from lxml import html

from provisioning.models import Service
from ssaas.common import progress
from tests.factories import CarrierFileFactory, ServiceFeatureFactory
from tests.usage.billing.helpers import add_calls, outage_credit, period, set_prices
from tests.usage.billing.test_billing_close import OCT_CALLS
from usage.billing import services as billing
from usage.billing.models import Adjustment, BillRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def october(harbour, writer, harbour_billing):
    set_prices(harbour)
    add_calls(harbour, writer, OCT_CALLS + [("PREM-1", "20261012100000", "ACMEPTYLTD", "1900123456", 60)])
    outage_credit(harbour_billing)
    return period(harbour, "2026-10")


def page(client, october) -> str:
    return client.get(reverse("admin:usage_billrun_period", args=[october.pk])).content.decode()


def test_preview_lists_what_blocks_first_then_each_customer(client, harbour_billing, october):
    client.force_login(harbour_billing)
    listing = client.get(reverse("admin:providers_billperiod_changelist")).content.decode()
    assert "Preview the bill run" in listing
    text = page(client, october)
    assert text.index("1 quarantined usage record(s) dated in the period") < text.index("Acme Pty Ltd")
    assert "Acme Pty Ltd" in text and "Bluegum Cafe" in text
    # Acme: 0.39 calls + 160.00 packs − 5.00 = 155.39 ex GST, GST 15.54
    assert "$155.39 ex GST, GST $15.54, $170.93 inc GST" in text
    assert "Credit 15/10/2026: Outage credit" in text
    assert "Standard User Service Pack ×12, 01/10/2026–31/10/2026 (31/31 days at 10.00 a month)" in text
    assert not BillRun.objects.exists()


def blockers(client, october) -> dict[str, tuple[str, str | None]]:
    """The period page's outstanding items: kind -> (text, link or None)."""
    found = {}
    for item in html.fromstring(page(client, october)).xpath("//ul[@id='outstanding']/li"):
        links = item.xpath(".//a/@href")
        found[item.get("data-kind")] = (" ".join(item.text_content().split()), links[0] if links else None)
    return found


def test_each_blocker_links_to_what_clears_it_for_who_may_open_it(
    client, harbour, harbour_billing, harbour_admin, october
):
    acme = Service.objects.get(reference="HV-1001")
    ServiceFeatureFactory(service=acme, requested=True)
    CarrierFileFactory(
        provider=harbour,
        status="rejected",
        name="CTOP_1234567_000009_20261020013000.txt",
        produced_at=datetime.datetime(2026, 10, 20, 1, 30, tzinfo=datetime.UTC),
    )
    client.force_login(harbour_billing)
    found = blockers(client, october)

    assert set(found) >= {"quarantine", "requested_features", "unprocessed_files"}
    assert "1 quarantined usage record(s) dated in the period" in found["quarantine"][0]
    for kind in found:
        link = found[kind][1]
        assert link, kind
        opened = client.get(link)
        assert opened.status_code == 200, (kind, link)
    # The list each one opens holds what blocks: the rejected file, the requested feature.
    assert "CTOP_1234567_000009" in client.get(found["unprocessed_files"][1]).content.decode()
    assert "Requested" in client.get(found["requested_features"][1]).content.decode()

    # A provider administrator may close but not look at the quarantine: its item is text.
    client.force_login(harbour_admin)
    assert client.get(found["quarantine"][1]).status_code == 403
    theirs = blockers(client, october)
    assert theirs["quarantine"] == (found["quarantine"][0], None)


def test_close_needs_close_anyway_when_items_are_outstanding(
    client, harbour_billing, october, django_capture_on_commit_callbacks
):
    client.force_login(harbour_billing)
    url = reverse("admin:usage_billrun_close", args=[october.pk])
    response = client.post(url, follow=True)
    assert "tick “close anyway”" in response.content.decode()
    assert not BillRun.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"close_anyway": "1"})
    assert response.status_code == 302
    text = page(client, october)
    run = BillRun.objects.get()
    assert run.status == "done" and "Status: <strong>Done</strong>" in text
    assert run.outstanding[0]["kind"] == "quarantine"
    october.refresh_from_db()
    assert october.status == "closed"
    xero = client.get(reverse("admin:usage_billrun_download", args=[run.pk, "xero"]))
    assert xero["Content-Disposition"] == 'attachment; filename="xero-invoices-harbour-voice-2026-10.csv"'
    assert b"INV-1" in xero.content
    calls = client.get(reverse("admin:usage_billrun_download", args=[run.pk, "calls"]))
    assert b"".join(calls.streaming_content).count(b"\n") == 1 + 3
    summary = client.get(reverse("admin:usage_billrun_download", args=[run.pk, "summary"]))
    assert summary["Content-Type"].startswith("application/vnd.openxmlformats")
    # Closing again does nothing more.
    client.post(url, {"close_anyway": "1"})
    assert BillRun.objects.count() == 1


def test_the_period_page_shows_the_close_under_way(client, harbour_billing, october, monkeypatch):
    """Queued, then each stage of the close in the progress panel while it runs (read
    from the progress store, outside the close's transaction), then the outcome."""
    client.force_login(harbour_billing)
    run = billing.bill_run_request(period=october, acting_user=harbour_billing)
    text = page(client, october)
    assert "Queued: waiting for the worker" in text and 'id="run-status-bar"' in text
    assert "This page refreshes itself." in text and 'http-equiv="refresh"' in text

    seen = []
    monkeypatch.setattr(billing, "_after_usage_marked", lambda run: seen.append(page(client, october)))
    billing.bill_run_execute(run_id=run.pk)
    assert "Running: Finding the usage to bill" in seen[0]
    assert 'id="run-status-bar"' in seen[0] and 'value="25"' in seen[0]

    text = page(client, october)
    assert "Status: <strong>Done</strong>" in text and "Done: 2 invoices" in text
    assert 'id="run-status-bar"' not in text and 'http-equiv="refresh"' not in text
    assert progress.read(run.progress_key) is None  # the run's row holds the outcome
    listing = client.get(reverse("admin:usage_billrun_changelist")).content.decode()
    assert "Done: 2 invoices" in listing


def test_a_close_whose_worker_died_can_be_closed_again(
    client, harbour_billing, october, django_capture_on_commit_callbacks, settings
):
    """A worker killed mid-close leaves its run "running" with nothing of it kept (the
    close's transaction is gone). While it may still be at work the page waits; once
    it has run longer than STUCK_RUN_MINUTES the page says so and offers the close
    again, which bills the period once."""
    settings.STUCK_RUN_MINUTES = 60
    client.force_login(harbour_billing)
    run = billing.bill_run_request(period=october, acting_user=harbour_billing)
    started = timezone.now() - datetime.timedelta(minutes=59)
    BillRun.objects.filter(pk=run.pk).update(status="running", started_at=started)
    text = page(client, october)
    assert 'id="close-form"' not in text and 'http-equiv="refresh"' in text
    assert billing.bill_run_request(period=october, acting_user=harbour_billing).status == "running"

    BillRun.objects.filter(pk=run.pk).update(started_at=started - datetime.timedelta(minutes=2))
    text = page(client, october)
    assert "has not finished: its worker stopped, and nothing of it was kept" in text
    assert 'id="close-form"' in text and 'http-equiv="refresh"' not in text
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:usage_billrun_close", args=[october.pk]), {"close_anyway": "1"})
    run.refresh_from_db()
    october.refresh_from_db()
    assert (run.status, october.status, BillRun.objects.count()) == ("done", "closed", 1)
    assert run.invoices.count() == 2


def test_provider_administrators_may_close_provisioning_staff_may_not_look(
    client, harbour_admin, harbour_provisioning, october, django_capture_on_commit_callbacks
):
    client.force_login(harbour_provisioning)
    assert client.get(reverse("admin:usage_billrun_period", args=[october.pk])).status_code == 403
    client.force_login(harbour_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:usage_billrun_close", args=[october.pk]), {"close_anyway": "1"})
    assert response.status_code == 302 and BillRun.objects.get().status == "done"


def test_another_providers_period_is_not_found(client, make_staff, southern, october):
    from ssaas.roles import BILLING_STAFF

    client.force_login(make_staff("sw-bill", southern, role=BILLING_STAFF))
    assert client.get(reverse("admin:usage_billrun_period", args=[october.pk])).status_code == 404
    assert client.post(reverse("admin:usage_billrun_close", args=[october.pk])).status_code == 404


def test_an_adjustment_into_a_closed_period_is_refused_in_the_form(client, harbour_billing, harbour):
    client.force_login(harbour_billing)
    acme = Service.objects.get(reference="HV-1001")
    url = reverse("admin:usage_adjustment_add")
    data = {"service": acme.pk, "date": "2026-09-15", "amount": "-3.00", "reason": "Goodwill"}
    response = client.post(url, data)
    assert "inside Harbour Voice&#x27;s closed bill period September 2026" in response.content.decode()
    response = client.post(url, {**data, "date": "2026-10-15"})
    assert response.status_code == 302
    adjustment = Adjustment.objects.get()
    assert (adjustment.provider, adjustment.created_by, adjustment.amount) == (harbour, harbour_billing, Decimal("-3"))
