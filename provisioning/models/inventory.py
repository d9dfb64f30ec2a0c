"""Service plans and rate cards, Voice SSaaS services, their identifiers and
hosted number ranges, the feature catalogue and service features: what a
provider sells and what each customer has."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.utils import timezone

from providers.choices import ProviderIdentificationMethodChoices
from providers.models import Customer, Provider
from ssaas.common import formats
from ssaas.common.models import SubsetManager

from .. import normalise as ids
from ..choices import (
    FeatureProductKindChoices,
    PlanRateCategoryChoices,
    ServiceFeatureChangeActionChoices,
    ServiceFeatureStatusChoices,
    ServiceIdentifierKindChoices,
    ServiceStatusChoices,
)

NUMBER_KINDS = (ServiceIdentifierKindChoices.FNN, ServiceIdentifierKindChoices.NUMBER_RANGE)


def _period(start: datetime.date | None, end: datetime.date | None) -> str:
    start_text = formats.day(start) if start else "the start"
    return f"{start_text}–{formats.day(end)}" if end else f"{start_text} onwards"


def overlapping_dates(queryset, start: datetime.date, end: datetime.date | None, *, prefix=""):
    """Rows of ``queryset`` whose [from, to] period (to open-ended when null) meets [start, end]."""
    to_field, from_field = f"{prefix}active_to", f"{prefix}active_from"
    queryset = queryset.filter(Q(**{f"{to_field}__isnull": True}) | Q(**{f"{to_field}__gte": start}))
    if end is not None:
        queryset = queryset.filter(**{f"{from_field}__lte": end})
    return queryset


# ---------------------------------------------------------------------------
# Plans and rate cards
# ---------------------------------------------------------------------------


class ServicePlan(models.Model):
    """A provider's service plan: the rate card its services' calls are priced with."""

    provider_lookup = "provider"

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="plans")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    is_active = models.BooleanField("available for new services", default=True)

    class Meta:
        ordering = ["provider__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "name"],
                name="plan_unique_name",
                violation_error_message="This provider already has a plan with this name.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PlanRate(models.Model):
    """One line of a rate card: how a plan prices one call category.

    A category with no line is "no price": its calls are quarantined."""

    provider_lookup = "plan__provider"

    plan = models.ForeignKey(ServicePlan, on_delete=models.CASCADE, related_name="rates")
    category = models.CharField(max_length=20, choices=PlanRateCategoryChoices.choices)
    flagfall = models.DecimalField(
        max_digits=10, decimal_places=4, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    rate_per_minute = models.DecimalField(
        max_digits=10, decimal_places=4, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    untimed = models.BooleanField(default=False, help_text="Charge the flagfall alone.")
    initial_increment = models.PositiveIntegerField(
        null=True, blank=True, help_text="Seconds billed for the first increment, e.g. 60."
    )
    subsequent_increment = models.PositiveIntegerField(
        null=True, blank=True, help_text="Seconds of each following increment, e.g. 30."
    )

    class Meta:
        ordering = ["plan", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "category"],
                name="planrate_unique_category",
                violation_error_message="This plan already has a rate for this category.",
            ),
            models.CheckConstraint(
                name="planrate_timed_has_increments",
                condition=Q(untimed=True) | (Q(initial_increment__gt=0) & Q(subsequent_increment__gt=0)),
                violation_error_message="A timed rate needs initial and subsequent increments.",
            ),
            models.CheckConstraint(
                name="planrate_not_negative",
                condition=Q(flagfall__gte=0) & Q(rate_per_minute__gte=0),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan}: {self.get_category_display()} {self.describe()}"

    def describe(self) -> str:
        if self.untimed:
            return f"${self.flagfall:.2f} untimed"
        return f"${self.flagfall:.2f} + ${self.rate_per_minute:.4f}/min {self.increments}"

    @property
    def increments(self) -> str:
        if self.untimed:
            return "untimed"
        return f"{self.initial_increment}/{self.subsequent_increment}"

    def clean(self) -> None:
        super().clean()
        if self.untimed:
            self.initial_increment = self.subsequent_increment = None
            return
        errors = {}
        if not self.initial_increment:
            errors["initial_increment"] = "A timed rate needs an initial increment in seconds."
        if not self.subsequent_increment:
            errors["subsequent_increment"] = "A timed rate needs a subsequent increment in seconds."
        if errors:
            raise ValidationError(errors)


# ---------------------------------------------------------------------------
# Services
# ---------------------------------------------------------------------------


class Service(models.Model):
    """A Voice SSaaS service: one customer's, priced with one plan at a time."""

    provider_lookup = "provider"

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="services", editable=False)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="services")
    plan = models.ForeignKey(ServicePlan, on_delete=models.PROTECT, related_name="services")
    reference = models.CharField(
        max_length=50, help_text="Unique within the provider, e.g. the provider's service number."
    )
    label = models.CharField(max_length=200, blank=True, help_text="A description, optional.")
    status = models.CharField(max_length=10, choices=ServiceStatusChoices.choices, default=ServiceStatusChoices.PENDING)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    replaces = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
        editable=False,
        help_text="The service this one continues after a change of owner, plan or provider "
        "(that one ends the day before this one starts).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["reference"]
        constraints = [
            # A change of owner or plan ends the service and continues it as a new one
            # under the same reference, so the reference is unique among services that
            # have not ended; ended ones keep theirs as history.
            models.UniqueConstraint(
                fields=["provider", "reference"],
                condition=Q(end_date__isnull=True),
                name="service_unique_reference",
                violation_error_message="This provider already has a service with this reference that has not ended.",
            ),
            models.CheckConstraint(
                name="service_end_after_start",
                condition=Q(end_date__isnull=True) | Q(start_date__isnull=True) | Q(end_date__gte=F("start_date")),
                violation_error_message="A service cannot end before it starts.",
            ),
        ]
        indexes = [models.Index(fields=["provider", "status"], name="service_provider_status")]
        permissions = [
            ("import_onboarding", "Can import customers, services and plans from spreadsheets"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.customer.name})"

    def save(self, *args, **kwargs):
        if self.customer_id and not self.provider_id:
            self.provider_id = self.customer.provider_id
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        if self.customer_id:
            self.provider_id = self.customer.provider_id
        if self.plan_id and self.customer_id and self.plan.provider_id != self.provider_id:
            errors["plan"] = f"{self.plan} is a plan of {self.plan.provider}, not of {self.customer.provider}."
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = "A service cannot end before it starts."
        if self.status == ServiceStatusChoices.ACTIVE and not self.start_date:
            errors["start_date"] = "An active service needs a start date."
        if self.status == ServiceStatusChoices.CEASED and not self.end_date:
            errors["end_date"] = "A ceased service needs an end date."
        if self.customer_id and self.reference and self.customer.provider.reads_as_invoice_number(self.reference):
            errors["reference"] = (
                f"{self.reference} has the form of {self.customer.provider}'s invoice numbers "
                f"({self.customer.provider.invoice_prefix}…): a service reference must not read as an invoice."
            )
        if errors:
            raise ValidationError(errors)


