"""Read queries shared by the admin, commands and tasks."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Max, Min, Q, Sum
from django.utils import timezone

from providers.choices import ProviderIdentificationMethodChoices as Method
from providers.models import AAPT_DEFAULT_REALM, Provider
from providers.scoping import scope_queryset, visible_provider_ids
from provisioning.choices import ServiceIdentifierKindChoices as Kind
from provisioning.models import ServiceIdentifier
from provisioning.normalise import normalise_group_id, normalise_number

from .choices import CarrierFileKindChoices, CarrierFileStatusChoices
from .collection.selectors import SequenceGap, collection_attention
from .collection.selectors import sequence_gaps as collection_sequence_gaps
from .models import CarrierFile, QuarantinedRecord

# ---------------------------------------------------------------------------
# Quarantine
# ---------------------------------------------------------------------------


def quarantine_groups(user, *, provider_id: int | None = None, reason: str | None = None):
    """Quarantined records grouped by provider, reason and identifier, largest first."""
    queryset = scope_queryset(QuarantinedRecord.objects.all(), user)
    if provider_id:
        queryset = queryset.filter(provider_id=provider_id)
    if reason:
        queryset = queryset.filter(reason=reason)
    return (
        queryset.values("provider_id", "provider__name", "reason", "identifier")
        .annotate(
            records=Count("id"),
            first_day=Min("call_date"),
            last_day=Max("call_date"),
            aapt_cost=Sum("aapt_cost"),
            username=Min("username"),
            group_id=Min("group_id"),
        )
        .order_by("-records", "provider__name", "identifier")
    )


def quarantine_counts(user, *, cap: int = 10_000) -> list[dict]:
    """Per provider with records in quarantine: how many (counted up to ``cap`` + 1,
    so that a large quarantine costs no more to show than a small one)."""
    counts = []
    for provider in scope_queryset(Provider.objects.order_by("name"), user):
        records = QuarantinedRecord.objects.filter(provider=provider)[: cap + 1].count()
        if records:
            counts.append(
                {
                    "provider_id": provider.pk,
                    "provider__name": provider.name,
                    "records": records,
                    "capped": records > cap,
                }
            )
    return sorted(counts, key=lambda c: -c["records"])


def _describe(identifier: ServiceIdentifier) -> str:
    service = identifier.service
    return f"{service.reference} ({service.customer.name})"


def _period(identifier: ServiceIdentifier) -> str:
    start = f"{identifier.active_from:%d/%m/%Y}"
    return f"{start}–{identifier.active_to:%d/%m/%Y}" if identifier.active_to else f"from {start}"


def _as_number(text: str) -> str | None:
    return normalise_number(text) if text[:1].isdigit() or text[:1] == "+" else None


class QuarantineHints:
    """Hints at the service a quarantined identifier probably belongs to.

    Loads each provider's identifiers once, so a page of groups costs one query
    per provider on it (and one for other providers), not several per group."""

    NEAR = 100  # how many numbers away a range is "next door"

    def __init__(self, user) -> None:
        self.user = user
        self._own: dict[int, list[ServiceIdentifier]] = {}
        self.service_id: int | None = None  # the service the last hint named, if any

    def _identifiers(self, provider: Provider) -> list[ServiceIdentifier]:
        if provider.pk not in self._own:
            self._own[provider.pk] = list(
                ServiceIdentifier.objects.filter(service__provider=provider).select_related("service__customer")
            )
        return self._own[provider.pk]

    def hint(self, *, provider: Provider, identifier: str, username: str, group_id: str) -> str:
        """In order: the identifier on one of the provider's services on other dates;
        the same number or user under another identification method; a hosted range
        of the provider next door; the identifier at another provider the user sees."""
        self.service_id = None
        own = self._identifiers(provider)
        ranges = [i for i in own if i.kind == Kind.NUMBER_RANGE]
        for held in own:
            if held.kind != Kind.NUMBER_RANGE and held.value == identifier:
                self.service_id = held.service_id
                return f"{held.value} is on {_describe(held)} {_period(held)}: check the dates"
        number = _as_number(identifier)
        if number:
            for held in ranges:
                if held.contains_number(number):
                    self.service_id = held.service_id
                    return f"inside range {held.value} of {_describe(held)} {_period(held)}: check the dates"
        for label, kind, value in _other_methods(provider, username, group_id):
            for held in own:
                if (held.kind == kind and held.value == value) or (
                    kind == Kind.FNN and held.kind == Kind.NUMBER_RANGE and held.contains_number(value)
                ):
                    self.service_id = held.service_id
                    return f"matches {_describe(held)} by {label} {value}"
        if number:
            for held in ranges:
                if len(held.number_first) == len(number) and self.NEAR >= min(
                    abs(int(number) - int(held.number_first)), abs(int(number) - int(held.number_last))
                ):
                    self.service_id = held.service_id
                    return f"next to range {held.value} of {_describe(held)}"
        elsewhere = ServiceIdentifier.objects.filter(value__in={identifier, number} - {None}).exclude(
            service__provider=provider
        )
        visible = visible_provider_ids(self.user)
        if visible is not None:
            elsewhere = elsewhere.filter(service__provider_id__in=visible)
        other = elsewhere.select_related("service__customer", "service__provider").first()
        if other:
            return f"{other.value} belongs to {other.service.provider}: {_describe(other)}"
        return ""


def missing_rate_hint(*, provider_id: int, identifier: str) -> str:
    """For "No price": which plan lacks a rate for which call category, each with a
    link to add that rate (HTML)."""
    from django.urls import reverse
    from django.utils.html import format_html_join

    from provisioning.choices import PlanRateCategoryChoices
    from provisioning.models import ServicePlan

    pairs = (
        QuarantinedRecord.objects.filter(provider_id=provider_id, reason="no_price", identifier=identifier)
        .exclude(plan=None)
        .values_list("plan_id", "category")
        .distinct()
        .order_by("plan_id", "category")[:10]
    )
    pairs = list(pairs)
    if not pairs:
        return ""
    plans = ServicePlan.objects.in_bulk({plan_id for plan_id, _ in pairs})
    add = reverse("admin:provisioning_planrate_add")
    labels = dict(PlanRateCategoryChoices.choices)
    return format_html_join(
        "; ",
        'no {} rate on plan {}: <a href="{}?plan={}&amp;category={}">Add rate</a>',
        (
            (labels.get(category, category or "unknown").lower(), plans[plan_id].name, add, plan_id, category)
            for plan_id, category in pairs
        ),
    )


def _other_methods(provider: Provider, username: str, group_id: str):
    """The identifiers other identification methods would read from the record."""
    user, _, realm = username.partition("@")
    if provider.identification_method != Method.GROUP_ID and group_id:
        yield "Group ID", Kind.GROUP_ID, normalise_group_id(group_id)
    if provider.identification_method != Method.DISTINCT_USERNAME and realm == AAPT_DEFAULT_REALM:
        number = _as_number(user)
        if number:
            yield "FNN", Kind.FNN, number
        yield "username", Kind.USERNAME, user
    if provider.identification_method != Method.CUSTOM_REALM and realm:
        yield "username@realm", Kind.USERNAME_REALM, username


# ---------------------------------------------------------------------------
# Files: gaps, rejections, silence
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ProviderGap:
    """A run of sequence numbers missing at a provider, for people to read."""

    provider_id: int
    provider_name: str
    gap: SequenceGap

    def describe(self) -> str:
        return f"{self.provider_name}: {self.gap.describe()}"


def sequence_gaps(user, *, provider_id: int | None = None) -> list[ProviderGap]:
    """CTOP/COCE sequence numbers missing between two files received, at the
    providers the user sees (collected or uploaded alike)."""
    providers = scope_queryset(Provider.objects.all(), user)
    if provider_id:
        providers = providers.filter(pk=provider_id)
    names = dict(providers.values_list("id", "name"))
    return sorted(
        (ProviderGap(gap.provider_id, names[gap.provider_id], gap) for gap in collection_sequence_gaps(names)),
        key=lambda g: (g.provider_name, g.gap.kind, g.gap.after),
    )


def rejected_files(user):
    return (
        scope_queryset(CarrierFile.objects.all(), user)
        .filter(status=CarrierFileStatusChoices.REJECTED)
        .select_related("provider")
        .order_by("-received_at")
    )


def failed_files(user):
    """Files whose processing failed unexpectedly (nothing of them billed): re-process them."""
    return (
        scope_queryset(CarrierFile.objects.all(), user)
        .filter(status=CarrierFileStatusChoices.FAILED)
        .select_related("provider")
        .order_by("-received_at")
    )


def stuck_files(user, *, now: datetime.datetime | None = None):
    """Files processing for longer than ``STUCK_FILE_MINUTES`` (a killed worker), or
    received that long ago and never stored whole (a kill during receive)."""
    since = (now or timezone.now()) - datetime.timedelta(minutes=settings.STUCK_FILE_MINUTES)
    Status = CarrierFileStatusChoices
    return (
        scope_queryset(CarrierFile.objects.all(), user)
        .filter(
            Q(status=Status.PROCESSING, processing_since__lt=since)
            | Q(status=Status.PROCESSING, processing_since__isnull=True, received_at__lt=since)
            | Q(status=Status.RECEIVED, sha256="", received_at__lt=since)
        )
        .select_related("provider")
        .order_by("received_at")
    )


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
        "gaps": sequence_gaps(user) if sees_files else [],
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
    from django.db.models import DecimalField, Q

    from .choices import UsageRecordStatusChoices
    from .models import UsageRecord

    today = today or timezone.localdate()
    first = today - datetime.timedelta(days=days - 1)
    rows = (
        scope_queryset(UsageRecord.objects.all(), user)
        .filter(call_date__gte=first, call_date__lte=today)
        .values("provider_id", "provider__name", "call_date")
        .annotate(
            calls=Count("id"),
            charge=Sum(
                "charge",
                filter=Q(status=UsageRecordStatusChoices.RATED),
                output_field=DecimalField(max_digits=18, decimal_places=2),
            ),
            cost=Sum("aapt_cost", output_field=DecimalField(max_digits=18, decimal_places=6)),
        )
        .order_by("provider__name", "call_date")
    )
    result: dict[int, dict] = {}
    for row in rows:
        entry = result.setdefault(row["provider_id"], {"name": row["provider__name"], "days": {}})
        entry["days"][row["call_date"]] = (row["calls"], row["charge"] or 0, row["cost"] or 0)
    return result


def identifier_fix_url(*, provider: Provider, identifier: str, first_day: datetime.date, service_id: int | None) -> str:
    """The "add identifier" page filled in for a quarantined identifier: its kind as
    the provider identifies usage, the value, dated from the earliest call, and the
    service a hint named (if any)."""
    from urllib.parse import urlencode

    from django.urls import reverse

    if _as_number(identifier):
        kind = Kind.FNN
    else:
        kind = {
            Method.GROUP_ID: Kind.GROUP_ID,
            Method.DISTINCT_USERNAME: Kind.USERNAME,
            Method.CUSTOM_REALM: Kind.USERNAME_REALM,
        }.get(provider.identification_method, Kind.GROUP_ID)
    query = {"kind": kind, "value": identifier, "active_from": f"{first_day:%d/%m/%Y}"}
    if service_id:
        query["service"] = service_id
    return f"{reverse('admin:provisioning_serviceidentifier_add')}?{urlencode(query)}"
