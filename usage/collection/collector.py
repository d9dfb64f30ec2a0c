"""Collecting AAPT's CTOP and COCE files from each provider's FTP directory.

A run (:class:`CollectionRun`) has one :class:`ProviderCollection` per provider;
each is collected on its own (its own task in the worker), so one provider's
failure never stops the others. A provider's collection:

- takes the provider's lock, or ends as *busy* if another collection holds it;
- lists the directory and downloads every CTOP/COCE file not received before
  (by name and size) into a hidden temporary file, which the registry moves
  into the storage only once complete; then queues its processing;
- refuses names that could be paths, and leaves other files alone;
- retries transient failures (time-outs, dropped connections, 4xx replies) a
  bounded number of times with exponential back-off, then records the outcome.
"""

from __future__ import annotations

import datetime
import logging
import os
import re
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from providers.models import Provider
from usage.carrier_files.choices import CarrierFileSourceChoices, CarrierFileStatusChoices
from usage.carrier_files.models import CARRIER_FILE_NAME, CarrierFile
from usage.carrier_files.receive import UnsafeFileName, carrier_file_receive, check_file_name, parse_file_name
from usage.carrier_files.tasks import enqueue_processing
from usage.collection.choices import CollectionRunTriggerChoices as Trigger
from usage.collection.choices import ProviderCollectionStatusChoices as Status
from usage.collection.client import FtpError, FtpSession, FtpSettings, LocalWriteError, RemoteFile
from usage.collection.client import scrub as scrub_secret
from usage.collection.models import CollectionLock, CollectionRun, ProviderCollection
from usage.collection.selectors import collectable_providers

logger = logging.getLogger(__name__)

Sleep = Callable[[float], None]
Connect = Callable[[FtpSettings], FtpSession]

# A name that claims to be a carrier file, wherever in it; and path-like pieces.
_LOOKS_LIKE_CARRIER = re.compile(r"(CTOP|COCE)_", re.IGNORECASE)
_PATH_LIKE = re.compile(r"[/\\]|\.\.|[\x00-\x1f\x7f]")


class CollectionUnavailable(Exception):
    """The provider cannot be collected (inactive, or no FTP settings)."""


class CollectionPending(Exception):
    """A collection of the provider is already queued or running."""

    def __init__(self, pending: ProviderCollection) -> None:
        super().__init__(f"a collection of {pending.provider} is already {pending.status}")
        self.pending = pending


# ---------------------------------------------------------------------------
# Starting runs
# ---------------------------------------------------------------------------


@transaction.atomic
def collection_start(*, trigger: str, providers: Iterable[Provider] | None = None, acting_user=None) -> CollectionRun:
    """A run with a queued collection for each provider (all collectable ones by default)."""
    chosen = list(collectable_providers() if providers is None else providers)
    run = CollectionRun.objects.create(trigger=trigger, requested_by=acting_user)
    ProviderCollection.objects.bulk_create([ProviderCollection(run=run, provider=provider) for provider in chosen])
    if not chosen:
        run.finished_at = run.created_at
        run.save(update_fields=["finished_at"])
    logger.info("collection run %s (%s): %s provider(s)", run.pk, trigger, len(chosen))
    return run


def collection_request(*, provider: Provider, acting_user) -> ProviderCollection:
    """Queue a collection of ``provider`` now (the admin's "Collect now")."""
    if not collectable_providers().filter(pk=provider.pk).exists():
        raise CollectionUnavailable(f"{provider} cannot be collected: it is inactive or has no FTP host and username.")
    pending = (
        ProviderCollection.objects.filter(
            provider=provider,
            status__in=[Status.QUEUED, Status.RUNNING],
            run__created_at__gte=timezone.now() - _lock_lifetime(),
        )
        .select_related("provider")
        .first()
    )
    if pending:
        raise CollectionPending(pending)
    run = collection_start(trigger=Trigger.MANUAL, providers=[provider], acting_user=acting_user)
    return run.collections.get()