class ServiceIdentifier(models.Model):
    """Something usage or charges name a service by, for the dates it is active.

    ``value`` holds the normalised form; number kinds (FNN and hosted number
    range) also keep their two ends so that ranges can be compared."""

    provider_lookup = "service__provider"

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="identifiers")
    kind = models.CharField(max_length=20, choices=ServiceIdentifierKindChoices.choices)
    value = models.CharField(max_length=255, db_index=True)
    number_first = models.CharField(max_length=15, blank=True, editable=False)
    number_last = models.CharField(max_length=15, blank=True, editable=False)
    active_from = models.DateField(default=timezone.localdate)
    active_to = models.DateField(null=True, blank=True, help_text="Empty: still active.")

    class Meta:
        ordering = ["kind", "value", "active_from"]
        constraints = [
            models.CheckConstraint(
                name="identifier_to_after_from",
                condition=Q(active_to__isnull=True) | Q(active_to__gte=F("active_from")),
                violation_error_message="An identifier cannot end before it starts.",
            ),
            models.CheckConstraint(
                name="identifier_range_ordered",
                condition=Q(number_first__lte=F("number_last")),
                violation_error_message="A range's first number cannot be after its last.",
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "number_first", "number_last"], name="identifier_numbers"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value}"

    def save(self, *args, **kwargs):
        if not self.number_first and self.kind in NUMBER_KINDS:
            self.normalise()
        super().save(*args, **kwargs)

    @property
    def range_size(self) -> int:
        if not self.number_first:
            return 0
        return int(self.number_last) - int(self.number_first) + 1

    def contains_number(self, number: str) -> bool:
        return (
            bool(self.number_first)
            and len(number) == len(self.number_first)
            and self.number_first <= number <= self.number_last
        )

    def normalise(self) -> dict[str, str]:
        """Put ``value`` (and the number ends) in normal form; returns errors by field."""
        kind, raw = self.kind, (self.value or "").strip()
        self.number_first = self.number_last = ""
        if not raw:
            return {"value": "Enter the identifier."}
        if kind == ServiceIdentifierKindChoices.GROUP_ID:
            self.value = ids.normalise_group_id(raw)
            if " " in self.value:
                return {"value": "A Group ID has no spaces."}
        elif kind == ServiceIdentifierKindChoices.FNN:
            number = ids.normalise_number(raw)
            if number is None:
                return {"value": f"{raw!r} is not a phone number (FNN)."}
            self.value = self.number_first = self.number_last = number
        elif kind == ServiceIdentifierKindChoices.USERNAME:
            self.value = ids.normalise_username(raw)
            if "@" in self.value:
                return {
                    "value": "A distinct username is the part before @ssaas.aapt.com.au; "
                    "for another realm use the username@realm kind."
                }
        elif kind == ServiceIdentifierKindChoices.USERNAME_REALM:
            self.value = ids.normalise_username_realm(raw)
            user, _, realm = self.value.partition("@")
            if not user or not realm or "@" in realm:
                return {"value": "Write a username@realm identifier as user@realm."}
        elif kind == ServiceIdentifierKindChoices.NUMBER_RANGE:
            ends = ids.split_range(raw)
            if ends is None:
                return {"value": f"{raw!r} is not a number range; write it as first-last."}
            first, last = ends
            if len(first) != len(last):
                return {
                    "value": f"The ends of a range must have the same number of digits "
                    f"({first} has {len(first)}, {last} has {len(last)})."
                }
            if first > last:
                return {"value": f"The range is reversed: {first} comes after {last}."}
            self.number_first, self.number_last = first, last
            self.value = f"{first}-{last}"
        return {}

    def clean(self) -> None:
        super().clean()
        errors = self.normalise()
        if self.active_from and self.active_to and self.active_to < self.active_from:
            errors.setdefault("active_to", "An identifier cannot end before it starts.")
        if errors:
            raise ValidationError(errors)
        # An inline on a service being created holds its (unsaved) service.
        has_service = self.service_id or ServiceIdentifier.service.is_cached(self)
        if not has_service or not self.active_from or not self.service.customer_id:
            return
        service = self.service
        provider = service.provider
        if self.kind == ServiceIdentifierKindChoices.GROUP_ID:
            if provider.identification_method != ProviderIdentificationMethodChoices.GROUP_ID:
                raise ValidationError(
                    {
                        "kind": f"{provider} identifies usage by "
                        f"{provider.get_identification_method_display()}, not by Group ID: "
                        "a Group ID would never match its usage."
                    }
                )
            second = (
                overlapping_dates(
                    ServiceIdentifier.objects.filter(
                        kind=ServiceIdentifierKindChoices.GROUP_ID,
                        service__customer_id=service.customer_id,
                    ).exclude(pk=self.pk),
                    self.active_from,
                    self.active_to,
                )
                .exclude(value=self.value)
                .first()
            )
            if second:
                raise ValidationError(
                    {
                        "value": f"{service.customer.name} already has Group ID {second.value} "
                        f"({_period(second.active_from, second.active_to)}); "
                        "a customer has one Group ID."
                    }
                )
        if (
            self.kind == ServiceIdentifierKindChoices.USERNAME_REALM
            and provider.identification_method == ProviderIdentificationMethodChoices.CUSTOM_REALM
        ):
            realm = self.value.partition("@")[2]
            if realm not in provider.realms:
                raise ValidationError(
                    {
                        "value": f"{realm} is not one of {provider}'s custom realms "
                        f"({', '.join(provider.realms)}); add it to the provider first."
                    }
                )
        clash = self.find_clash(provider_id=provider.pk)
        if clash:
            raise ValidationError({"value": self.clash_message(clash)})

    def find_clash(self, *, provider_id: int) -> ServiceIdentifier | None:
        """Another identifier of the provider holding the same value (or numbers) on
        overlapping dates."""
        others = overlapping_dates(
            ServiceIdentifier.objects.filter(service__provider_id=provider_id).exclude(pk=self.pk),
            self.active_from,
            self.active_to,
        ).select_related("service__customer")
        if self.kind in NUMBER_KINDS:
            return (
                others.filter(
                    kind__in=NUMBER_KINDS,
                    number_first__lte=self.number_last,
                    number_last__gte=self.number_first,
                )
                .annotate(digits=Length("number_first"))
                .filter(digits=len(self.number_first))
                .first()
            )
        return others.filter(kind=self.kind, value=self.value).first()

    def clash_message(self, clash: ServiceIdentifier) -> str:
        what = "overlaps" if self.kind in NUMBER_KINDS and clash.value != self.value else "is"
        where = (
            "this service"
            if clash.service_id == self.service_id
            else f"service {clash.service.reference} ({clash.service.customer.name})"
        )
        return (
            f"{self.value} {what} already on {where} as {clash.get_kind_display()} "
            f"{clash.value}, {_period(clash.active_from, clash.active_to)}: an identifier "
            "cannot be on two services at once."
        )


