import datetime
import filecmp
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from providers.models import BillPeriod, ChangeLogEntry, Customer, Provider
from provisioning.models import FeatureProduct, PlanRate, Service, ServiceFeature, ServiceIdentifier

SHARED = Path(settings.BASE_DIR).parent / "shared" / "samples"


@pytest.mark.django_db
def test_loaddemo_is_idempotent():
    call_command("loaddemo", "--no-usage", verbosity=0)
    counts = [m.objects.count() for m in (Provider, Customer, Service, ServiceIdentifier, PlanRate, ServiceFeature)]
    changes = ChangeLogEntry.objects.count()
    call_command("loaddemo", verbosity=0)
    assert [
        m.objects.count() for m in (Provider, Customer, Service, ServiceIdentifier, PlanRate, ServiceFeature)
    ] == counts
    assert counts[:3] == [3, 5, 5]
    assert set(Provider.objects.values_list("slug", flat=True)) == {
        "harbour-voice",
        "southern-wholesale",
        "coastal-comms",
    }
    request = RequestFactory().post("/admin/login/")  # the login throttle needs the request
    assert authenticate(request, username="demo", password="demo").is_superuser
    billing = authenticate(request, username="billing", password="billing")
    assert [m.provider.slug for m in billing.provider_memberships.all()] == ["harbour-voice"]
    # One login per role: the README and `make demo` list a provider administrator too.
    admin = authenticate(request, username="harbour-admin", password="harbour-admin")
    assert [g.name for g in admin.groups.all()] == ["Provider administrators"]
    assert [m.provider.slug for m in admin.provider_memberships.all()] == ["harbour-voice"]
    # The bill runs' set-up (samples README, *Bill runs*): October left open to preview,
    # and Bluegum's extra SIP Session from 16 November requested and activated once, by
    # billing staff, through the feature services (so it has its history).
    october = BillPeriod.objects.get(provider__slug="harbour-voice", start_date=datetime.date(2026, 10, 1))
    assert october.status == "open"
    extra = ServiceFeature.objects.get(service__reference="HV-1002", active_from=datetime.date(2026, 11, 16))
    assert (extra.product.name, extra.quantity, extra.status) == ("SIP Session", 1, "active")
    assert [(c.action, c.effective_date, c.acting_user.username) for c in extra.changes.all()] == [
        ("requested", extra.requested_on, "billing"),
        ("activated", datetime.date(2026, 11, 16), "billing"),
    ]
    # The change log: what the demo wrote is the system's, with the demo's note; run
    # again, it changed nothing, so it logged nothing.
    assert ChangeLogEntry.objects.count() == changes
    sip = FeatureProduct.objects.get(provider__slug="harbour-voice", element_id="502001")
    (price,) = ChangeLogEntry.objects.filter(object_id=sip.pk, content_type__model="featureproduct", action=1)
    assert (price.who, price.note) == ("system", "Demo data (loaddemo).")
    assert price.changes == {"retail_price": ["0.00", str(sip.retail_price)]}


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/samples is not beside this checkout")
def test_fixture_samples_match_shared_samples():
    names = sorted(p.name for p in SHARED.iterdir())
    match, mismatch, errors = filecmp.cmpfiles(SHARED, settings.SAMPLES_DIR, names, shallow=False)
    assert not mismatch and not errors


@pytest.mark.django_db
def test_loaddemo_ingests_the_samples_once():
    from usage.carrier_files.models import CarrierFile
    from usage.ctop.models import UsageRecord

    call_command("loaddemo", verbosity=0)
    call_command("loaddemo", verbosity=0)
    assert CarrierFile.objects.filter(kind="ctop").count() == 3
    assert CarrierFile.objects.filter(kind="coce").count() == 1
    assert UsageRecord.objects.count() == 8 + 6 + 3
    assert UsageRecord.objects.filter(status="quarantined").count() == 4


@pytest.mark.django_db
def test_loaddemo_fills_the_manual_provisioning_queue_once():
    from provisioning.models import Order

    call_command("loaddemo", verbosity=0)
    call_command("loaddemo", verbosity=0)
    orders = Order.objects.select_related("provider").order_by("pk")
    assert [(o.provider.slug, o.kind, o.state) for o in orders] == [
        ("harbour-voice", "new", "submitted"),
        ("harbour-voice", "upgrade", "in_progress"),
        ("harbour-voice", "cancel", "halted"),
        ("southern-wholesale", "new", "submitted"),
    ]
    upgrade = orders[1]
    assert (upgrade.assignee.username, upgrade.aapt_reference) == (
        "provisioning",
        "AAPT-ORD-100234",
    )
