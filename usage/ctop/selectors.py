"""Reads of CTOP usage: quarantine groups, counts and the hints that help fix them."""

from __future__ import annotations

import datetime

from django.db.models import Count, Max, Min, Sum, Value

from providers.choices import ProviderIdentificationMethodChoices as Method
from providers.models import AAPT_DEFAULT_REALM, Provider
from providers.scoping import scope_queryset, visible_provider_ids
from provisioning.choices import ServiceIdentifierKindChoices as Kind
from provisioning.models import ServiceIdentifier
from provisioning.normalise import normalise_group_id, normalise_number
from ssaas.common.formats import day
from usage.ctop.models import QuarantinedRecord

# ---------------------------------------------------------------------------
# Quarantine
# ---------------------------------------------------------------------------


def _each_provider(queryset, provider_ids, **annotations):
    """``queryset`` (quarantined records, aggregated) asked of each provider apart
    and put together with UNION ALL; ``annotations`` maps a name to a value per
    provider id.

    With an equality on the provider, PostgreSQL totals a provider's quarantine
    from usage_quarantine_cover alone (tens of milliseconds for 83,000 records).
    Given a list of providers it estimates the partial index of unbilled records
    cheaper, then visits the table for each record: quarantined records lie
    scattered through it, so that is nearly every page (a second at 5M records)."""
    parts = [
        queryset.filter(provider_id=pk).annotate(**{name: Value(values[pk]) for name, values in annotations.items()})
        for pk in provider_ids
    ]
    if not parts:
        return queryset.annotate(**{name: Value(0) for name in annotations}).none()
    first, *rest = parts
    return first.union(*rest, all=True) if rest else first


def quarantine_by_reason(user) -> list[dict]:
    """Per quarantine reason, over the providers the user sees: how many records
    and their AAPT cost, by reason."""
    ids = scope_queryset(Provider.objects.order_by("pk"), user).values_list("pk", flat=True)
    per_provider = _each_provider(
        QuarantinedRecord.objects.values("reason").annotate(records=Count("*"), cost=Sum("aapt_cost")).order_by(),
        list(ids),
    )
    totals: dict[str, dict] = {}
    for row in per_provider:
        total = totals.setdefault(row["reason"], {"reason": row["reason"], "records": 0, "cost": 0})
        total["records"] += row["records"]
        total["cost"] += row["cost"]
    return [totals[reason] for reason in sorted(totals)]


def quarantine_groups(user, *, provider_id: int | None = None, reason: str | None = None):
    """Quarantined records grouped by provider, reason and identifier, largest first
    (then by the provider's name, then the identifier). Groups carry the provider's
    id, not its name.

    Each provider's groups are totalled apart (``_each_provider``) and ordered by
    the rank of the provider's name, not the name: joining the name to every
    record and sorting on it took longer than the totals themselves."""
    names = scope_queryset(Provider.objects.order_by("name", "pk"), user).values_list("pk", flat=True)
    rank = {pk: n for n, pk in enumerate(names)}
    queryset = QuarantinedRecord.objects.all()
    if reason:
        queryset = queryset.filter(reason=reason)
    groups = queryset.values("provider_id", "reason", "identifier").annotate(
        records=Count("*"),  # not Count("id"): the id is not in the index
        first_day=Min("call_date"),
        last_day=Max("call_date"),
        aapt_cost=Sum("aapt_cost"),
        username=Min("username"),
        group_id=Min("group_id"),
    )
    providers = [pk for pk in rank if not provider_id or pk == int(provider_id)]
    return _each_provider(groups.order_by(), providers, by_name=rank).order_by("-records", "by_name", "identifier")


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
    start = day(identifier.active_from)
    return f"{start}–{day(identifier.active_to)}" if identifier.active_to else f"from {start}"


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


def missing_rate_hint(*, provider_id: int, identifier: str, back: str = "") -> str:
    """For "No price": which plan lacks a rate for which call category, each with a
    link to add that rate (HTML); the add page returns to ``back`` once saved."""
    from urllib.parse import urlencode

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

    def query(plan_id, category) -> str:
        return urlencode({"plan": plan_id, "category": category or "", **({"next": back} if back else {})})

    return format_html_join(
        "; ",
        'no {} rate on plan {}: <a href="{}?{}">Add rate</a>',
        (
            (labels.get(category, category or "unknown").lower(), plans[plan_id].name, add, query(plan_id, category))
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


def identifier_fix_url(
    *, provider: Provider, identifier: str, first_day: datetime.date, service_id: int | None, back: str = ""
) -> str:
    """The "add identifier" page filled in for a quarantined identifier: its kind as
    the provider identifies usage, the value, dated from the earliest call, and the
    service a hint named (if any); saving it returns to ``back`` (the quarantine)."""
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
    query = {"kind": kind, "value": identifier, "active_from": day(first_day)}
    if service_id:
        query["service"] = service_id
    if back:
        query["next"] = back
    return f"{reverse('admin:provisioning_serviceidentifier_add')}?{urlencode(query)}"