class HostedNumberRange(ServiceIdentifier):
    """The hosted number ranges among service identifiers (AAPT bills them by range)."""

    objects = SubsetManager(Q(kind=ServiceIdentifierKindChoices.NUMBER_RANGE))

    class Meta:
        proxy = True
        verbose_name = "hosted number range"

    def save(self, *args, **kwargs):
        self.kind = ServiceIdentifierKindChoices.NUMBER_RANGE
        super().save(*args, **kwargs)

    def clean(self) -> None:
        self.kind = ServiceIdentifierKindChoices.NUMBER_RANGE
        super().clean()


# ---------------------------------------------------------------------------
# Features
# ---------------------------------------------------------------------------


class FeatureProduct(models.Model):
    """A line of a provider's catalogue of AAPT recurring products (by element id)."""

    provider_lookup = "provider"

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="feature_products")
    element_id = models.CharField("AAPT element id", max_length=20, help_text="COCE element_id (or nrc_type_id).")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=FeatureProductKindChoices.choices)
    unit_cost = models.DecimalField(
        "AAPT unit cost per month",
        max_digits=12,
        decimal_places=4,
        validators=[MinValueValidator(0)],
    )
    retail_price = models.DecimalField(
        "monthly retail price (ex GST)",
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(0)],
        help_text="What a customer pays a month for one; a plan may set its own price.",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["provider__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "element_id"],
                name="featureproduct_unique_element",
                violation_error_message="This provider's catalogue already has this element id.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.element_id})"


class PlanProductPrice(models.Model):
    """A plan's own monthly retail price (ex GST) for a catalogue product: it wins
    over the product's price for the plan's services."""

    provider_lookup = "plan__provider"

    plan = models.ForeignKey(ServicePlan, on_delete=models.CASCADE, related_name="product_prices")
    product = models.ForeignKey(FeatureProduct, on_delete=models.CASCADE, related_name="plan_prices")
    monthly_price = models.DecimalField(
        "monthly retail price (ex GST)", max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )

    class Meta:
        ordering = ["plan", "product__name"]
        verbose_name = "plan product price"
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "product"],
                name="planproductprice_unique",
                violation_error_message="This plan already has a price for this product.",
            ),
            models.CheckConstraint(name="planproductprice_not_negative", condition=Q(monthly_price__gte=0)),
        ]

    def __str__(self) -> str:
        return f"{self.plan}: {self.product.name} ${self.monthly_price:.2f}/month"

    def clean(self) -> None:
        super().clean()
        if self.plan_id and self.product_id and self.plan.provider_id != self.product.provider_id:
            raise ValidationError(
                {"product": f"{self.product} is in {self.product.provider}'s catalogue, not {self.plan.provider}'s."}
            )