def collection_run_now(
    *,
    providers: Iterable[Provider] | None = None,
    trigger: str = Trigger.COMMAND,
    acting_user=None,
    sleep: Sleep = time.sleep,
    connect: Connect = FtpSession,
) -> CollectionRun:
    """Start a run and collect its providers here, one after the other (no worker)."""
    run = collection_start(trigger=trigger, providers=providers, acting_user=acting_user)
    for collection_id in run.collections.order_by("provider__name").values_list("pk", flat=True):
        provider_collect(provider_collection_id=collection_id, sleep=sleep, connect=connect)
    run.refresh_from_db()
    return run


# ---------------------------------------------------------------------------
# The per-provider lock
# ---------------------------------------------------------------------------


def _lock_lifetime() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.COLLECTION_LOCK_SECONDS)


def collection_lock_acquire(*, provider_id: int, holder_id: int) -> bool:
    """Take the provider's collection lock for ``holder_id``; False if another holds it.

    One conditional UPDATE: PostgreSQL re-checks the condition on the row it
    waited for, SQLite runs one writer at a time, so two callers never both win.
    A lock older than COLLECTION_LOCK_SECONDS belongs to a dead worker and is taken over.
    """
    CollectionLock.objects.get_or_create(provider_id=provider_id)
    now = timezone.now()
    return (
        CollectionLock.objects.filter(provider_id=provider_id)
        .filter(Q(holder__isnull=True) | Q(acquired_at__lt=now - _lock_lifetime()))
        .update(holder_id=holder_id, acquired_at=now)
        == 1
    )


def collection_lock_release(*, provider_id: int, holder_id: int) -> None:
    CollectionLock.objects.filter(provider_id=provider_id, holder_id=holder_id).update(holder=None, acquired_at=None)


# ---------------------------------------------------------------------------
# Collecting one provider
# ---------------------------------------------------------------------------


def ftp_settings_for(provider: Provider) -> FtpSettings:
    return FtpSettings(
        host=provider.ftp_host,
        port=provider.ftp_port,
        username=provider.ftp_username,
        password=provider.get_ftp_password(),
        directory=provider.ftp_directory or "/",
        use_tls=provider.ftp_use_tls,
        verify_certificate=provider.ftp_verify_certificate,
        passive=provider.ftp_passive,
        connect_timeout=settings.COLLECTION_CONNECT_TIMEOUT,
        read_timeout=settings.COLLECTION_READ_TIMEOUT,
        ca_file=settings.FTP_CA_FILE,
    )


def provider_collect(
    *, provider_collection_id: int, sleep: Sleep = time.sleep, connect: Connect = FtpSession
) -> ProviderCollection:
    """Collect one provider's files for a queued :class:`ProviderCollection`.

    Never raises for the provider's own failures: they end up in the record."""
    collection = ProviderCollection.objects.select_related("provider", "run").get(pk=provider_collection_id)
    collection.started_at = timezone.now()
    claimed = ProviderCollection.objects.filter(pk=collection.pk, status=Status.QUEUED).update(
        status=Status.RUNNING, started_at=collection.started_at
    )
    if not claimed:
        collection.refresh_from_db()
        return collection  # delivered twice by the queue: taken already
    provider = collection.provider
    if not collection_lock_acquire(provider_id=provider.pk, holder_id=collection.pk):
        collection.status = Status.BUSY
        collection.error = "Another collection of this provider was running."
        _finish(collection)
        logger.info("collection of %s skipped: another one is running", provider.slug)
        return collection
    collection.status = Status.RUNNING
    collector = None
    try:
        collector = _Collector(collection, ftp_settings_for(provider), sleep=sleep, connect=connect)
        collector.run()
    except Exception:
        # A defect, the database or the key ring, not the server: recorded with what was
        # done so far, never stopping the other providers.
        password = collector.config.password if collector else ""
        text = scrub_secret(traceback.format_exc(), password)
        logger.error("collection of %s failed unexpectedly:\n%s", provider.slug, text)
        if collector:
            collector.record(None)
        collection.status = Status.FAILED
        collection.error = text.strip().splitlines()[-1][:1000]
    finally:
        collection_lock_release(provider_id=provider.pk, holder_id=collection.pk)
    _finish(collection)
    log = logger.warning if collection.status == Status.FAILED else logger.info
    log("collection %s", collection.summary())
    return collection


