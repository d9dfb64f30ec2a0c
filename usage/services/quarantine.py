"""Clearing the quarantine: re-process (cleanse) and write off.

Cleansing re-runs identify, bucket and rate on quarantined records with the
provider's set-up as it is now. What passes is billed, once: a record moves
from quarantined to rated in a single guarded UPDATE, so running a cleanse
twice (or two at once) cannot bill it twice. What does not pass stays, with
its new reason.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from providers.models import Provider

from ..choices import QuarantineActionKindChoices
from ..choices import UsageRecordStatusChoices as Status
from ..ctop.identify import ProviderIndex
from ..models import CarrierFile, QuarantineAction, UsageRecord

BATCH = 5000
_FIELDS = (
    "id",
    "carrier_file_id",
    "username",
    "group_id",
    "call_date",
    "raw_units",
    "raw_unittype",
    "target",
    "reason",
    "identifier",
    "service_id",
)
_UPDATED = (
    "status",
    "reason",
    "identifier",
    "service_id",
    "plan_id",
    "category",
    "duration_seconds",
    "billed_seconds",
    "charge",
    "rated_at",
)


@dataclass
class _FileDelta:
    rated: int = 0
    written_off: int = 0
    charge: Decimal = field(default_factory=Decimal)


def _units(text: str) -> int | Decimal:
    try:
        return int(text)
    except ValueError:
        return Decimal(text)


def quarantine_cleanse(
    *,
    provider: Provider,
    acting_user=None,
    record_ids: Iterable[int] | None = None,
    note: str = "",
) -> QuarantineAction:
    """Re-process the provider's quarantined records (or those of ``record_ids``)."""
    with transaction.atomic():
        provider = Provider.objects.select_for_update().get(pk=provider.pk)
        index = ProviderIndex(provider)
        rated_at = timezone.now()
        action = QuarantineAction(
            provider=provider,
            kind=QuarantineActionKindChoices.CLEANSE,
            acting_user=acting_user,
            note=note,
        )
        files: dict[int, _FileDelta] = defaultdict(_FileDelta)
        queryset = UsageRecord.objects.filter(provider=provider, status=Status.QUARANTINED)
        if record_ids is not None:
            queryset = queryset.filter(id__in=list(record_ids))
        last_id = 0
        while True:
            batch = list(queryset.filter(id__gt=last_id).order_by("id").values_list(*_FIELDS)[:BATCH])
            if not batch:
                break
            last_id = batch[-1][0]
            changes = []
            for (
                rid,
                file_id,
                username,
                group_id,
                day,
                units,
                unittype,
                target,
                old_reason,
                old_ident,
                old_service,
            ) in batch:
                action.considered += 1
                (
                    identifier,
                    service_id,
                    plan_id,
                    reason,
                    category,
                    seconds,
                    billed,
                    cents,
                    charge,
                ) = index.evaluate(username, group_id, day, _units(units), unittype, target)
                if reason is None:
                    action.rated += 1
                    files[file_id].rated += 1
                    files[file_id].charge += Decimal(cents).scaleb(-2)
                    changes.append(
                        (
                            rid,
                            Status.RATED,
                            "",
                            identifier,
                            service_id,
                            plan_id,
                            category,
                            seconds,
                            billed,
                            charge,
                            rated_at,
                        )
                    )
                else:
                    action.still_quarantined += 1
                    if (reason, identifier, service_id) != (old_reason, old_ident, old_service):
                        changes.append(
                            (
                                rid,
                                Status.QUARANTINED,
                                reason,
                                identifier,
                                service_id,
                                plan_id,
                                category,
                                seconds,
                                None,
                                None,
                                None,
                            )
                        )
            _apply(changes)
        for file_id, delta in files.items():
            CarrierFile.objects.filter(pk=file_id).update(
                rated=F("rated") + delta.rated,
                quarantined=F("quarantined") - delta.rated,
                charge_total=F("charge_total") + delta.charge,
            )
        action.save()
    return action


def _apply(changes: list[tuple]) -> None:
    """Write the new outcomes, only onto records still quarantined."""
    if not changes:
        return
    table = UsageRecord._meta.db_table
    if connection.vendor == "postgresql":
        assignments = ", ".join(f"{c} = u.{c}" for c in _UPDATED)
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMP TABLE IF NOT EXISTS cleanse_updates "
                f"(id bigint, {', '.join(_temp_column(c) for c in _UPDATED)}) ON COMMIT DROP"
            )
            cursor.execute("TRUNCATE cleanse_updates")
            with cursor.copy(f"COPY cleanse_updates (id, {', '.join(_UPDATED)}) FROM STDIN") as copy:
                for row in changes:
                    copy.write_row(row)
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM cleanse_updates u "
                f"WHERE {table}.id = u.id AND {table}.status = %s",
                [Status.QUARANTINED],
            )
        return
    with connection.cursor() as cursor:
        placeholders = ", ".join(f"{c} = %s" for c in _UPDATED)
        cursor.executemany(
            f"UPDATE {table} SET {placeholders} WHERE id = %s AND status = %s",
            [(*row[1:], row[0], Status.QUARANTINED) for row in changes],
        )


def _temp_column(name: str) -> str:
    types = {
        "service_id": "bigint",
        "plan_id": "bigint",
        "duration_seconds": "integer",
        "billed_seconds": "integer",
        "charge": "numeric(12, 2)",
        "rated_at": "timestamptz",
    }
    return f"{name} {types.get(name, 'text')}"


def quarantine_write_off(
    *,
    provider: Provider,
    acting_user,
    record_ids: Iterable[int],
    reason: str,
) -> QuarantineAction:
    """Take quarantined records out of billing for good, with the reason recorded."""
    reason = reason.strip()
    if not reason:
        raise ValueError("A write-off needs a reason.")
    with transaction.atomic():
        provider = Provider.objects.select_for_update().get(pk=provider.pk)
        now = timezone.now()
        ids = list(record_ids)
        queryset = UsageRecord.objects.filter(provider=provider, status=Status.QUARANTINED)
        per_file: dict[int, int] = defaultdict(int)
        written = 0
        for start in range(0, len(ids), BATCH):
            chunk = queryset.filter(id__in=ids[start : start + BATCH])
            for file_id in chunk.values_list("carrier_file_id", flat=True):
                per_file[file_id] += 1
            written += chunk.update(
                status=Status.WRITTEN_OFF,
                resolution_note=reason,
                resolved_by=acting_user,
                resolved_at=now,
            )
        for file_id, count in per_file.items():
            CarrierFile.objects.filter(pk=file_id).update(
                quarantined=F("quarantined") - count, written_off=F("written_off") + count
            )
        return QuarantineAction.objects.create(
            provider=provider,
            kind=QuarantineActionKindChoices.WRITE_OFF,
            acting_user=acting_user,
            considered=len(ids),
            written_off=written,
            note=reason,
        )


def quarantined_ids(*, provider: Provider, groups: Iterable[tuple[str, str]]) -> list[int]:
    """Ids of the provider's quarantined records in the given (reason, identifier) groups."""
    ids: list[int] = []
    for reason, identifier in groups:
        ids += UsageRecord.objects.filter(
            provider=provider, status=Status.QUARANTINED, reason=reason, identifier=identifier
        ).values_list("id", flat=True)
    return ids
