"""The front page of the admin, per role: what needs doing today.

Each item is a count (or a fact) with a link to the page that shows it; an item
is shown only to a user who may open that page, so the front page never leads to
a 403. Sections follow permissions, not group names, so a superuser sees them
all and a user with two roles sees both. Named in settings.UNFOLD["DASHBOARD_CALLBACK"].
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince

from providers.choices import BillPeriodStatusChoices
from providers.models import BillPeriod, Provider
from providers.scoping import scope_queryset
from provisioning.choices import OrderStateChoices as OrderState
from provisioning.choices import ServiceFeatureStatusChoices
from provisioning.models import OPEN_STATES, Order, ServiceFeature
from ssaas.common.formats import day_time, money
from usage.attention import failed_files, rejected_files, stuck_files
from usage.carrier_files.choices import CarrierFileKindChoices, CarrierFileStatusChoices
from usage.carrier_files.models import CarrierFile
from usage.carrier_files.sequence import visible_sequence_gaps
from usage.coce.models import OtherChargeException
from usage.collection.selectors import ctop_late, latest_collections
from usage.ctop.choices import UsageRecordReasonChoices
from usage.ctop.selectors import quarantine_by_reason


@dataclass
class Item:
    label: str
    value: str | int
    url: str = ""
    level: str = ""  # "", "warning" or "danger": how much it asks for attention
    detail: str = ""


@dataclass
class Section:
    title: str
    items: list[Item] = field(default_factory=list)


def _url(name: str, args=None, **query) -> str:
    url = reverse(name, args=args)
    return f"{url}?{urlencode(query)}" if query else url


def _level(count: int, level: str = "warning") -> str:
    return level if count else ""


def provisioning_section(user) -> Section | None:
    # For those who work orders (billing staff only read them).
    if not user.has_perm("provisioning.change_order"):
        return None
    orders = scope_queryset(Order.objects.all(), user)
    queue = "admin:provisioning_order_changelist"
    unassigned = orders.filter(state=OrderState.SUBMITTED, assignee__isnull=True).count()
    mine = orders.filter(state__in=OPEN_STATES, assignee=user).count()
    halted = orders.filter(state=OrderState.HALTED).count()
    oldest = orders.filter(state__in=OPEN_STATES).order_by("created_at", "pk").first()
    section = Section("Provisioning")
    section.items += [
        Item(
            "Orders submitted, nobody on them",
            unassigned,
            _url(queue, state=OrderState.SUBMITTED, assigned="nobody"),
            _level(unassigned),
        ),
        Item("Open orders assigned to me", mine, _url(queue, assigned="me")),
        Item("Orders halted", halted, _url(queue, state=OrderState.HALTED), _level(halted, "danger")),
    ]
    if oldest is not None:
        section.items.append(
            Item(
                "Oldest open order",
                timesince(oldest.created_at, depth=1),
                reverse("admin:provisioning_order_change", args=[oldest.pk]),
                detail=f"#{oldest.pk}, {oldest.get_kind_display()}, {oldest.get_state_display().lower()}",
            )
        )
    else:
        section.items.append(Item("Oldest open order", "none open", _url(queue)))
    return section


def _open_periods(providers) -> dict[int, BillPeriod]:
    """Each provider's bill period holding today (its own date), or the calendar month."""
    from providers.months import period_for

    periods = {}
    for provider in providers:
        today = provider.local_date(timezone.now())
        found = BillPeriod.objects.filter(provider=provider, start_date__lte=today, end_date__gte=today).first()
        periods[provider.pk] = found or period_for(provider, f"{today:%Y-%m}")
    return periods


