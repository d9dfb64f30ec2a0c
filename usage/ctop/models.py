"""Usage records: every CTOP detail taken, billed or quarantined, in one table.

One table with a status (rather than a quarantine table beside a usage table)
lets the database itself refuse a record taken twice: provider + AAPT's
``record_id`` is unique whatever became of the record."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from providers.models import Provider
from provisioning.choices import PlanRateCategoryChoices
from provisioning.models import Service, ServicePlan
from ssaas.common.formats import day_time
from ssaas.common.models import SubsetManager, unindexed_fk
from usage.carrier_files.models import CarrierFile
from usage.ctop.choices import QuarantineActionKindChoices, UsageRecordReasonChoices, UsageRecordStatusChoices


class UsageRecord(models.Model):
    """One CTOP usage record: the call, AAPT's cost and, once rated, the charge."""

    provider_lookup = "provider"

    provider = unindexed_fk(Provider, on_delete=models.PROTECT)
    carrier_file = unindexed_fk(CarrierFile, on_delete=models.PROTECT, related_name="usage_records")
    line_number = models.PositiveIntegerField()
    record_id = models.CharField("CTOP record id", max_length=22)
    status = models.CharField(max_length=12, choices=UsageRecordStatusChoices.choices)
    reason = models.CharField("quarantine reason", max_length=24, choices=UsageRecordReasonChoices.choices, blank=True)
    identifier = models.CharField(max_length=255, blank=True, help_text="As the provider's method read it.")
    username = models.CharField("BroadWorks user", max_length=255, blank=True)
    group_id = models.CharField("Group ID", max_length=96, blank=True)
    service = unindexed_fk(Service, on_delete=models.PROTECT, related_name="usage_records", optional=True)
    plan = unindexed_fk(ServicePlan, on_delete=models.PROTECT, optional=True)
    started_at = models.DateTimeField()
    call_date = models.DateField(help_text="In the provider's time zone.")
    origin = models.CharField(max_length=24, blank=True)
    target = models.CharField("number called", max_length=24, blank=True)
    category = models.CharField(max_length=20, choices=PlanRateCategoryChoices.choices, blank=True)
    raw_units = models.CharField(max_length=12, blank=True)
    raw_unittype = models.CharField(max_length=6, blank=True)
    duration_seconds = models.IntegerField(null=True, blank=True)
    billed_seconds = models.IntegerField(null=True, blank=True)
    charge = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    aapt_cost = models.DecimalField("AAPT cost (rated_price)", max_digits=16, decimal_places=6)
    rated_at = models.DateTimeField(null=True, blank=True)
    resolved_by = unindexed_fk(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, optional=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_note = models.TextField(blank=True)
    time_note = models.CharField(
        "call time note",
        max_length=160,
        blank=True,
        help_text="How a Sydney time that daylight saving makes ambiguous or impossible was read.",
    )
    rated_seq = models.BigIntegerField(
        "rating sequence",
        null=True,
        blank=True,
        editable=False,
        help_text="Drawn by the transaction that rated the record (usage/services/rated_seq.py): a bill run "
        "bills the records rated before its close, by this and the call date (usage/billing/selectors.py).",
    )

    class Meta:
        constraints = [
            # A rated record without a rating sequence value would never be billed; and
            # a rated record is frozen (a bill run may have billed it): it stays rated.
            models.CheckConstraint(
                name="usage_rated_has_seq",
                condition=Q(status="rated", rated_seq__isnull=False) | (~Q(status="rated") & Q(rated_seq__isnull=True)),
                violation_error_message="A rated usage record carries its rating sequence value and stays rated.",
            ),
            # record_id first: it also finds a record by AAPT's id across providers.
            models.UniqueConstraint(fields=["record_id", "provider"], name="usage_record_once"),
        ]
        # Every admin filter, search and ordering has an index (lists are newest first
        # by id), so they stay fast however large the table grows. Each index is also
        # paid for on every record written and cleansed, so there are no more than
        # these: the number called, random on every record, is searched within a
        # service or a file only, whose own index bounds the search.
        indexes = [
            models.Index(fields=["provider", "id"], name="usage_provider"),
            models.Index(fields=["carrier_file", "id"], name="usage_file"),
            models.Index(fields=["service", "id"], name="usage_service"),
            models.Index(fields=["identifier", "id"], name="usage_identifier"),
            models.Index(fields=["id"], condition=~Q(status="rated"), name="usage_unbilled"),
            models.Index(fields=["provider", "id"], condition=Q(status="quarantined"), name="usage_quarantine_newest"),
            # What a close bills: the records rated since the last close's lowest
            # unbilled value (usage/billing/selectors.py run_usage).
            models.Index(fields=["provider", "rated_seq"], condition=Q(status="rated"), name="usage_rated_seq"),
            # The quarantine's groups and counts (usage/ctop/selectors.py) read only
            # this index: a group's key, then what it totals (dates, AAPT cost, the
            # names shown). Quarantined records lie scattered through the table, so
            # reading them from it visits nearly every page of millions of rows.
            # Key columns rather than INCLUDE, so that SQLite covers them too.
            models.Index(
                fields=["provider", "reason", "identifier", "call_date", "aapt_cost", "username", "group_id"],
                condition=Q(status="quarantined"),
                name="usage_quarantine_cover",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.record_id} ({self.get_status_display().lower()})"


class QuarantinedRecord(UsageRecord):
    """The usage records waiting in quarantine."""

    objects = SubsetManager(Q(status=UsageRecordStatusChoices.QUARANTINED))

    class Meta:
        proxy = True
        verbose_name = "quarantined record"
        permissions = [
            ("cleanse_usagerecord", "Can re-process and write off quarantined usage"),
        ]


class QuarantineAction(models.Model):
    """A re-process or write-off of quarantined records: who, when, what came of it."""

    provider_lookup = "provider"

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=QuarantineActionKindChoices.choices)
    acting_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    considered = models.PositiveIntegerField(default=0)
    rated = models.PositiveIntegerField(default=0)
    written_off = models.PositiveIntegerField(default=0)
    still_quarantined = models.PositiveIntegerField(default=0)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.considered} record(s) of {self.provider} on {day_time(self.at)}"
