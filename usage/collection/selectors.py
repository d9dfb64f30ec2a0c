"""What staff must see about collection without looking for it: failed collections,
a CTOP file that is late, and gaps in the files' sequence numbers."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Max, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from providers.models import Provider
from providers.scoping import scope_queryset
from ssaas.common import formats
from usage.carrier_files.choices import CarrierFileKindChoices, CarrierFileStatusChoices
from usage.carrier_files.models import CarrierFile
from usage.carrier_files.sequence import sequence_gaps
from usage.collection.choices import ProviderCollectionStatusChoices as Status
from usage.collection.models import ProviderCollection

VIEW_PERMISSION = "usage.view_providercollection"
_FINISHED = [Status.SUCCEEDED, Status.COMPLETED_WITH_ERRORS, Status.FAILED]


@dataclass(frozen=True)
class AttentionItem:
    """One line of the admin's "needs attention" panel."""

    level: str  # "error" or "warning"
    kind: str  # "collection_failed", "collection_errors", "ctop_late", "sequence_gap"
    provider_id: int
    provider_name: str
    message: str
    url: str = ""


def _url(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def collectable_providers() -> QuerySet[Provider]:
    """Active providers with an FTP host and username: those collected every day."""
    return Provider.objects.filter(is_active=True).exclude(ftp_host="").exclude(ftp_username="")


# ---------------------------------------------------------------------------
# Late CTOP files
# ---------------------------------------------------------------------------


def ctop_late(
    providers: Iterable[Provider], *, now: datetime.datetime | None = None
) -> dict[int, datetime.datetime | None]:
    """Providers (by id) with no new CTOP file today although it is past CTOP_LATE_HOUR
    in their own zone, with when their last one came (None: never)."""
    now = now or timezone.now()
    providers = list(providers)
    latest = dict(
        CarrierFile.objects.filter(provider__in=[p.pk for p in providers], kind=CarrierFileKindChoices.CTOP)
        .exclude(status=CarrierFileStatusChoices.DUPLICATE)
        .values("provider_id")
        .annotate(latest=Max("received_at"))
        .values_list("provider_id", "latest")
    )
    late: dict[int, datetime.datetime | None] = {}
    for provider in providers:
        local_now = now.astimezone(provider.tz)
        if local_now.hour < settings.CTOP_LATE_HOUR:
            continue
        midnight = datetime.datetime.combine(local_now.date(), datetime.time(), provider.tz)
        last = latest.get(provider.pk)
        if last is None or last < midnight:
            late[provider.pk] = last
    return late


# ---------------------------------------------------------------------------
# The latest collections
# ---------------------------------------------------------------------------


def latest_collections(provider_ids: Iterable[int]) -> dict[int, ProviderCollection]:
    """Each provider's latest finished collection (busy skips aside)."""
    ids = (
        ProviderCollection.objects.filter(provider_id__in=list(provider_ids), status__in=_FINISHED)
        .values("provider_id")
        .annotate(latest=Max("id"))
        .values_list("latest", flat=True)
    )
    return {c.provider_id: c for c in ProviderCollection.objects.filter(pk__in=list(ids)).select_related("provider")}


def recent_collections(provider: Provider, *, limit: int = 10) -> list[ProviderCollection]:
    return list(
        ProviderCollection.objects.filter(provider=provider)
        .select_related("run", "run__requested_by")
        .order_by("-id")[:limit]
    )


# ---------------------------------------------------------------------------
# The attention panel
# ---------------------------------------------------------------------------


def collection_attention(
    user, *, provider_ids: Iterable[int] | None = None, now: datetime.datetime | None = None
) -> list[AttentionItem]:
    """What needs attention about collection, for the providers ``user`` may see:
    failed collections, CTOP files late today, sequence gaps. Empty without the
    permission to view collections."""
    if not user.has_perm(VIEW_PERMISSION):
        return []
    providers = collectable_providers()
    if provider_ids is not None:
        providers = providers.filter(pk__in=provider_ids)
    providers = list(scope_queryset(providers, user).order_by("name"))
    by_id = {p.pk: p for p in providers}
    items: list[AttentionItem] = []
    for provider_id, collection in latest_collections(by_id).items():
        if collection.status == Status.SUCCEEDED:
            continue
        failed = collection.status == Status.FAILED
        when = timezone.localtime(collection.finished_at or collection.started_at)
        detail = collection.error if failed else f"{collection.file_errors} file error(s)"
        items.append(
            AttentionItem(
                level="error" if failed else "warning",
                kind="collection_failed" if failed else "collection_errors",
                provider_id=provider_id,
                provider_name=by_id[provider_id].name,
                message=f"collection {formats.day_time(when)} {collection.get_status_display().lower()}: {detail}",
                url=_url("admin:usage_providercollection_change", collection.pk),
            )
        )
    for provider_id, last in ctop_late(providers, now=now).items():
        since = f"last one received {formats.day_time(timezone.localtime(last))}" if last else "none yet"
        items.append(
            AttentionItem(
                level="warning",
                kind="ctop_late",
                provider_id=provider_id,
                provider_name=by_id[provider_id].name,
                message=f"no new CTOP file today by {settings.CTOP_LATE_HOUR}:00 ({since})",
                url=_url("admin:providers_provider_change", provider_id),
            )
        )
    for gap in sequence_gaps(by_id):
        items.append(
            AttentionItem(
                level="warning",
                kind="sequence_gap",
                provider_id=gap.provider_id,
                provider_name=by_id[gap.provider_id].name,
                message=gap.describe(),
                url=_url("admin:providers_provider_change", gap.provider_id),
            )
        )
    return sorted(items, key=lambda i: (i.level != "error", i.provider_name, i.kind))
