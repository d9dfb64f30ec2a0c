"""The manual provisioning queue in the admin.

- The queue: open orders, oldest first, with their age, filterable by state,
  kind, provider and "assigned to me".
- The order page: the request (correctable while the order is open), its
  lines, its history, and a button for exactly each action the workflow table
  allows now (``provisioning.workflow``).
- A confirmation page per action, saying what it will do and asking for the
  reason, reference or date it needs.

Views parse input, call one service and report with messages.
"""

from __future__ import annotations

import dataclasses

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.timesince import timesince
from unfold.admin import TabularInline
from unfold.decorators import action as unfold_action
from unfold.enums import ActionVariant
from unfold.widgets import UnfoldAdminDateWidget, UnfoldAdminTextareaWidget, UnfoldAdminTextInputWidget

from providers.scoping import (
    ProviderScopedAdmin,
    ProviderScopedInline,
    ScopedRelatedFieldListFilter,
)
from ssaas.common import formats
from ssaas.common.admin_links import current_request
from ssaas.common.admin_mixins import ReadOnlyAdminMixin

from ..actions.orders import (
    CANCELLATION_HAS_NO_LINES,
    DETAIL_FIELDS,
    FeatureLine,
    IdentifierLine,
    order_create,
    order_update_details,
)
from ..choices import OrderKindChoices as Kind
from ..choices import OrderStateChoices as State
from ..models import OPEN_STATES, Order, OrderEvent, OrderFeature, OrderIdentifier
from ..policies import order_editable_by, submit_refusal, work_refusal
from ..workflow import (
    COMPLETION_DATE_LABELS,
    ORDER_ACTIONS,
    OrderAction,
    legal_actions,
    refusal,
)
from .refusals import RefusalFormMixin

# ---------------------------------------------------------------------------
# Filters
# ---------------------------------------------------------------------------


class OrderStateFilter(admin.SimpleListFilter):
    """State, open orders by default (the queue)."""

    title = "state"
    parameter_name = "state"
    OPEN, ALL = "open", "all"

    def lookups(self, request, model_admin):
        return [(self.OPEN, "Open (the queue)"), *State.choices, (self.ALL, "All")]

    def chosen(self) -> str:
        return self.value() or self.OPEN

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.chosen() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        chosen = self.chosen()
        if chosen == self.OPEN:
            return queryset.filter(state__in=OPEN_STATES)
        if chosen == self.ALL:
            return queryset
        return queryset.filter(state=chosen)


class AssignedFilter(admin.SimpleListFilter):
    title = "assigned"
    parameter_name = "assigned"

    def lookups(self, request, model_admin):
        return [("me", "to me"), ("nobody", "to nobody")]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(assignee=request.user)
        if self.value() == "nobody":
            return queryset.filter(assignee__isnull=True)
        return queryset


# ---------------------------------------------------------------------------
# Inlines: the requested lines (editable while the order may be worked) and the history
# ---------------------------------------------------------------------------


class _OrderLinesFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        rows = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if rows and self.instance.kind == Kind.CANCEL:
            raise ValidationError(CANCELLATION_HAS_NO_LINES)