class ServiceFeature(models.Model):
    """A Service Pack, SIP Sessions or other AAPT product on a service.

    AAPT bills these at account level, so billing staff activate them by hand:
    requested → active (on a date, by a person) → ceased."""

    provider_lookup = "service__provider"

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="features")
    product = models.ForeignKey(FeatureProduct, on_delete=models.PROTECT, related_name="features")
    quantity = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])
    status = models.CharField(
        max_length=10,
        choices=ServiceFeatureStatusChoices.choices,
        default=ServiceFeatureStatusChoices.REQUESTED,
    )
    requested_on = models.DateField(default=timezone.localdate)
    active_from = models.DateField(null=True, blank=True)
    active_to = models.DateField(null=True, blank=True, help_text="The last day it is active.")
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    activated_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["service", "product__name"]
        constraints = [
            models.CheckConstraint(name="feature_quantity_positive", condition=Q(quantity__gte=1)),
            models.CheckConstraint(
                name="feature_to_after_from",
                condition=Q(active_to__isnull=True) | Q(active_from__isnull=True) | Q(active_to__gte=F("active_from")),
                violation_error_message="A feature cannot cease before it starts.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product.name} ×{self.quantity}"

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        has_service = self.service_id or ServiceFeature.service.is_cached(self)
        if self.product_id and has_service and self.product.provider_id != self.service.provider_id:
            errors["product"] = (
                f"{self.product} is in {self.product.provider}'s catalogue, not {self.service.provider}'s."
            )
        if self.status in (ServiceFeatureStatusChoices.ACTIVE, ServiceFeatureStatusChoices.CEASED):
            if not self.active_from:
                errors["active_from"] = "An active feature needs the date it became active."
        if self.status == ServiceFeatureStatusChoices.CEASED and not self.active_to:
            errors["active_to"] = "A ceased feature needs the last day it was active."
        if self.active_from and self.active_to and self.active_to < self.active_from:
            errors["active_to"] = "A feature cannot cease before it starts."
        if errors:
            raise ValidationError(errors)

    def status_on(self, today: datetime.date | None = None) -> str:
        """The status as staff read it on ``today`` (by default the provider's
        today): a feature whose cease date is set but not yet passed is still
        active ("Active, ceasing 31/12/2026": its last active day)."""
        if today is None:
            today = self.service.provider.local_date(timezone.now())
        if self.status == ServiceFeatureStatusChoices.CEASED and self.active_to and self.active_to >= today:
            return f"Active, ceasing {formats.day(self.active_to)}"
        return self.get_status_display()

    def active_days(self, start: datetime.date, end: datetime.date) -> int:
        """Days of [start, end] (inclusive) on which this feature is active."""
        return self.days_active(self.status, self.active_from, self.active_to, start, end)

    @staticmethod
    def days_active(
        status: str,
        active_from: datetime.date | None,
        active_to: datetime.date | None,
        start: datetime.date,
        end: datetime.date,
    ) -> int:
        """:meth:`active_days` from a feature's values (a bill run reads thousands of
        features as plain values, without making an instance of each)."""
        if status == ServiceFeatureStatusChoices.REQUESTED or not active_from:
            return 0
        first = max(start, active_from)
        last = min(end, active_to) if active_to else end
        return max(0, (last - first).days + 1)


class ServiceFeatureChange(models.Model):
    """One change to a service feature (requested, activated, quantity changed,
    ceased): what, effective from when, and who did it.

    Written by ``provisioning.actions.features``, never by hand."""

    provider_lookup = "feature__service__provider"

    feature = models.ForeignKey(ServiceFeature, on_delete=models.CASCADE, related_name="changes")
    action = models.CharField(max_length=20, choices=ServiceFeatureChangeActionChoices.choices)
    effective_date = models.DateField()
    quantity_before = models.PositiveIntegerField(null=True, blank=True)
    quantity_after = models.PositiveIntegerField(null=True, blank=True)
    note = models.TextField(blank=True)
    acting_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["feature", "at", "pk"]
        verbose_name = "service feature change"

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.feature} from {formats.day(self.effective_date)}"