def _finish(collection: ProviderCollection) -> None:
    collection.finished_at = timezone.now()
    collection.save()
    run = collection.run
    if not run.collections.filter(status__in=[Status.QUEUED, Status.RUNNING]).exists():
        CollectionRun.objects.filter(pk=run.pk, finished_at__isnull=True).update(finished_at=collection.finished_at)


@dataclass
class _Outcome:
    name: str
    outcome: str  # fetched | duplicate | refused | failed | other_account
    message: str = ""
    size: int | None = None
    carrier_file: int | None = None
    transient: bool = False

    def as_json(self) -> dict:
        shown = self.name if self.name.isprintable() else ascii(self.name)[1:-1]
        return {
            "name": shown,
            "outcome": self.outcome,
            "message": self.message,
            "size": self.size,
            "carrier_file": self.carrier_file,
        }


@dataclass
class _Listing:
    """A listing sorted into what to fetch and what to count."""

    to_fetch: list[RemoteFile] = field(default_factory=list)
    found: int = 0
    skipped: int = 0
    ignored: int = 0


class _Collector:
    """One provider's collection: attempts with back-off, per-file outcomes."""

    def __init__(
        self,
        collection: ProviderCollection,
        config: FtpSettings,
        *,
        sleep: Sleep,
        connect: Connect,
    ) -> None:
        self.collection = collection
        self.provider = collection.provider
        self.config = config
        self.sleep = sleep
        self.connect = connect
        self.outcomes: dict[str, _Outcome] = {}
        received = CarrierFile.objects.filter(provider=self.provider).values_list("name", "size")
        self.received_before: set[tuple[str, int]] = set(received)
        self.names_before = {name for name, _ in self.received_before}
        self.listing = _Listing()

    # -- the attempts -------------------------------------------------------

    def run(self) -> None:
        collection = self.collection
        attempts = max(1, settings.COLLECTION_ATTEMPTS)
        error: FtpError | LocalWriteError | None = None
        for attempt in range(1, attempts + 1):
            collection.attempts = attempt
            try:
                self._attempt()
                error = None
            except FtpError as exc:
                error = exc
            except LocalWriteError as exc:
                error = exc
                break  # the disk here: another attempt will not help
            retry = (isinstance(error, FtpError) and error.transient) or (
                error is None and any(o.transient for o in self._failures())
            )
            if not retry or attempt == attempts:
                break
            delay = settings.COLLECTION_BACKOFF_SECONDS * 2 ** (attempt - 1)
            logger.info(
                "collection of %s: attempt %s of %s failed (%s); next in %ss",
                self.provider.slug,
                attempt,
                attempts,
                error or "some files failed",
                delay,
            )
            self.sleep(delay)
        self.record(error)

    def _attempt(self) -> None:
        with self.connect(self.config) as session:
            self.listing = self._sort(session, session.listing())
            # Files that failed before go last, so that one bad file never blocks the rest.
            queue = sorted(self.listing.to_fetch, key=lambda f: (f.name in self.outcomes, f.name))
            for remote in queue:
                self._fetch(session, remote)
                outcome = self.outcomes[remote.name]
                if outcome.outcome == "failed" and not session.alive():
                    raise FtpError(f"connection lost after: {outcome.message}", transient=True)

    # -- sorting the listing ------------------------------------------------

    def _sort(self, session: FtpSession, entries: list[RemoteFile]) -> _Listing:
        listing = _Listing()
        account = self.provider.aapt_account.lstrip("0")
        for entry in entries:
            name = entry.name
            if not _LOOKS_LIKE_CARRIER.search(name) and not _PATH_LIKE.search(name):
                listing.ignored += 1
                continue
            try:
                check_file_name(name)
            except UnsafeFileName:
                listing.found += 1
                self.outcomes[name] = _Outcome(name, "refused", "refused: not a plain file name (never used as a path)")
                continue
            if not CARRIER_FILE_NAME.match(name):
                listing.ignored += 1  # e.g. CTOP_…txt.part: not a whole carrier file name
                continue
            entry = session.stat(entry)
            if not entry.is_file:
                listing.ignored += 1
                continue
            info = parse_file_name(name)
            if (info.account or "").lstrip("0") != account:
                listing.ignored += 1
                self.outcomes[name] = _Outcome(
                    name,
                    "other_account",
                    f"left alone: for AAPT account {info.account}, not {self.provider.aapt_account}",
                    size=entry.size,
                )
                continue
            listing.found += 1
            if entry.size is None:
                known = name in self.names_before  # no size from the server: by name alone
            else:
                known = (name, entry.size) in self.received_before
            if known:
                listing.skipped += 1
            elif not self._fetched(name):
                listing.to_fetch.append(entry)
        return listing

    def _fetched(self, name: str) -> bool:
        """Fetched by an earlier attempt of this collection."""
        outcome = self.outcomes.get(name)
        return outcome is not None and outcome.outcome in ("fetched", "duplicate")

    # -- one file -----------------------------------------------------------

    def _fetch(self, session: FtpSession, remote: RemoteFile) -> None:
        name = remote.name
        try:
            download = _Download(settings.COLLECTION_TEMP_DIR)
        except OSError as exc:
            raise LocalWriteError(f"cannot write downloads here: {exc.strerror or exc}") from exc
        try:
            try:
                size = session.download(name, download, expected_size=remote.size)
            except FtpError as exc:
                self.outcomes[name] = _Outcome(name, "failed", str(exc), size=remote.size, transient=exc.transient)
                logger.warning("collection of %s: %s", self.provider.slug, exc)
                return
            try:
                download.flush()
                carrier_file = carrier_file_receive(
                    provider=self.provider,
                    name=name,
                    content=download,
                    source=CarrierFileSourceChoices.FTP,
                )
            except OSError as exc:
                raise LocalWriteError(f"cannot store {name}: {exc.strerror or exc}") from exc
            if carrier_file.status == CarrierFileStatusChoices.FAILED:  # recorded, but not stored
                raise LocalWriteError(f"cannot store {name}: {carrier_file.reason}")
        finally:
            download.discard()
        duplicate = carrier_file.status == CarrierFileStatusChoices.DUPLICATE
        self.outcomes[name] = _Outcome(
            name,
            "duplicate" if duplicate else "fetched",
            carrier_file.reason if duplicate else "",
            size=size,
            carrier_file=carrier_file.pk,
        )
        if carrier_file.status == CarrierFileStatusChoices.RECEIVED:  # not refused on receipt
            enqueue_processing(carrier_file.pk)

    # -- the record ---------------------------------------------------------

    def _failures(self) -> list[_Outcome]:
        return [o for o in self.outcomes.values() if o.outcome in ("failed", "refused")]

    def record(self, error: FtpError | LocalWriteError | None) -> None:
        """Put the outcome so far on the collection (saved by the caller)."""
        collection = self.collection
        outcomes = self.outcomes.values()
        collection.found = self.listing.found
        collection.skipped = self.listing.skipped
        collection.ignored = self.listing.ignored
        collection.fetched = sum(o.outcome in ("fetched", "duplicate") for o in outcomes)
        collection.duplicates = sum(o.outcome == "duplicate" for o in outcomes)
        collection.file_errors = len(self._failures())
        collection.files = [o.as_json() for o in outcomes]
        collection.error = scrub_secret(str(error), self.config.password) if error else ""
        if error:
            collection.status = Status.FAILED
        elif collection.file_errors:
            collection.status = Status.COMPLETED_WITH_ERRORS
        else:
            collection.status = Status.SUCCEEDED


class _Download(File):
    """A download in progress: a hidden ``.part`` file in COLLECTION_TEMP_DIR. The
    registry moves it into the storage once complete; otherwise it is removed."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        fd, self._path = tempfile.mkstemp(prefix=".", suffix=".part", dir=directory)
        super().__init__(os.fdopen(fd, "w+b"), name=os.path.basename(self._path))

    def temporary_file_path(self) -> str:
        return self._path

    def discard(self) -> None:
        self.close()
        with suppress(FileNotFoundError):
            os.unlink(self._path)
