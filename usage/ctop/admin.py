"""Usage records and the quarantine in the admin.

These tables reach millions of rows: lists never count them (page by page,
Previous / Next), order by the primary key, and filter only on indexed columns.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from unfold.paginator import InfinitePaginator
from unfold.views import ChangeList
from unfold.widgets import UnfoldAdminTextareaWidget

from providers.models import Provider
from providers.scoping import (
    ProviderScopedAdmin,
    ScopedRelatedFieldListFilter,
    scope_queryset,
    user_may_see_provider,
)
from ssaas.common.admin_mixins import ReadOnlyAdminMixin, clipped
from ssaas.common.formats import day_time, money
from usage.ctop.choices import UsageRecordReasonChoices
from usage.ctop.identify import identifier_forms
from usage.ctop.models import QuarantineAction, QuarantinedRecord, UsageRecord
from usage.ctop.quarantine import quarantine_write_off, quarantined_ids
from usage.ctop.selectors import QuarantineHints, identifier_fix_url, missing_rate_hint, quarantine_groups
from usage.jobs.choices import JobKindChoices
from usage.jobs.services import job_request

# A record's page: every field, AAPT's cost in full and its own names in plain words.
_PLAIN = {"aapt_cost": "aapt_cost_full", "charge": "charge_money", "raw_unittype": "unit_type"}
RECORD_FIELDS = [_PLAIN.get(f.name, f.name) for f in UsageRecord._meta.fields]


class UncountedChangeList(ChangeList):
    """Lists page by page (unfold's infinite paginator: Previous / Next) and never
    counts the table, nor states a count: the paginator's stand-in total is no count.

    The result count is the rows on this page, so "Select all N" across pages (N
    being no count at all) is not offered: actions apply to the rows ticked."""

    def get_results(self, request):
        super().get_results(request)
        self.result_count = self.full_result_count = len(self.result_list)


class _LargeTableAdmin(ReadOnlyAdminMixin, ProviderScopedAdmin):
    paginator = InfinitePaginator  # never a COUNT(*) over millions of rows
    show_full_result_count = False
    sortable_by: tuple = ()
    ordering = ["-id"]
    list_per_page = 100
    # Reachable through links (a service's or a file's records), not listed as filters.
    url_lookups = {"service__id__exact", "carrier_file__id__exact"}

    search_fields = ["identifier", "record_id"]  # matched exactly, below: each has an index
    search_help_text = (
        "An exact identifier (number, username, Group ID) or AAPT record id; within one service's or "
        "one file's records, also a number called or calling."
    )

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        # One indexed equality, so the newest matches come straight off the index.
        if UsageRecord.objects.filter(record_id=term).exists():
            matches = Q(record_id=term)
        else:
            forms = identifier_forms(term)
            found = next((f for f in forms if UsageRecord.objects.filter(identifier=f).exists()), forms[0])
            matches = Q(identifier=found)
        if self.url_lookups & request.GET.keys():
            # Bounded by the service's or file's index: the numbers may be searched too.
            matches |= Q(target=term) | Q(origin=term)
        return queryset.filter(matches), False

    def get_changelist(self, request, **kwargs):
        return UncountedChangeList

    def lookup_allowed(self, lookup, value, request=None):
        return lookup in self.url_lookups or super().lookup_allowed(lookup, value, request)

    def has_cleanse_permission(self, request) -> bool:
        return request.user.has_perm("usage.cleanse_usagerecord")

    @admin.display(description="service")
    def service_reference(self, obj: UsageRecord):
        if obj.service is None:
            return "—"
        return format_html('<span title="{}">{}</span>', obj.service.customer.name, obj.service.reference)

    @admin.display(description="outcome")
    def outcome(self, obj: UsageRecord) -> str:
        if obj.reason:
            return f"{obj.get_status_display()}: {obj.get_reason_display().lower()}"
        return obj.get_status_display()

    @admin.display(description="charge")
    def charge_money(self, obj: UsageRecord) -> str:
        return money(obj.charge) if obj.charge is not None else "—"

    @admin.display(description="AAPT cost")
    def aapt_cost_money(self, obj: UsageRecord) -> str:
        return money(obj.aapt_cost)

    @admin.display(description="AAPT cost")
    def aapt_cost_full(self, obj: UsageRecord) -> str:
        """On the record's own page: every digit AAPT sent (rated_price)."""
        return money(obj.aapt_cost, places=None)

    @admin.display(description="unit type (as AAPT sent it)")
    def unit_type(self, obj: UsageRecord) -> str:
        return obj.raw_unittype

    @admin.display(description="identifier")
    def identifier_short(self, obj: UsageRecord) -> str:
        """The identifier cut to its column; the tooltip has it whole, with the
        BroadWorks user and Group ID the call carried (each on the record's page)."""
        title = "; ".join(
            f"{label} {value}"
            for label, value in (
                ("identifier", obj.identifier),
                ("BroadWorks user", obj.username),
                ("Group ID", obj.group_id),
            )
            if value
        )
        return clipped(obj.identifier, title=title)

    @admin.display(description="number called")
    def target_short(self, obj: UsageRecord) -> str:
        return clipped(obj.target, width="narrow")

    @admin.display(description="seconds")
    def duration(self, obj: UsageRecord) -> int:
        return obj.duration_seconds

    @admin.display(description="started")
    def started(self, obj: UsageRecord) -> str:
        return day_time(obj.started_at.astimezone(obj.provider.tz), seconds=True)


@admin.register(UsageRecord)
class UsageRecordAdmin(_LargeTableAdmin):
    list_display = [
        "started",
        "service_reference",
        "identifier_short",
        "target_short",
        "category",
        "duration",
        "charge_money",
        "aapt_cost_money",
        "outcome",
    ]
    list_filter = ["status", ("provider", ScopedRelatedFieldListFilter)]
    list_select_related = ["service__customer", "provider"]
    readonly_fields = fields = RECORD_FIELDS


class WriteOffForm(forms.Form):
    reason = forms.CharField(
        widget=UnfoldAdminTextareaWidget(attrs={"rows": 3}),
        help_text="Why these records will never be billed (kept with each record).",
    )


@admin.register(QuarantinedRecord)
class QuarantinedRecordAdmin(_LargeTableAdmin):
    list_display = [
        "started",
        "provider",
        "reason_short",
        "identifier_short",  # the BroadWorks user and Group ID in its tooltip
        "target_short",
        "duration",
        "aapt_cost_money",
        "file_link",
    ]
    list_filter = ["reason", ("provider", ScopedRelatedFieldListFilter)]
    list_select_related = ["provider", "carrier_file"]
    url_lookups = _LargeTableAdmin.url_lookups | {"identifier__exact"}
    actions = ["reprocess_selected", "write_off_selected"]
    readonly_fields = fields = RECORD_FIELDS

    @admin.display(description="reason")
    def reason_short(self, obj: UsageRecord) -> str:
        return obj.get_reason_display()

    @admin.display(description="file")
    def file_link(self, obj: UsageRecord):
        """The file's name cut to its column (whole in the tooltip), and the line."""
        url = reverse("admin:usage_carrierfile_change", args=[obj.carrier_file_id])
        name = obj.carrier_file.name
        return format_html(
            '<a href="{}" title="{} line {}"><span class="ssaas-clip ssaas-clip-narrow">{}</span> line {}</a>',
            url,
            name,
            obj.line_number,
            name,
            obj.line_number,
        )

    @admin.action(description="Re-process selected records", permissions=["cleanse"])
    def reprocess_selected(self, request, queryset):
        jobs = [
            job_request(
                kind=JobKindChoices.QUARANTINE_REPROCESS,
                provider=Provider.objects.get(pk=pid),
                requested_by=request.user,
                params={"record_ids": ids},
            )
            for pid, ids in _ids_by_provider(queryset).items()
        ]
        return _follow(self, request, jobs)

    @admin.action(description="Write off selected records…", permissions=["cleanse"])
    def write_off_selected(self, request, queryset):
        form = WriteOffForm(request.POST if "reason" in request.POST else None)
        if form.is_bound and form.is_valid():
            for pid, ids in _ids_by_provider(queryset).items():
                action = quarantine_write_off(
                    provider=Provider.objects.get(pk=pid),
                    acting_user=request.user,
                    record_ids=ids,
                    reason=form.cleaned_data["reason"],
                )
                self.message_user(request, f"{action.written_off} record(s) written off.", messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Write off quarantined records",
            "form": form,
            "count": queryset.count(),
            "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
            "action_name": "write_off_selected",
            # The action was posted to the list as it was filtered (a group's records):
            # back to that list.
            "back_url": request.get_full_path(),
        }
        return TemplateResponse(request, "admin/usage/quarantinedrecord/write_off.html", context)

    # -- the grouped view ------------------------------------------------------

    def get_urls(self):
        return [
            path(
                "groups/",
                self.admin_site.admin_view(self.groups_view),
                name="usage_quarantinedrecord_groups",
            ),
            *super().get_urls(),
        ]

    def groups_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            return self._act_on_groups(request)
        provider_id = request.GET.get("provider") or None
        if provider_id is not None and not provider_id.isdigit():
            provider_id = None
        reason = request.GET.get("reason") or None
        paginator = Paginator(quarantine_groups(request.user, provider_id=provider_id, reason=reason), 50)
        page = paginator.get_page(request.GET.get("page"))
        providers = {p.pk: p for p in Provider.objects.filter(pk__in={g["provider_id"] for g in page})}
        hints = QuarantineHints(request.user)
        may_add_identifier = request.user.has_perm("provisioning.add_serviceidentifier")
        groups = []
        for group in page:
            provider = providers[group["provider_id"]]
            fix_url = ""
            if group["reason"] == UsageRecordReasonChoices.NO_PRICE:
                # The service was found: its plan has no rate for the call's category.
                hint = missing_rate_hint(
                    provider_id=provider.pk, identifier=group["identifier"], back=request.get_full_path()
                )
            else:
                hint = hints.hint(
                    provider=provider,
                    identifier=group["identifier"],
                    username=group["username"],
                    group_id=group["group_id"],
                )
                if (
                    may_add_identifier
                    and group["identifier"]
                    and group["reason"] != UsageRecordReasonChoices.UNSUPPORTED_UNIT
                ):
                    fix_url = identifier_fix_url(
                        provider=provider,
                        identifier=group["identifier"],
                        first_day=group["first_day"],
                        service_id=hints.service_id,
                        back=request.get_full_path(),
                    )
            groups.append(
                {
                    **group,
                    "provider__name": provider.name,
                    "key": f"{group['provider_id']}|{group['reason']}|{group['identifier']}",
                    "reason_label": UsageRecordReasonChoices(group["reason"]).label,
                    "hint": hint,
                    "fix_url": fix_url,
                    "records_url": (
                        f"{reverse('admin:usage_quarantinedrecord_changelist')}"
                        f"?provider__id__exact={group['provider_id']}&reason__exact={group['reason']}"
                        f"&identifier__exact={group['identifier']}"
                    ),
                }
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Quarantine by identifier",
            "groups": groups,
            "page": page,
            "providers": scope_queryset(Provider.objects.order_by("name"), request.user),
            "reasons": UsageRecordReasonChoices.choices,
            "selected_provider": provider_id,
            "selected_reason": reason,
            "can_cleanse": self.has_cleanse_permission(request),
            # Not ``required`` in the browser: the same form re-processes, which needs no reason.
            "write_off_form": WriteOffForm(use_required_attribute=False),
        }
        return TemplateResponse(request, "admin/usage/quarantinedrecord/groups.html", context)

    def _act_on_groups(self, request):
        if not self.has_cleanse_permission(request):
            raise PermissionDenied
        by_provider: dict[int, list[tuple[str, str]]] = {}
        for key in request.POST.getlist("group"):
            parsed = _parse_group_key(key)
            if parsed is None:
                self.message_user(
                    request,
                    f"Not a quarantine group: {key[:80]!r}. Reload the page and select the groups again.",
                    messages.ERROR,
                )
                return redirect(request.get_full_path())
            provider_id, reason, identifier = parsed
            if not user_may_see_provider(request.user, provider_id):
                raise PermissionDenied
            by_provider.setdefault(provider_id, []).append((reason, identifier))
        if not by_provider:
            self.message_user(request, "Select at least one group.", messages.WARNING)
            return redirect(request.get_full_path())
        action = request.POST.get("do")
        form = WriteOffForm(request.POST)
        if action == "write_off" and not form.is_valid():
            self.message_user(request, "A write-off needs a reason.", messages.ERROR)
            return redirect(request.get_full_path())
        jobs = []
        for provider_id, groups in by_provider.items():
            provider = Provider.objects.filter(pk=provider_id).first()
            if provider is None:
                self.message_user(request, f"No provider {provider_id}: nothing done for it.", messages.ERROR)
                continue
            if action != "write_off":
                jobs.append(
                    job_request(
                        kind=JobKindChoices.QUARANTINE_REPROCESS,
                        provider=provider,
                        requested_by=request.user,
                        params={"groups": [list(group) for group in groups]},
                    )
                )
                continue
            done = quarantine_write_off(
                provider=provider,
                acting_user=request.user,
                record_ids=quarantined_ids(provider=provider, groups=groups),
                reason=form.cleaned_data["reason"],
            )
            self.message_user(request, f"{provider}: {done.written_off} record(s) written off.", messages.SUCCESS)
        return _follow(self, request, jobs) if jobs else redirect(request.get_full_path())

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "groups_url": reverse("admin:usage_quarantinedrecord_groups"),
        }
        return super().changelist_view(request, extra_context)