def billing_section(user) -> Section | None:
    items: list[Item] = []
    if user.has_perm("provisioning.view_servicefeature"):
        requested = scope_queryset(ServiceFeature.objects.all(), user).filter(
            status=ServiceFeatureStatusChoices.REQUESTED
        )
        count = requested.count()
        items.append(
            Item(
                "Features requested, not yet active",
                count,
                _url("admin:provisioning_servicefeature_changelist", status__exact="requested"),
                _level(count),
            )
        )
    if user.has_perm("usage.view_quarantinedrecord"):
        by_reason = quarantine_by_reason(user)
        for group in by_reason:
            items.append(
                Item(
                    f"Quarantine: {UsageRecordReasonChoices(group['reason']).label}",
                    group["records"],
                    _url("admin:usage_quarantinedrecord_groups", reason=group["reason"]),
                    "warning",
                    detail=f"{money(group['cost'])} of AAPT cost at stake",
                )
            )
        if not by_reason:
            items.append(Item("Quarantine", 0, reverse("admin:usage_quarantinedrecord_groups")))
    if user.has_perm("usage.view_otherchargeexception"):
        count = scope_queryset(OtherChargeException.objects.all(), user).count()
        items.append(
            Item("COCE exceptions", count, reverse("admin:usage_otherchargeexception_changelist"), _level(count))
        )
    if user.has_perm("usage.view_reconciliation"):
        from providers.months import period_slug
        from usage.reconciliation.report import has_anything_to_reconcile, open_product_differences

        providers = list(scope_queryset(Provider.objects.filter(is_active=True), user).order_by("name"))
        for provider, period in zip(providers, _open_periods(providers).values(), strict=True):
            if not has_anything_to_reconcile(provider=provider, period=period):
                continue  # no bill period, no COCE: nothing to differ
            open_differences = open_product_differences(provider=provider, period=period)
            items.append(
                Item(
                    f"Reconciliation differences, {provider.name} {period.label}",
                    open_differences,
                    reverse("admin:usage_reconciliation_detail", args=[provider.pk, period_slug(period)]),
                    _level(open_differences),
                )
            )
    if user.has_perm("usage.view_carrierfile"):
        files = scope_queryset(CarrierFile.objects.all(), user)
        changelist = "admin:usage_carrierfile_changelist"
        processing = files.filter(status=CarrierFileStatusChoices.PROCESSING)
        stuck = stuck_files(user).count()
        failed = failed_files(user).count()
        rejected = rejected_files(user).count()
        items += [
            Item("Files processing", processing.count(), _url(changelist, status__exact="processing")),
            Item(
                f"Files stuck (processing over {settings.STUCK_FILE_MINUTES} minutes)",
                stuck,
                _url(changelist, stuck="yes"),
                _level(stuck, "danger"),
            ),
            Item("Files failed", failed, _url(changelist, status__exact="failed"), _level(failed, "danger")),
            Item("Files rejected", rejected, _url(changelist, status__exact="rejected"), _level(rejected, "danger")),
        ]
    if user.has_perm("providers.view_billperiod"):
        due = (
            scope_queryset(BillPeriod.objects.all(), user)
            .filter(status=BillPeriodStatusChoices.OPEN, end_date__lt=timezone.localdate())
            .count()
        )
        items.append(
            Item(
                "Bill periods ended, still open",
                due,
                _url("admin:providers_billperiod_changelist", status__exact="open"),
                _level(due),
            )
        )
    return Section("Billing", items) if items else None


def providers_section(user) -> Section | None:
    """For provider administrators and superusers: each provider's files and collection."""
    if not user.has_perm("usage.view_providercollection") or not user.has_perm("usage.view_carrierfile"):
        return None
    providers = list(scope_queryset(Provider.objects.filter(is_active=True), user).order_by("name"))
    by_id = {p.pk: p for p in providers}
    last_ctop = dict(
        CarrierFile.objects.filter(provider__in=providers, kind=CarrierFileKindChoices.CTOP)
        .values("provider_id")
        .annotate(last=Max("received_at"))
        .values_list("provider_id", "last")
    )
    collections = latest_collections(by_id)
    late = ctop_late(providers)
    section = Section("Providers")
    for provider in providers:
        last = last_ctop.get(provider.pk)
        collection = collections.get(provider.pk)
        detail = f"collection: {collection.get_status_display().lower()}" if collection else "never collected"
        section.items.append(
            Item(
                f"{provider.name}: last CTOP file",
                day_time(timezone.localtime(last)) if last else "none yet",
                _url("admin:usage_carrierfile_changelist", provider__id__exact=provider.pk, kind__exact="ctop"),
                "danger" if provider.pk in late else "",
                detail=detail + ("; late today" if provider.pk in late else ""),
            )
        )
    section.items.append(
        Item(
            "Providers late with today's CTOP file",
            len(late),
            reverse("admin:usage_providercollection_changelist"),
            _level(len(late), "danger"),
        )
    )
    gaps = visible_sequence_gaps(user)
    section.items.append(
        Item(
            "Sequence gaps",
            len(gaps),
            reverse("admin:usage_carrierfile_changelist"),
            _level(len(gaps), "danger"),
            detail="; ".join(g.describe() for g in gaps[:3]),
        )
    )
    if user.has_perm("django_q.view_failure"):
        from django_q.models import Failure

        failed = Failure.objects.count()
        section.items.append(
            Item("Background tasks failed", failed, reverse("admin:django_q_failure_changelist"), _level(failed))
        )
    return section


def front_page(user) -> list[Section]:
    sections = [provisioning_section(user), billing_section(user), providers_section(user)]
    return [s for s in sections if s is not None]


def dashboard_callback(request, context):
    context["front_page"] = front_page(request.user)
    if request.user.has_perm("usage.view_usagerecord"):
        from usage.attention import usage_per_day

        from .common.charts import usage_charts

        context["usage_charts"] = usage_charts(usage_per_day(request.user))
    return context
