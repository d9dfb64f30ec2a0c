"""What staff see without looking: failed collections, late CTOP files, sequence gaps."""

import datetime
import zoneinfo

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string

from usage.carrier_files.choices import CarrierFileStatusChoices as FileStatus
from usage.carrier_files.models import CarrierFile
from usage.carrier_files.sequence import sequence_gaps
from usage.collection.choices import ProviderCollectionStatusChoices as Status
from usage.collection.collector import collection_start
from usage.collection.models import ProviderCollection
from usage.collection.selectors import collection_attention, ctop_late

SYDNEY = zoneinfo.ZoneInfo("Australia/Sydney")


def sydney(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=SYDNEY)


@pytest.fixture
def collected(harbour, southern, settings):
    """Harbour Voice and Southern Wholesale (Perth) collected over FTP; late after 10:00."""
    settings.CTOP_LATE_HOUR = 10
    for provider, zone in ((harbour, "Australia/Sydney"), (southern, "Australia/Perth")):
        provider.ftp_host, provider.ftp_username, provider.time_zone = "ftp.example", "x", zone
        provider.save()
    return harbour, southern


def received(provider, kind: str, sequence: int, *, at=None, status=FileStatus.PROCESSED):
    name = f"{kind.upper()}_{provider.aapt_account}_{sequence:06d}_20261102013000.txt"
    carrier_file = CarrierFile.objects.create(
        provider=provider,
        kind=kind,
        name=name,
        sequence=sequence,
        size=10,
        sha256=f"{provider.pk}-{kind}-{sequence}-{status}",
        stored=f"{provider.slug}/{kind}/{name}",
        source="ftp",
        status=status,
    )
    if at:
        CarrierFile.objects.filter(pk=carrier_file.pk).update(received_at=at)
    return carrier_file


def kinds(items) -> list[tuple[str, str]]:
    return [(i.provider_name, i.kind) for i in items]


def test_a_ctop_file_is_late_after_the_hour_in_the_providers_own_zone(collected):
    harbour, southern = collected

    assert ctop_late(collected, now=sydney("2026-11-03 09:59")) == {}
    # 11:00 in Sydney is 08:00 in Perth: only Harbour is late.
    assert ctop_late(collected, now=sydney("2026-11-03 11:00")) == {harbour.pk: None}
    # 13:30 in Sydney is 10:30 in Perth.
    assert set(ctop_late(collected, now=sydney("2026-11-03 13:30"))) == {harbour.pk, southern.pk}


def test_a_ctop_file_received_today_is_on_time_and_a_duplicate_is_not_new(collected):
    harbour, _ = collected
    yesterday = received(harbour, "ctop", 1, at=sydney("2026-11-02 06:31"))
    received(harbour, "ctop", 2, at=sydney("2026-11-03 06:31"), status=FileStatus.DUPLICATE)

    late = ctop_late([harbour], now=sydney("2026-11-03 11:00"))
    assert late == {harbour.pk: CarrierFile.objects.get(pk=yesterday.pk).received_at}

    received(harbour, "ctop", 3, at=sydney("2026-11-03 06:32"))
    assert ctop_late([harbour], now=sydney("2026-11-03 11:00")) == {}


def test_sequence_gaps_per_provider_and_kind(collected):
    harbour, southern = collected
    for sequence in (1, 2, 5, 6):
        received(harbour, "ctop", sequence)
    for sequence in (1, 3):
        received(harbour, "coce", sequence)
    for sequence in (7, 8):
        received(southern, "ctop", sequence)  # starting late is no gap

    gaps = sequence_gaps([harbour.pk, southern.pk])

    assert [g.describe() for g in gaps] == [
        "COCE file 000002 missing (between 000001 and 000003)",
        "CTOP files 000003–000004 missing (between 000002 and 000005)",
    ]
    received(harbour, "ctop", 3)
    received(harbour, "ctop", 4)
    assert [g.kind for g in sequence_gaps([harbour.pk])] == ["coce"]


def test_the_attention_items_for_billing_staff(collected, harbour_billing, make_staff):
    harbour, southern = collected
    failed = collection_start(trigger="schedule", providers=[harbour, southern])
    failed.collections.filter(provider=harbour).update(
        status=Status.FAILED, error="login refused by the server: 530 Authentication failed."
    )
    failed.collections.filter(provider=southern).update(status=Status.SUCCEEDED)
    for sequence in (1, 3):
        received(harbour, "ctop", sequence, at=sydney("2026-11-03 06:31"))
        received(southern, "ctop", sequence, at=sydney("2026-11-03 06:31"))

    items = collection_attention(harbour_billing, now=sydney("2026-11-03 11:00"))

    # Harbour staff see Harbour alone: its failed collection first, then the gap.
    assert kinds(items) == [
        ("Harbour Voice", "collection_failed"),
        ("Harbour Voice", "sequence_gap"),
    ]
    assert items[0].level == "error" and "530 Authentication failed" in items[0].message
    assert items[0].url.endswith(f"/usage/providercollection/{failed.collections.get(provider=harbour).pk}/change/")
    everyone = make_staff("boss", harbour, southern, role="Billing staff")
    assert ("Southern Wholesale", "sequence_gap") in kinds(collection_attention(everyone))


def test_a_later_successful_collection_clears_the_failure(collected, superuser):
    harbour, _ = collected
    for status in (Status.FAILED, Status.SUCCEEDED, Status.BUSY):
        run = collection_start(trigger="schedule", providers=[harbour])
        run.collections.update(status=status)

    items = collection_attention(superuser, now=sydney("2026-11-03 09:00"))

    assert not [i for i in items if i.kind.startswith("collection")]


def test_nothing_for_those_who_may_not_see_collections(collected, harbour_provisioning):
    harbour, _ = collected
    ProviderCollection.objects.create(
        run=collection_start(trigger="schedule", providers=[]), provider=harbour, status="failed"
    )
    assert collection_attention(harbour_provisioning, now=sydney("2026-11-03 11:00")) == []
    assert collection_attention(AnonymousUser()) == []


def test_the_include_renders_the_items(collected, superuser):
    items = collection_attention(superuser, now=sydney("2026-11-03 11:00"))

    html = render_to_string("admin/usage/collection_attention.html", {"items": items})

    assert "Harbour Voice" in html and "no new CTOP file today by 10:00 (none yet)" in html
    assert render_to_string("admin/usage/collection_attention.html", {"items": []}).strip() == ""
    entries = render_to_string("admin/usage/collection_attention_items.html", {"items": items})
    assert entries.count("<li") == len(items) and "<ul" not in entries
