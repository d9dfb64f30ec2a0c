"""Receiving carrier files into the registry and processing them.

``carrier_file_receive`` keeps the raw bytes and records the file (a file
whose content was already processed is recorded as a duplicate and never
billed). ``carrier_file_process`` takes a file whole or not at all: its
records and its status are committed in one transaction; what is done with a
file of each kind is its kind's processor (``processing.py``: CTOP in
``usage.ctop.ingest``, COCE in ``usage.coce.ingest``).
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import os
import re
import tempfile
import zoneinfo
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.files import File
from django.db import connection, transaction
from django.utils import timezone

from providers.models import Provider
from usage.carrier_files.choices import CarrierFileKindChoices, CarrierFileSourceChoices
from usage.carrier_files.choices import CarrierFileStatusChoices as Status
from usage.carrier_files.framing import FileRejected
from usage.carrier_files.lines import GZIP_MAGIC, content_chunks
from usage.carrier_files.models import CARRIER_FILE_NAME, CarrierFile
from usage.carrier_files.processing import file_reject, processor_for

logger = logging.getLogger(__name__)

SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$")
_SYDNEY = zoneinfo.ZoneInfo("Australia/Sydney")


class UnsafeFileName(ValueError):
    """A file name that could be a path: never used to store anything."""


def check_file_name(name: str) -> str:
    """``name`` if it is a plain file name (letters, digits, ``._-``), else raise."""
    if not SAFE_NAME.match(name) or ".." in name:
        raise UnsafeFileName(f"refused file name {name!r}: not a plain file name")
    return name


@dataclass(frozen=True)
class NameInfo:
    kind: str | None
    account: str | None
    sequence: int | None
    produced_at: datetime.datetime | None


def parse_file_name(name: str) -> NameInfo:
    """What AAPT's naming convention tells: kind, account, sequence, production time."""
    match = CARRIER_FILE_NAME.match(name)
    if not match:
        return NameInfo(None, None, None, None)
    stamp = match["stamp"]
    try:
        produced = datetime.datetime.strptime(stamp, "%Y%m%d%H%M%S").replace(tzinfo=_SYDNEY)
    except ValueError:
        produced = None
    return NameInfo(match["kind"].lower(), match["account"], int(match["sequence"]), produced)


def _content_sha256(carrier_file: CarrierFile) -> str:
    """SHA-256 of the decompressed content, read under the size limit; raises
    :class:`FileRejected` for a truncated or corrupt gzip or a bomb."""
    digest = hashlib.sha256()
    with carrier_file.stored.open("rb") as raw:
        for chunk in content_chunks(raw, name=carrier_file.name):
            digest.update(chunk)
    return digest.hexdigest()


class _Spooled(File):
    """A complete copy of the received bytes in a temporary file beside the storage,
    which the storage moves into place by a rename."""

    def temporary_file_path(self) -> str:
        return self.file.name


def spool(content: IO[bytes], name: str) -> tuple[_Spooled, int, str]:
    """Copy ``content`` into a temporary file under ``COLLECTION_TEMP_DIR`` (the storage's
    filesystem), counting and hashing it: the stored file then appears whole or not at
    all. A download already there is used where it lies."""
    incoming = Path(settings.COLLECTION_TEMP_DIR)
    incoming.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    path = getattr(content, "temporary_file_path", lambda: None)()
    if path and Path(path).resolve().parent == incoming.resolve():
        with open(path, "rb") as source:
            while chunk := source.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
        return _Spooled(open(path, "rb"), name=name), size, digest.hexdigest()  # noqa: SIM115
    spool = tempfile.NamedTemporaryFile(dir=incoming, prefix=".receiving-", delete=False)  # noqa: SIM115
    try:
        if hasattr(content, "seek"):
            content.seek(0)
        while chunk := content.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
            spool.write(chunk)
        spool.flush()
        spool.seek(0)
    except BaseException:
        spool.close()
        os.unlink(spool.name)
        raise
    return _Spooled(spool, name=name), size, digest.hexdigest()


def processed_twin(carrier_file: CarrierFile) -> CarrierFile | None:
    """An earlier file of the provider with the same content, already processed."""
    return (
        CarrierFile.objects.filter(
            provider_id=carrier_file.provider_id,
            kind=carrier_file.kind,
            sha256=carrier_file.sha256,
            status__in=[Status.PROCESSED, Status.PROCESSED_WITH_EXCEPTIONS],
        )
        .exclude(pk=carrier_file.pk)
        .first()
    )


