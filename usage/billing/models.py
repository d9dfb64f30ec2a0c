"""Bill runs: what a provider's invoices for one bill period are built from.

A run bills every rated usage record dated up to the period's end and not yet
billed (those dated before the period are *late usage*), every recurring day
of the period's service features, and every adjustment dated in the period.
Written by ``usage.billing.close`` only; once done, a run never changes."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from providers.models import BillPeriod, Customer, Provider
from provisioning.models import FeatureProduct, Service
from ssaas.common import formats, progress
from ssaas.common.models import unindexed_fk
from usage.billing.choices import BillRunLineKindChoices, BillRunStatusChoices


class Adjustment(models.Model):
    """A one-off credit (negative) or charge (positive) to a service, ex GST, on a
    date of an open bill period: the only way to correct what a run billed."""

    provider_lookup = "provider"

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="+", editable=False)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="adjustments")
    date = models.DateField(help_text="The day it counts on: the run of the period holding it bills it.")
    amount = models.DecimalField(
        "amount (ex GST)", max_digits=12, decimal_places=2, help_text="Negative: a credit; positive: a charge."
    )
    reason = models.TextField(help_text="Why: kept with the adjustment and shown on the invoice line.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    bill_run = models.ForeignKey(
        "BillRun", on_delete=models.PROTECT, null=True, blank=True, editable=False, related_name="adjustments"
    )

    class Meta:
        ordering = ["-date", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="adjustment_not_zero",
                condition=~Q(amount=0),
                violation_error_message="An adjustment of 0.00 changes nothing.",
            ),
        ]

    def __str__(self) -> str:
        kind = "Credit" if self.amount is not None and self.amount < 0 else "Charge"
        return f"{kind} {self.amount} on {self.service.reference} ({formats.day(self.date)})"

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.amount is not None and self.amount == 0:
            errors["amount"] = "An adjustment of 0.00 changes nothing."
        if not (self.reason or "").strip():
            errors["reason"] = "Say why: the reason is kept and shown on the invoice line."
        if errors:
            raise ValidationError(errors)


class BillRun(models.Model):
    """One provider's bill run for one bill period: queued, running, done (or failed,
    and then run again). How far a running close has got is in the progress store
    (ssaas/common/progress.py, under ``progress_key``); ``summary`` says what a done
    run made."""

    provider_lookup = "provider"

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="bill_runs")
    period = models.OneToOneField(BillPeriod, on_delete=models.PROTECT, related_name="bill_run")
    status = models.CharField(max_length=10, choices=BillRunStatusChoices.choices, default=BillRunStatusChoices.QUEUED)
    summary = models.CharField(max_length=200, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    outstanding = models.JSONField(
        default=list, blank=True, help_text="What was still outstanding in the period when it was closed."
    )
    calls = models.PositiveIntegerField(default=0)
    late_calls = models.PositiveIntegerField(default=0)
    total_ex_gst = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    gst = models.DecimalField("GST", max_digits=14, decimal_places=2, default=Decimal("0"))
    total_inc_gst = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    aapt_cost = models.DecimalField("AAPT cost", max_digits=16, decimal_places=2, default=Decimal("0"))
    # Which usage records the run billed, without marking them (usage/billing/selectors.py
    # run_usage): those rated up to seq_through (drawn at the close, under the provider's
    # lock) and dated up to the period's end, less what the run before billed (rated up
    # to previous_seq_through and dated up to previous_end). seq_from bounds the search:
    # no record the run bills has a lower value. seq_next_from is the next run's seq_from.
    seq_through = models.BigIntegerField(null=True, blank=True, editable=False)
    seq_from = models.BigIntegerField(default=0, editable=False)
    seq_next_from = models.BigIntegerField(null=True, blank=True, editable=False)
    previous_seq_through = models.BigIntegerField(default=0, editable=False)
    previous_end = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-period__start_date", "provider__name"]
        permissions = [("close_billrun", "Can close a bill period and bill it")]

    def __str__(self) -> str:
        return f"Bill run {self.provider} {self.period.label}"

    @property
    def is_done(self) -> bool:
        return self.status == BillRunStatusChoices.DONE

    @property
    def progress_key(self) -> str:
        return progress.progress_key("bill_run", self.pk)

    @property
    def is_stuck(self) -> bool:
        """Running for longer than ``STUCK_RUN_MINUTES``: its worker stopped (killed,
        the machine restarted) and its close's transaction, with all it wrote, is gone.
        A close takes seconds to minutes; the threshold is far past that."""
        if self.status != BillRunStatusChoices.RUNNING or self.started_at is None:
            return False
        return timezone.now() - self.started_at > datetime.timedelta(minutes=settings.STUCK_RUN_MINUTES)

    @property
    def margin(self) -> Decimal:
        return self.total_ex_gst - self.aapt_cost


class BillRunInvoice(models.Model):
    """One customer's invoice of a run: its number and totals (GST per invoice)."""

    provider_lookup = "run__provider"

    run = models.ForeignKey(BillRun, on_delete=models.CASCADE, related_name="invoices")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    number = models.CharField(max_length=40)
    total_ex_gst = models.DecimalField(max_digits=14, decimal_places=2)
    gst = models.DecimalField("GST", max_digits=14, decimal_places=2)
    total_inc_gst = models.DecimalField(max_digits=14, decimal_places=2)
    aapt_cost = models.DecimalField("AAPT cost", max_digits=16, decimal_places=2)

    class Meta:
        ordering = ["run", "number"]
        constraints = [
            models.UniqueConstraint(fields=["run", "customer"], name="billruninvoice_one_per_customer"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.customer.name}"


class BillRunLine(models.Model):
    """One line of a run: a service's usage of one category (late or not), one
    feature's recurring days, or one adjustment."""

    provider_lookup = "run__provider"

    # No foreign-key constraints in the database (db_constraint=False): a close writes
    # a line per service, category and feature (76,000 for a million calls) with the
    # run, invoices, services and products it has just read or written, and PostgreSQL
    # checked each reference again, one query per reference per line, at commit (the
    # close's slowest step). Django still applies on_delete (CASCADE, PROTECT) to them.
    run = models.ForeignKey(BillRun, on_delete=models.CASCADE, related_name="lines", db_constraint=False)
    invoice = models.ForeignKey(BillRunInvoice, on_delete=models.CASCADE, related_name="lines", db_constraint=False)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+", db_constraint=False)
    kind = models.CharField(max_length=12, choices=BillRunLineKindChoices.choices)
    category = models.CharField(max_length=20, blank=True)
    # Product and adjustment: indexed where set only (Meta.indexes): most lines are
    # calls, with neither, and every index entry is written by the close.
    product = unindexed_fk(FeatureProduct, on_delete=models.PROTECT, optional=True, db_constraint=False)
    adjustment = unindexed_fk(Adjustment, on_delete=models.PROTECT, optional=True, db_constraint=False)
    description = models.CharField(max_length=300)
    quantity = models.PositiveIntegerField(default=0, help_text="Calls, or the feature's quantity.")
    days = models.PositiveIntegerField(default=0)
    billed_seconds = models.BigIntegerField(default=0)
    first_date = models.DateField(null=True, blank=True)
    last_date = models.DateField(null=True, blank=True)
    amount = models.DecimalField("amount (ex GST)", max_digits=14, decimal_places=2)
    aapt_cost = models.DecimalField("AAPT cost", max_digits=16, decimal_places=2)

    class Meta:
        ordering = ["run", "invoice", "service", "kind", "pk"]
        indexes = [
            models.Index(fields=["product"], condition=Q(product__isnull=False), name="billrunline_product"),
            models.Index(fields=["adjustment"], condition=Q(adjustment__isnull=False), name="billrunline_adjustment"),
        ]

    def __str__(self) -> str:
        return self.description