def _parse_group_key(key: str) -> tuple[int, str, str] | None:
    """``provider id|reason|identifier`` as the grouped page posts it, or ``None``."""
    parts = key.split("|", 2)
    if len(parts) != 3 or not parts[0].isdigit() or parts[1] not in UsageRecordReasonChoices.values:
        return None
    return int(parts[0]), parts[1], parts[2]


def _ids_by_provider(queryset) -> dict[int, list[int]]:
    """The selected records' ids, per provider (each provider's records are cleansed
    or written off under that provider's lock)."""
    by_provider: dict[int, list[int]] = {}
    for provider_id, record_id in queryset.values_list("provider_id", "id"):
        by_provider.setdefault(provider_id, []).append(record_id)
    return by_provider


def _follow(model_admin, request, jobs: list) -> HttpResponseRedirect:
    """Re-processing runs on the worker: to its job's page (the jobs list for several)."""
    model_admin.message_user(
        request,
        f"Re-processing queued for {len(jobs)} provider(s); the page shows it running, then its result.",
        messages.INFO,
    )
    if len(jobs) == 1:
        return HttpResponseRedirect(reverse("admin:usage_job_change", args=[jobs[0].pk]))
    return HttpResponseRedirect(reverse("admin:usage_job_changelist") + "?kind__exact=quarantine_reprocess")


@admin.register(QuarantineAction)
class QuarantineActionAdmin(ReadOnlyAdminMixin, ProviderScopedAdmin):
    list_display = [
        "at",
        "provider",
        "kind",
        "acting_user",
        "considered",
        "rated",
        "written_off",
        "still_quarantined",
        "note",
    ]
    list_filter = ["kind", ("provider", ScopedRelatedFieldListFilter)]
    list_select_related = ["provider", "acting_user"]
