"""Orders of the manual provisioning queue: what is requested of AAPT, the
identifiers and features asked for, and the history of everything done to it.

Staff place each order with AAPT outside this system; completing it here
switches billing on or off (``provisioning.actions.orders``)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from providers.models import Customer, Provider
from ssaas.common.formats import day_time

from ..choices import (
    OrderEventActionChoices,
    OrderKindChoices,
    OrderStateChoices,
    ServiceIdentifierKindChoices,
)
from .inventory import FeatureProduct, Service, ServiceIdentifier, ServicePlan

Kind = OrderKindChoices
State = OrderStateChoices

OPEN_STATES = (State.SUBMITTED, State.IN_PROGRESS, State.HALTED)


class OrderQuerySet(models.QuerySet):
    def open(self):
        return self.filter(state__in=OPEN_STATES)


class Order(models.Model):
    """A request placed with AAPT by staff and tracked here: a new service, a
    cancellation, a change of owner, a plan change or a migration."""

    provider_lookup = "provider"

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="orders", editable=False)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    state = models.CharField(max_length=12, choices=State.choices, default=State.SUBMITTED, editable=False)
    customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        related_name="orders",
        blank=True,
        help_text="Filled in from the service when left empty.",
    )
    service = models.ForeignKey(
        Service,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        help_text="The service the order changes; empty for a new service.",
    )
    requested_plan = models.ForeignKey(
        ServicePlan,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name="plan",
        help_text="New service: its plan. Plan change or migration: the plan from the date. "
        "Change of owner: empty keeps the plan.",
    )
    requested_date = models.DateField(null=True, blank=True, help_text="The date the customer asked for.")
    service_reference = models.CharField(
        "new service reference",
        max_length=50,
        blank=True,
        help_text="New service: its reference. Change of owner, plan change or migration: "
        "empty keeps the service's reference.",
    )
    target_customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incoming_orders",
        verbose_name="new customer",
        help_text="Change of owner, or migration to another provider: who takes the service.",
    )
    target_provider = models.ForeignKey(
        Provider,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incoming_orders",
        verbose_name="new provider",
        help_text="Migration: the provider the service moves to; empty to stay with this one.",
    )
    notes = models.TextField(blank=True)
    aapt_reference = models.CharField("AAPT order reference", max_length=50, blank=True, editable=False)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_orders",
        editable=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField("submitted", default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    halt_reason = models.TextField(blank=True, editable=False)
    cancel_reason = models.TextField(blank=True, editable=False)
    effective_date = models.DateField(
        null=True,
        blank=True,
        editable=False,
        help_text="Completed: the start date (activation) or end date (cancellation).",
    )
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    resulting_service = models.ForeignKey(
        Service,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resulting_orders",
        editable=False,
        help_text="The service completing the order created.",
    )

    objects = OrderQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "order"
        verbose_name_plural = "manual provisioning orders"
        constraints = [
            models.CheckConstraint(
                name="order_service_unless_new",
                condition=(Q(kind=Kind.NEW) & Q(service__isnull=True)) | (~Q(kind=Kind.NEW) & Q(service__isnull=False)),
                violation_error_message="A new-service order has no service yet; any other "
                "order names the service it changes.",
            ),
            models.CheckConstraint(
                name="order_halted_has_reason",
                condition=~Q(state=State.HALTED) | ~Q(halt_reason=""),
                violation_error_message="A halted order needs the reason it is halted.",
            ),
            models.CheckConstraint(
                name="order_cancelled_has_reason",
                condition=~Q(state=State.CANCELLED) | ~Q(cancel_reason=""),
                violation_error_message="A cancelled order needs the reason it was cancelled.",
            ),
            models.CheckConstraint(
                name="order_completed_has_date",
                condition=~Q(state=State.COMPLETED) | Q(effective_date__isnull=False),
                violation_error_message="A completed order needs its effective date.",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "created_at"], name="order_queue"),
            models.Index(fields=["provider", "state"], name="order_provider_state"),
        ]

    def __str__(self) -> str:
        return f"Order #{self.pk or 'new'}: {self.get_kind_display()}"

    def save(self, *args, **kwargs):
        if self.customer_id and not self.provider_id:
            self.provider_id = self.customer.provider_id
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def destination_provider_id(self) -> int | None:
        """The provider the service belongs to once the order is done."""
        return self.target_provider_id or self.provider_id

    def clean(self) -> None:
        super().clean()
        if self.service_id and not self.customer_id:
            self.customer_id = self.service.customer_id
        if not self.customer_id:
            raise ValidationError({"customer": "Choose the customer."})
        self.provider_id = self.customer.provider_id
        errors: dict[str, str] = {}
        self._clean_service(errors)
        self._clean_plan(errors)
        self._clean_targets(errors)
        if errors:
            raise ValidationError(errors)

    def _clean_service(self, errors: dict[str, str]) -> None:
        if self.kind == Kind.NEW:
            self.service_reference = self.service_reference.strip()
            if self.service_id:
                errors["service"] = "A new-service order creates its service: leave this empty."
            if not self.service_reference:
                errors["service_reference"] = "Give the reference of the new service."
            elif Service.objects.filter(
                provider_id=self.provider_id,
                reference=self.service_reference,
                end_date__isnull=True,
            ).exists():
                errors["service_reference"] = (
                    f"{self.customer.provider} already has a service {self.service_reference} "
                    "that has not ended; choose another reference."
                )
            return
        if not self.service_id:
            errors["service"] = "Choose the service this order changes."
        elif self.service.customer_id != self.customer_id:
            errors["service"] = (
                f"{self.service.reference} belongs to {self.service.customer.name}, not to {self.customer.name}."
            )
        if self.kind == Kind.CANCEL and self.service_reference:
            errors["service_reference"] = "A cancellation creates no service: leave this empty."

    def _clean_plan(self, errors: dict[str, str]) -> None:
        plan = self.requested_plan if self.requested_plan_id else None
        if plan is None:
            if self.kind in (Kind.NEW, Kind.UPGRADE, Kind.MIGRATE):
                errors["requested_plan"] = "Choose the plan."
            return
        if self.kind == Kind.CANCEL:
            errors["requested_plan"] = "A cancellation has no plan: leave this empty."
        elif plan.provider_id != self.destination_provider_id:
            destination = self.target_provider or self.customer.provider
            errors["requested_plan"] = f"{plan} is a plan of {plan.provider}, not of {destination}."
        elif (
            self.kind == Kind.UPGRADE
            and self.service_id
            and self.service.plan_id == plan.pk
            and "service" not in errors
        ):
            errors["requested_plan"] = f"{self.service.reference} is already on {plan}."

    def _clean_targets(self, errors: dict[str, str]) -> None:
        if self.target_provider_id == self.provider_id:
            self.target_provider = None
        if self.target_provider_id and self.kind != Kind.MIGRATE:
            errors["target_provider"] = "Only a migration moves a service to another provider."
        target = self.target_customer if self.target_customer_id else None
        if target is not None and self.kind not in (Kind.CHOWN, Kind.MIGRATE):
            errors["target_customer"] = "Only a change of owner or a migration gives the service a new customer."
            return
        if self.kind == Kind.CHOWN:
            if target is None:
                errors["target_customer"] = "Choose the customer who takes the service."
            elif target.provider_id != self.provider_id:
                errors["target_customer"] = (
                    f"{target.name} is a customer of {target.provider}: a change of owner stays "
                    "within the provider (a migration moves a service to another one)."
                )
            elif target.pk == self.customer_id:
                errors["target_customer"] = f"{target.name} already owns the service."
        elif self.kind == Kind.MIGRATE:
            if self.target_provider_id and target is None:
                errors["target_customer"] = f"Choose the customer at {self.target_provider} who takes the service."
            elif target is not None and target.provider_id != self.destination_provider_id:
                destination = self.target_provider or self.customer.provider
                errors["target_customer"] = f"{target.name} is a customer of {target.provider}, not of {destination}."
            elif (
                not self.target_provider_id
                and target is None
                and self.service_id
                and self.requested_plan_id == self.service.plan_id
            ):
                errors["requested_plan"] = "Nothing would change: choose another provider or another plan."


class OrderIdentifier(models.Model):
    """An identifier the order asks for on the service: Group ID, FNN, distinct
    username, username@realm or hosted number range (stored normalised)."""

    provider_lookup = "order__provider"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="identifier_lines")
    kind = models.CharField(max_length=20, choices=ServiceIdentifierKindChoices.choices)
    value = models.CharField(max_length=255)

    class Meta:
        ordering = ["kind", "value"]
        verbose_name = "requested identifier"
        constraints = [
            models.UniqueConstraint(
                fields=["order", "kind", "value"],
                name="orderidentifier_unique",
                violation_error_message="The order already asks for this identifier.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value}"

    def clean(self) -> None:
        super().clean()
        if not self.kind:
            return
        probe = ServiceIdentifier(kind=self.kind, value=self.value)
        errors = probe.normalise()
        if errors:
            raise ValidationError(errors)
        self.value = probe.value


class OrderFeature(models.Model):
    """A feature the order asks for: a catalogue product (Service Pack, SIP
    Sessions, …) and a quantity."""

    provider_lookup = "order__provider"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="feature_lines")
    product = models.ForeignKey(FeatureProduct, on_delete=models.PROTECT, related_name="order_lines")
    quantity = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["order", "product__name"]
        verbose_name = "requested feature"
        constraints = [
            models.UniqueConstraint(
                fields=["order", "product"],
                name="orderfeature_unique_product",
                violation_error_message="The order already asks for this product.",
            ),
            models.CheckConstraint(name="orderfeature_quantity_positive", condition=Q(quantity__gte=1)),
        ]

    def __str__(self) -> str:
        return f"{self.product.name} ×{self.quantity}"

    def clean(self) -> None:
        super().clean()
        has_order = self.order_id or OrderFeature.order.is_cached(self)
        if not (self.product_id and has_order and self.order.destination_provider_id):
            return
        if self.product.provider_id != self.order.destination_provider_id:
            raise ValidationError({"product": f"{self.product} is in {self.product.provider}'s catalogue."})


class OrderEvent(models.Model):
    """One line of an order's history: a transition or an edit, by whom, when,
    from which state to which, and the note (reason, or what changed)."""

    provider_lookup = "order__provider"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField("when", default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="who",
    )
    action = models.CharField(max_length=20, choices=OrderEventActionChoices.choices)
    from_state = models.CharField("from", max_length=12, choices=State.choices, blank=True)
    to_state = models.CharField("to", max_length=12, choices=State.choices)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = "order history"
        verbose_name_plural = "order history"

    def __str__(self) -> str:
        return f"{self.get_action_display()} ({day_time(timezone.localtime(self.at))})"