def carrier_file_receive(
    *,
    provider: Provider,
    name: str,
    content: IO[bytes],
    source: str = CarrierFileSourceChoices.COMMAND,
    kind: str | None = None,
    acting_user=None,
) -> CarrierFile:
    """Keep the file's raw bytes and record it. Its content hash decides whether it
    is new or a duplicate of a file already processed (whatever its name).

    The row comes first, so that every file received is recorded whatever happens
    next; the bytes are then copied beside the storage and moved into place by a
    rename, so no partial file is ever stored. A gzip that is truncated, corrupt or
    inflates beyond ``DECOMPRESSED_MAX_BYTES`` is kept and recorded as rejected; a
    failure to store it marks the row failed. A row left ``received`` with no
    content hash (a kill half-way) is flagged once it is ``STUCK_FILE_MINUTES``
    old."""
    check_file_name(name)
    info = parse_file_name(name)
    kind = kind or info.kind or CarrierFileKindChoices.CTOP
    carrier_file = CarrierFile.objects.create(
        provider=provider,
        kind=kind,
        name=name,
        sequence=info.sequence,
        produced_at=info.produced_at,
        size=0,
        sha256="",
        source=source,
        received_by=acting_user,
    )
    try:
        spooled, size, raw_sha256 = spool(content, name)
        try:
            carrier_file.stored.save(name, spooled, save=False)
        finally:
            spooled.close()
            if (
                os.path.exists(spooled.temporary_file_path())
                and spooled.temporary_file_path() != getattr(content, "temporary_file_path", lambda: None)()
            ):
                os.unlink(spooled.temporary_file_path())
        carrier_file.size = size
        carrier_file.sha256 = raw_sha256
        carrier_file.save(update_fields=["stored", "size", "sha256"])
    except Exception as exc:
        logger.exception("could not store %s for %s", name, provider.slug)
        return _mark_failed(
            carrier_file.pk,
            f"could not be stored: {exc}",
            "Nothing of it was kept or billed: receive it again (collection fetches it again).",
        )
    try:
        if size >= 2 and carrier_file.stored.open("rb").read(2) == GZIP_MAGIC:
            carrier_file.sha256 = _content_sha256(carrier_file)
    except FileRejected as exc:
        file_reject(carrier_file, str(exc))
        return carrier_file
    finally:
        carrier_file.stored.close()
    twin = processed_twin(carrier_file)
    if twin:
        _finish_duplicate(carrier_file, twin)
    else:
        carrier_file.save(update_fields=["sha256"])
    logger.info(
        "received %s for %s (%s bytes, %s)",
        name,
        provider.slug,
        carrier_file.size,
        carrier_file.status,
    )
    return carrier_file


# ---------------------------------------------------------------------------
# Processing
# ---------------------------------------------------------------------------


REPROCESSABLE = (Status.RECEIVED, Status.REJECTED, Status.FAILED, Status.PROCESSING)


def _mark_processing(carrier_file_id: int) -> None:
    """Shown while the file's transaction runs; a kill leaves it here, flagged once it
    is older than ``STUCK_FILE_MINUTES``, to be re-run."""
    CarrierFile.objects.filter(pk=carrier_file_id, status__in=REPROCESSABLE).update(
        status=Status.PROCESSING, processing_since=timezone.now()
    )


def _mark_failed(
    carrier_file_id: int,
    reason: str,
    remedy: str = "Nothing of it was billed; re-process it once the cause is fixed.",
) -> CarrierFile:
    """Record an unexpected failure on the file, in its own transaction (the
    processing's has rolled back), so that it is listed and can be re-processed."""
    with transaction.atomic():
        CarrierFile.objects.filter(pk=carrier_file_id).update(
            status=Status.FAILED,
            reason=f"Failed: {reason[:2000]}. {remedy}",
            processed_at=timezone.now(),
        )
    return CarrierFile.objects.get(pk=carrier_file_id)


def carrier_file_process(*, carrier_file_id: int, acting_user=None) -> CarrierFile:
    """Process a received file: all its records and its status in one transaction;
    then, if the file changed much of the usage table, fresh planner statistics.

    Any unexpected error rolls the file's transaction back and marks it failed with
    the reason (never left ``processing``); it is logged with its traceback."""
    try:
        carrier_file = _process(carrier_file_id)
    except Exception as exc:
        logger.exception("processing of carrier file %s failed", carrier_file_id)
        if connection.needs_rollback and connection.in_atomic_block:
            raise  # inside a caller's transaction: it decides
        return _mark_failed(carrier_file_id, f"{type(exc).__name__}: {exc}")
    after = processor_for(carrier_file.kind).after
    if after is not None:
        after(carrier_file)
    return carrier_file


def _process(carrier_file_id: int) -> CarrierFile:
    _mark_processing(carrier_file_id)
    with transaction.atomic():
        provider_id = CarrierFile.objects.values_list("provider_id", flat=True).get(pk=carrier_file_id)
        # One provider's files are processed one at a time: record ids are unique per provider.
        provider = Provider.objects.select_for_update().get(pk=provider_id)
        carrier_file = CarrierFile.objects.select_for_update().get(pk=carrier_file_id)
        if carrier_file.is_final:
            return carrier_file
        if not carrier_file.stored:
            raise FileNotFoundError(f"{carrier_file.name} was never stored completely: receive it again")
        twin = processed_twin(carrier_file)
        if twin:
            _finish_duplicate(carrier_file, twin)
            return carrier_file
        processor_for(carrier_file.kind).process(provider, carrier_file)
    return carrier_file


def _finish_duplicate(carrier_file: CarrierFile, twin: CarrierFile) -> None:
    carrier_file.status = Status.DUPLICATE
    carrier_file.duplicate_of = twin
    carrier_file.reason = f"Same content as {twin.name}, already processed: nothing billed."
    carrier_file.processed_at = timezone.now()
    carrier_file.save()


def account_mismatch(provider: Provider, carrier_file: CarrierFile) -> str | None:
    """Why the file's name says it is not the provider's, if it does."""
    info = parse_file_name(carrier_file.name)
    if info.account and info.account.lstrip("0") != provider.aapt_account.lstrip("0"):
        return f"the file name is for AAPT account {info.account}, not {provider}'s account {provider.aapt_account}"
    return None
