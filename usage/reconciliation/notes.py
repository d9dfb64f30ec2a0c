"""Marking a reconciliation difference as explained."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from providers.models import BillPeriod, Provider
from usage.reconciliation.models import ReconciliationNote


@transaction.atomic
def reconciliation_explain(
    *,
    provider: Provider,
    period: BillPeriod,
    key: str,
    line: str,
    note: str,
    acting_user,
) -> ReconciliationNote | None:
    """Record (or replace) the note explaining line ``key`` of the provider's
    reconciliation for ``period``; an empty note withdraws the explanation."""
    note = note.strip()
    existing = ReconciliationNote.objects.filter(provider=provider, period_start=period.start_date, key=key)
    if not note:
        existing.delete()
        return None
    explained, _ = ReconciliationNote.objects.update_or_create(
        provider=provider,
        period_start=period.start_date,
        key=key,
        defaults={
            "period_end": period.end_date,
            "line": line[:300],
            "note": note,
            "explained_by": acting_user,
            "explained_at": timezone.now(),
        },
    )
    return explained
