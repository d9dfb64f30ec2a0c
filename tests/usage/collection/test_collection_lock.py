"""Two collections of one provider never run at once, on SQLite and PostgreSQL alike:
real threads, real connections, committed transactions.

Transactional tests only in this module (see test_collection_migrations.py)."""

import threading

import pytest
from django.db import OperationalError, connection

from tests.usage.collection.ftp_servers import HARBOUR_COCE, HARBOUR_CTOP
from usage.carrier_files.models import CarrierFile
from usage.collection.choices import ProviderCollectionStatusChoices as Status
from usage.collection.collector import (
    collection_lock_acquire,
    collection_lock_release,
    collection_start,
    provider_collect,
)
from usage.collection.models import CollectionLock

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("queued"),
]


def in_thread(target, results: dict, key: str) -> threading.Thread:
    def run():
        try:
            results[key] = target()
        except Exception as exc:  # noqa: BLE001 - reported by the test
            results[key] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_second_collection_while_the_first_downloads_is_busy(ftp_world):
    harbour = ftp_world["harbour"]
    server = ftp_world["ftps"]
    gate = threading.Event()
    server.behaviour.hold.update({HARBOUR_CTOP: gate, HARBOUR_COCE: gate})
    first = collection_start(trigger="command", providers=[harbour]).collections.get()
    second = collection_start(trigger="manual", providers=[harbour]).collections.get()
    results: dict = {}

    thread = in_thread(lambda: provider_collect(provider_collection_id=first.pk), results, "first")
    try:
        assert server.behaviour.retrieving.wait(timeout=10), "the first never started downloading"
        busy = provider_collect(provider_collection_id=second.pk)
    finally:
        gate.set()
        thread.join(timeout=30)

    assert busy.status == Status.BUSY
    assert "Another collection" in busy.error
    assert results["first"].status == Status.COMPLETED_WITH_ERRORS  # the hostile names
    assert results["first"].fetched == 2
    assert CarrierFile.objects.filter(provider=harbour).count() == 2
    assert CollectionLock.objects.get(provider=harbour).holder is None  # released


def test_racing_for_the_lock_exactly_one_wins(harbour):
    holders = [collection_start(trigger="command", providers=[harbour]).collections.get() for _ in range(6)]
    start = threading.Barrier(len(holders))
    results: dict = {}

    def race(holder_id):
        def take():
            start.wait(timeout=10)
            while True:
                try:
                    return collection_lock_acquire(provider_id=harbour.pk, holder_id=holder_id)
                except OperationalError as exc:
                    # The in-memory SQLite test database shares one cache between
                    # threads and answers "table is locked" at once instead of waiting
                    # as a database file does (its busy timeout): try again.
                    if "locked" not in str(exc):
                        raise

        return take

    threads = [in_thread(race(h.pk), results, str(h.pk)) for h in holders]
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(results.values(), key=str) == [False] * 5 + [True], results
    winner = next(int(k) for k, won in results.items() if won is True)
    assert CollectionLock.objects.get(provider=harbour).holder_id == winner
    collection_lock_release(provider_id=harbour.pk, holder_id=winner)
    assert collection_lock_acquire(provider_id=harbour.pk, holder_id=holders[0].pk)