class _OrderLineInline(ProviderScopedInline, TabularInline):
    formset = _OrderLinesFormSet
    extra = 0

    def has_add_permission(self, request, obj):
        return super().has_add_permission(request, obj) and order_editable_by(request.user, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and order_editable_by(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and order_editable_by(request.user, obj)


class OrderIdentifierInline(_OrderLineInline):
    model = OrderIdentifier
    fields = ["kind", "value"]
    verbose_name_plural = "requested identifiers (Group ID, FNN, usernames, hosted number ranges)"


class OrderFeatureInline(_OrderLineInline):
    model = OrderFeature
    fields = ["product", "quantity"]
    autocomplete_fields = ["product"]
    verbose_name_plural = "requested features (Service Packs, SIP Sessions)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("product")


class OrderEventInline(ReadOnlyAdminMixin, ProviderScopedInline, TabularInline):
    model = OrderEvent
    fields = ["at", "actor", "action", "from_state", "to_state", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "history"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


# ---------------------------------------------------------------------------
# The confirmation form of an action
# ---------------------------------------------------------------------------


class OrderActionForm(forms.Form):
    """Asks for what the action needs: a reason, AAPT's reference or a date."""

    def __init__(self, *args, action: OrderAction, order: Order, **kwargs):
        super().__init__(*args, **kwargs)
        if action.needs == "reason":
            self.fields["reason"] = forms.CharField(widget=UnfoldAdminTextareaWidget(attrs={"rows": 3}))
        elif action.needs == "reference":
            self.fields["reference"] = forms.CharField(
                label="AAPT order reference",
                max_length=Order._meta.get_field("aapt_reference").max_length,
                initial=order.aapt_reference,
                widget=UnfoldAdminTextInputWidget(),
            )
        elif action.needs == "effective_date":
            self.fields["effective_date"] = forms.DateField(
                label=capfirst(COMPLETION_DATE_LABELS[order.kind]),
                # unfold's date picker, day first (not the browser's own field: month
                # first in a US locale).
                widget=UnfoldAdminDateWidget(attrs={"placeholder": "dd/mm/yyyy"}, format=formats.DAY_FORMAT),
                initial=order.requested_date or order.provider.local_date(timezone.now()),
                help_text="It may be in the past, but not inside a closed bill period.",
            )


# ---------------------------------------------------------------------------
# The order admin
# ---------------------------------------------------------------------------

REQUEST_FIELDS = ["kind", *DETAIL_FIELDS]
WORK_FIELDS = [
    "state",
    "assignee",
    "aapt_reference",
    "halt_reason",
    "cancel_reason",
    "created_by",
    "created_at",
]
OUTCOME_FIELDS = ["effective_date", "closed_at", "resulting_service"]


def _value(instance: Order, field: str):
    """A field's value on the form's instance (``None`` for an empty foreign key)."""
    model_field = Order._meta.get_field(field)
    if model_field.is_relation and getattr(instance, model_field.attname) is None:
        return None
    return getattr(instance, field)


def _lines(formsets) -> tuple[list[IdentifierLine] | None, list[FeatureLine] | None]:
    """The requested lines as the person left them in the inlines."""
    identifiers = features = None
    for formset in formsets:
        rows = [
            form.cleaned_data for form in formset.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        if formset.model is OrderIdentifier:
            identifiers = [IdentifierLine(row["kind"], row["value"]) for row in rows]
        elif formset.model is OrderFeature:
            features = [FeatureLine(row["product"], row["quantity"]) for row in rows]
    return identifiers, features


@admin.register(Order)
class OrderAdmin(RefusalFormMixin, ProviderScopedAdmin):
    list_display = [
        "number",
        "age",
        "kind",
        "state",
        "customer_name",
        "provider",
        "assignee",
        "service_column",
    ]
    list_display_links = ["number"]
    list_filter = [
        OrderStateFilter,
        "kind",
        ("provider", ScopedRelatedFieldListFilter),
        AssignedFilter,
    ]
    list_select_related = ["customer", "provider", "assignee", "service"]
    search_fields = [
        "aapt_reference",
        "customer__name",
        "customer__reference",
        "service__reference",
        "service_reference",
    ]
    ordering = ["created_at", "id"]
    show_full_result_count = False
    autocomplete_fields = [
        "customer",
        "service",
        "requested_plan",
        "target_customer",
        "target_provider",
    ]
    inlines = [OrderIdentifierInline, OrderFeatureInline, OrderEventInline]
    change_form_template = "admin/provisioning/order/change_form.html"

    # -- the queue --------------------------------------------------------------

    @admin.display(description="order", ordering="id")
    def number(self, obj: Order) -> str:
        return f"#{obj.pk}"

    @admin.display(description="age", ordering="created_at")
    def age(self, obj: Order) -> str:
        return timesince(obj.created_at, depth=1)

    @admin.display(description="customer", ordering="customer__name")
    def customer_name(self, obj: Order) -> str:
        return obj.customer.name

    @admin.display(description="service", ordering="service__reference")
    def service_column(self, obj: Order) -> str:
        if obj.service_id:
            return obj.service.reference
        return f"{obj.service_reference} (new)"

    def changelist_view(self, request, extra_context=None):
        extra_context = {"title": "Manual provisioning", **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    # -- the order page ---------------------------------------------------------

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": REQUEST_FIELDS})]
        return [
            ("Request", {"fields": REQUEST_FIELDS}),
            ("Work", {"fields": WORK_FIELDS}),
            ("Outcome", {"fields": OUTCOME_FIELDS}),
        ]

    def get_inlines(self, request, obj):
        if obj is None:
            return [OrderIdentifierInline, OrderFeatureInline]  # no history yet
        return self.inlines

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["kind", *WORK_FIELDS, *OUTCOME_FIELDS]

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or order_editable_by(request.user, obj))

    def has_delete_permission(self, request, obj=None):
        return False  # an order is cancelled, never deleted: it is history

    def buttons(self, request, order: Order) -> list[dict]:
        if not order_editable_by(request.user, order):
            return []
        return [
            {
                "name": action.name,
                "label": action.label_for(order.kind),
                "url": reverse("admin:provisioning_order_act", args=[order.pk, action.name]),
            }
            for action in legal_actions(order.state)
            if action.button and not (action.name == "assign" and order.assignee == request.user)
        ]

    # -- the order's buttons: unfold's detail actions, each opening the action's
    # confirmation page; only those legal now (provisioning/workflow.py) are drawn.

    actions_detail = [f"act_{name}" for name, spec in ORDER_ACTIONS.items() if spec.button]

    # In the queue, each row's menu: the two steps that start work on an order,
    # only those the workflow table allows for the row's state (and no "Assign to
    # me" on an order already the user's), as on the order's page
    # (templates/admin/provisioning/order/change_list_results.html).
    actions_row = ["act_assign", "act_start"]

    def get_actions_row(self, request):
        return super().get_actions_row(request) if self.has_change_permission(request) else []

    def row_actions_for(self, actions: list[dict], order: Order) -> list[dict]:
        legal = {action.name for action in legal_actions(order.state)}
        request = current_request.get()
        if request is not None and order.assignee_id == request.user.pk:
            legal.discard("assign")
        return [a for a in actions if a["attrs"].get("data-action") in legal]

    def get_actions_detail(self, request, object_id):
        actions = super().get_actions_detail(request, object_id)
        order = self.get_object(request, unquote(str(object_id))) if object_id else None
        if order is None:
            return []
        legal = {button["name"]: button["label"] for button in self.buttons(request, order)}
        by_name = {a.method.attrs.get("data-action"): a for a in actions}
        # In the order of the transitions table, as the confirmation pages list them.
        return [dataclasses.replace(by_name[name], description=label) for name, label in legal.items()]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            context["order_buttons"] = self.buttons(request, obj)
            context["order_notice"] = work_refusal(request.user, obj) if obj.is_open else None
        return super().render_change_form(request, context, add, change, form_url, obj)

    def check_form(self, request, form) -> None:
        """What the actions will refuse, checked on the form so that the page shows it
        with the person's input (``RefusalFormMixin``)."""
        order = form.instance
        if order.pk:
            stored = Order.objects.get(pk=order.pk)
            why = refusal(stored.state, stored.kind, "edit") or work_refusal(request.user, stored)
        else:
            why = submit_refusal(request.user, order.customer) if order.customer_id else None
        if why:
            raise ValidationError(why)

    def construct_change_message(self, request, form, formsets, add=False):
        # The inlines are saved by the service, not as formsets; the order's own
        # history says what changed in them.
        return super().construct_change_message(request, form, [], add)

    def save_model(self, request, obj, form, change):
        """The order is written in ``save_related``, with its lines, by one action
        (``order_create`` / ``order_update_details``), so that one save is one row
        of its history; ``save_model`` sees no lines."""

    def save_related(self, request, form, formsets, change):
        """The action writing the order and the lines from the inlines."""
        identifiers, features = _lines(formsets)
        if change:
            order_update_details(
                order=form.instance,
                acting_user=request.user,
                changes={f: _value(form.instance, f) for f in form.changed_data if f in DETAIL_FIELDS},
                identifiers=identifiers,
                features=features,
            )
            return
        order = order_create(
            acting_user=request.user,
            kind=form.instance.kind,
            **{f: _value(form.instance, f) for f in DETAIL_FIELDS},
            identifiers=identifiers or (),
            features=features or (),
        )
        # The admin's redirect and log entry read the form's instance.
        form.instance.pk = order.pk

    # -- actions ----------------------------------------------------------------

    def get_urls(self):
        urls = [
            path(
                "<path:object_id>/act/<str:action>/",
                self.admin_site.admin_view(self.action_view),
                name="provisioning_order_act",
            )
        ]
        return urls + super().get_urls()

    def action_view(self, request, object_id, action):
        order = self.get_object(request, unquote(object_id))
        if order is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_permission(request, order):
            raise PermissionDenied
        spec = ORDER_ACTIONS.get(action)
        if spec is None or not spec.button:
            raise Http404("No such action.")
        change_url = reverse("admin:provisioning_order_change", args=[order.pk])
        if spec.name not in [b["name"] for b in self.buttons(request, order)]:
            messages.error(
                request,
                refusal(order.state, order.kind, spec.name)
                or work_refusal(request.user, order)
                or "The order is already assigned to you.",
            )
            return redirect(change_url)
        form = OrderActionForm(request.POST or None, action=spec, order=order)
        if request.method == "POST" and form.is_valid():
            try:
                done = spec.service(order=order, acting_user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                # The confirmation page again, with what the person typed and why not.
                for message in exc.messages:
                    messages.error(request, message)
            else:
                note = done.events.order_by("-at", "-pk").values_list("note", flat=True).first()
                messages.success(
                    request,
                    f"Order #{done.pk}: {spec.label_for(order.kind)} done; it is now "
                    f"{done.get_state_display().lower()}." + (f" {capfirst(note)}." if note else ""),
                )
                return redirect(change_url)
        label = spec.label_for(order.kind)
        context = {
            **self.admin_site.each_context(request),
            "title": f"{label}: order #{order.pk}?",
            "subtitle": None,
            "opts": self.opts,
            "order": order,
            "label": label,
            "summary": spec.summary(order, request.user),
            "form": form,
            "change_url": change_url,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/provisioning/order/action.html", context)


def _detail_action(action: OrderAction):
    def act(self, request, object_id):
        return redirect(reverse("admin:provisioning_order_act", args=[object_id, action.name]))

    act.__name__ = f"act_{action.name}"
    return unfold_action(
        description=action.label,
        url_path=f"do-{action.name.replace('_', '-')}",
        variant=ActionVariant(action.variant),
        attrs={"data-action": action.name},
    )(act)


# The order's buttons: one detail action per button of the workflow table.
for _action in ORDER_ACTIONS.values():
    if _action.button:
        setattr(OrderAdmin, f"act_{_action.name}", _detail_action(_action))
