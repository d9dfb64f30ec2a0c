"""The front page's reads: what needs attention (quarantine, rejected, failed and
stuck files, sequence gaps, collections, silent providers) and usage per day."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Count, DecimalField, Max, Q, Sum
from django.utils import timezone

from providers.models import Provider
from providers.scoping import scope_queryset
from usage.carrier_files.choices import CarrierFileKindChoices, CarrierFileStatusChoices
from usage.carrier_files.models import CarrierFile, stuck
from usage.carrier_files.sequence import visible_sequence_gaps
from usage.collection.selectors import collection_attention
from usage.ctop.choices import UsageRecordStatusChoices
from usage.ctop.models import UsageRecord
from usage.ctop.selectors import quarantine_counts

# ---------------------------------------------------------------------------
# Files: rejections, failures, silence
# ---------------------------------------------------------------------------


def _files(user, where: Q, *, order: str = "-received_at"):
    """The files ``user`` sees that match ``where``, with their provider, in ``order``."""
    return scope_queryset(CarrierFile.objects.all(), user).filter(where).select_related("provider").order_by(order)


def rejected_files(user):
    return _files(user, Q(status=CarrierFileStatusChoices.REJECTED))


def failed_files(user):
    """Files whose processing failed unexpectedly (nothing of them billed): re-process them."""
    return _files(user, Q(status=CarrierFileStatusChoices.FAILED))


def stuck_files(user, *, now: datetime.datetime | None = None):
    """Files processing for longer than ``STUCK_FILE_MINUTES`` (a killed worker), or
    received that long ago and never stored whole (a kill during receive)."""
    return _files(user, stuck(now), order="received_at")


def silent_providers(user, *, hours: int = 24, now: datetime.datetime | None = None) -> list[dict]:
    """Active providers with no CTOP file received in the last ``hours``."""
    now = now or timezone.now()
    providers = scope_queryset(Provider.objects.filter(is_active=True), user)
    latest = dict(
        CarrierFile.objects.filter(kind=CarrierFileKindChoices.CTOP, provider__in=providers)
        .values("provider_id")
        .annotate(latest=Max("received_at"))
        .values_list("provider_id", "latest")
    )
    silent = []
    for provider in providers.order_by("name"):
        last = latest.get(provider.pk)
        if last is None or now - last > datetime.timedelta(hours=hours):
            silent.append({"provider": provider, "last": last})
    return silent


def attention(user) -> dict:
    """Everything the admin index shows under "Needs attention"."""
    collection = [item for item in collection_attention(user) if item.kind != "sequence_gap"]
    late = {item.provider_id for item in collection if item.kind == "ctop_late"}
    # Each item links to a page: shown only to those who may open it (never a 403).
    sees_quarantine = user.has_perm("usage.view_quarantinedrecord")
    sees_files = user.has_perm("usage.view_carrierfile")
    return {
        "quarantine": quarantine_counts(user) if sees_quarantine else [],
        "rejected_files": list(rejected_files(user)[:10]) if sees_files else [],
        "rejected_total": rejected_files(user).count() if sees_files else 0,
        "failed_files": list(failed_files(user)[:10]) if sees_files else [],
        "failed_total": failed_files(user).count() if sees_files else 0,
        "stuck_files": list(stuck_files(user)[:10]) if sees_files else [],
        "stuck_minutes": settings.STUCK_FILE_MINUTES,
        "gaps": visible_sequence_gaps(user) if sees_files else [],
        "collection": collection,
        # Already flagged as late today: not said twice.
        "silent": [s for s in silent_providers(user) if s["provider"].pk not in late] if sees_files else [],
    }


# ---------------------------------------------------------------------------
# Charts
# ---------------------------------------------------------------------------


def usage_per_day(user, *, days: int = 60, today: datetime.date | None = None) -> dict[int, dict]:
    """Per provider the user sees, per call date over the last ``days`` days: calls,
    charge billed (rated calls) and AAPT's cost (every call). Dates with no calls are
    absent. ``{provider_id: {"name": …, "days": {date: (calls, charge, cost)}}}``."""

    today = today or timezone.localdate()
    first = today - datetime.timedelta(days=days - 1)
    # Grouped by the provider's id alone, named afterwards: grouping millions of
    # rows by the name as well (joined to each row) took a third longer.
    rows = (
        scope_queryset(UsageRecord.objects.all(), user)
        .filter(call_date__gte=first, call_date__lte=today)
        .values("provider_id", "call_date")
        .annotate(
            calls=Count("*"),
            charge=Sum(
                "charge",
                filter=Q(status=UsageRecordStatusChoices.RATED),
                output_field=DecimalField(max_digits=18, decimal_places=2),
            ),
            cost=Sum("aapt_cost", output_field=DecimalField(max_digits=18, decimal_places=6)),
        )
        .order_by()
    )
    rows = list(rows)
    providers = Provider.objects.filter(pk__in={row["provider_id"] for row in rows}).order_by("name", "pk")
    names = dict(providers.values_list("pk", "name"))  # in the database's order of names
    rank = {pk: n for n, pk in enumerate(names)}
    rows.sort(key=lambda row: (rank[row["provider_id"]], row["call_date"]))
    result: dict[int, dict] = {}
    for row in rows:
        entry = result.setdefault(row["provider_id"], {"name": names[row["provider_id"]], "days": {}})
        entry["days"][row["call_date"]] = (row["calls"], row["charge"] or 0, row["cost"] or 0)
    return result
