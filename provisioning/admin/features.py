"""Service features in the admin: billing staff activate, change the quantity of
and cease features, one (buttons on the feature's page) or many (list actions),
always through ``provisioning.actions.features`` so that each change is
recorded with who made it."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from unfold.admin import TabularInline
from unfold.decorators import action as unfold_action
from unfold.enums import ActionVariant
from unfold.widgets import UnfoldAdminDateWidget, UnfoldAdminIntegerFieldWidget, UnfoldAdminTextareaWidget

from providers.changelog_admin import ChangeLogPanelMixin
from providers.periods import refuse_closed_period
from providers.scoping import (
    ProviderScopedAdmin,
    ProviderScopedInline,
    ScopedRelatedFieldListFilter,
)
from ssaas.common import formats
from ssaas.common.admin_mixins import ReadOnlyAdminMixin

from ..actions import features as feature_services
from ..actions.features import ACTIVATION_DATE
from ..models import ServiceFeature, ServiceFeatureChange
from ..policies import may_activate_features
from .refusals import RefusalFormMixin


def _features(count: int) -> str:
    return f"{count} feature{'' if count == 1 else 's'}"


class _DateField(forms.DateField):
    # Day first, as errors and every other page write dates (a browser's own date
    # field follows the browser's locale: month first in a US one).
    widget = UnfoldAdminDateWidget(attrs={"placeholder": "dd/mm/yyyy"}, format=formats.DAY_FORMAT)


class _NoteField(forms.CharField):
    def __init__(self):
        super().__init__(required=False, widget=UnfoldAdminTextareaWidget(attrs={"rows": 2}), label="Note")


class ActivateForm(forms.Form):
    active_from = _DateField(label="active from", help_text="The first day it is active.")
    note = _NoteField()

    def arguments(self) -> dict:
        return {"active_from": self.cleaned_data["active_from"], "note": self.cleaned_data["note"]}


class ChangeQuantityForm(forms.Form):
    quantity = forms.IntegerField(min_value=1, widget=UnfoldAdminIntegerFieldWidget)
    effective_from = _DateField(help_text="The first day of the new quantity.")
    note = _NoteField()

    def arguments(self) -> dict:
        return dict(self.cleaned_data)


class CeaseForm(forms.Form):
    active_to = _DateField(label="last active day")
    note = _NoteField()

    def arguments(self) -> dict:
        return {"active_to": self.cleaned_data["active_to"], "note": self.cleaned_data["note"]}


# action name → (title, form, service)
FEATURE_OPERATIONS = {
    "activate": ("Activate", ActivateForm, feature_services.service_feature_activate),
    "change_quantity": (
        "Change the quantity of",
        ChangeQuantityForm,
        feature_services.service_feature_change_quantity,
    ),
    "cease": ("Cease", CeaseForm, feature_services.service_feature_cease),
}


class ServiceFeatureInline(ReadOnlyAdminMixin, ProviderScopedInline, TabularInline):
    """Features shown on their service; they change on their own pages, recorded."""

    model = ServiceFeature
    extra = 0
    fields = ["product", "quantity", "status_shown", "requested_on", "active_from", "active_to"]
    readonly_fields = ["status_shown"]
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("service__provider", "product")

    @admin.display(description="status")
    def status_shown(self, obj: ServiceFeature) -> str:
        return obj.status_on() if obj.pk else "—"


class ServiceFeatureChangeInline(ReadOnlyAdminMixin, ProviderScopedInline, TabularInline):
    model = ServiceFeatureChange
    extra = 0
    fields = ["at", "action", "effective_date", "quantity_before", "quantity_after", "acting_user"]
    fields += ["note"]
    readonly_fields = fields
    ordering = ["at", "pk"]
    verbose_name_plural = "history"


class ServiceFeatureAddForm(forms.ModelForm):
    active_from = forms.DateField(
        required=False,
        label="active from",
        help_text="Leave empty to record a request; a date activates it from that day.",
    )
    note = _NoteField()

    class Meta:
        model = ServiceFeature
        fields = ["service", "product", "quantity"]


@admin.register(ServiceFeature)
class ServiceFeatureAdmin(ChangeLogPanelMixin, RefusalFormMixin, ProviderScopedAdmin):
    list_display = [
        "service",
        "product",
        "quantity",
        "status_shown",
        "active_from",
        "active_to",
        "activated_by",
    ]
    list_filter = [
        "status",
        "product__kind",
        ("service__provider", ScopedRelatedFieldListFilter),
    ]
    list_select_related = ["service__customer", "service__provider", "product", "activated_by"]
    search_fields = ["service__reference", "service__customer__name", "product__name"]
    autocomplete_fields = ["service", "product"]
    inlines = [ServiceFeatureChangeInline]
    actions = ["activate_selected", "change_quantity_selected", "cease_selected"]
    change_form_template = "admin/provisioning/servicefeature/change_form.html"

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ServiceFeatureAddForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            # Activation by hand is billing's: others only request (``policies``).
            if may_activate_features(request.user):
                return ["service", "product", "quantity", "active_from", "note"]
            return ["service", "product", "quantity", "note"]
        return [
            "service",
            "product",
            "quantity",
            "status_shown",
            "requested_on",
            "active_from",
            "active_to",
            "activated_by",
            "activated_at",
        ]

    @admin.display(description="status", ordering="status")
    def status_shown(self, obj: ServiceFeature) -> str:
        """Ceased only once its last active day has passed (``status_on``)."""
        return obj.status_on()

    def get_readonly_fields(self, request, obj=None):
        # An existing feature changes only through the recorded operations.
        return self.get_fields(request, obj) if obj is not None else []

    def get_inlines(self, request, obj):
        return [] if obj is None else self.inlines

    def has_delete_permission(self, request, obj=None):
        return False  # a feature is ceased, never deleted: it and its history are what was billed

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if object_id is not None:
            extra_context = {
                **(extra_context or {}),
                "show_save": False,
                "show_save_and_continue": False,
                "show_save_and_add_another": False,
                "show_delete": False,
            }
        return super().changeform_view(request, object_id, form_url, extra_context)

    def _active_from(self, request, form):
        return form.cleaned_data.get("active_from") if may_activate_features(request.user) else None

    def check_form(self, request, form) -> None:
        """What ``service_feature_add`` will refuse, on the form with the input."""
        service, active_from = form.cleaned_data.get("service"), self._active_from(request, form)
        if form.instance.pk is None and service is not None:
            refuse_closed_period(service.provider, active_from, ACTIVATION_DATE, field="active_from")

    def save_model(self, request, obj, form, change):
        """A new feature is added by ``service_feature_add``, with its history; an
        existing one changes only through the operations (its form is read-only)."""
        if change:
            return
        data = form.cleaned_data
        feature = feature_services.service_feature_add(
            service=data["service"],
            product=data["product"],
            quantity=data["quantity"],
            active_from=self._active_from(request, form),
            note=data.get("note", ""),
            acting_user=request.user,
        )
        # The admin's log entry and redirect read the form's instance.
        obj.pk, obj.status, obj.active_from = feature.pk, feature.status, feature.active_from
        obj._state.adding = False

    # -- operations: one feature (buttons) or many (actions) ------------------

    # The feature's buttons: unfold's detail actions, only those its status allows.
    actions_detail = ["act_activate", "act_change_quantity", "act_cease"]
    _LEGAL = {"act_activate": {"requested"}, "act_change_quantity": {"requested", "active"}, "act_cease": {"active"}}

    def get_actions_detail(self, request, object_id):
        feature = self.get_object(request, unquote(str(object_id))) if object_id else None
        if feature is None or not self.has_change_permission(request, feature):
            return []
        return [
            a
            for a in super().get_actions_detail(request, object_id)
            if feature.status in self._LEGAL[a.method.original_function_name]
        ]

    # Each row's menu in the list: the same operations, only those legal for the
    # row's status (templates/admin/provisioning/servicefeature/change_list_results.html).
    actions_row = actions_detail

    def get_actions_row(self, request):
        return super().get_actions_row(request) if self.has_change_permission(request) else []

    def row_actions_for(self, actions: list[dict], feature: ServiceFeature) -> list[dict]:
        prefix = f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_"
        return [a for a in actions if feature.status in self._LEGAL[a["raw_path"].removeprefix(prefix)]]

    def _to_operation(self, object_id, operation: str):
        return redirect(reverse("admin:provisioning_servicefeature_operation", args=[object_id, operation]))

    @unfold_action(description="Activate…", url_path="do-activate", variant=ActionVariant.PRIMARY)
    def act_activate(self, request, object_id):
        return self._to_operation(object_id, "activate")

    @unfold_action(description="Change quantity…", url_path="do-change-quantity")
    def act_change_quantity(self, request, object_id):
        return self._to_operation(object_id, "change_quantity")

    @unfold_action(description="Cease…", url_path="do-cease", variant=ActionVariant.DANGER)
    def act_cease(self, request, object_id):
        return self._to_operation(object_id, "cease")

    def get_urls(self):
        return [
            path(
                "<path:object_id>/operation/<str:operation>/",
                self.admin_site.admin_view(self.operation_view),
                name="provisioning_servicefeature_operation",
            ),
            *super().get_urls(),
        ]

    def operation_view(self, request, object_id, operation):
        feature = self.get_object(request, object_id)
        if feature is None or operation not in FEATURE_OPERATIONS:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        queryset = self.get_queryset(request).filter(pk=feature.pk)
        return self._operate(request, queryset, operation, single=True) or HttpResponseRedirect(
            reverse("admin:provisioning_servicefeature_change", args=[feature.pk])
        )

    def _operate(self, request, queryset, operation: str, *, single: bool = False):
        if not self.has_change_permission(request):
            raise PermissionDenied
        title, form_class, service = FEATURE_OPERATIONS[operation]
        features = list(queryset.select_related("service__provider", "service__customer"))
        form = form_class(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            try:
                done = feature_services.service_features_apply(
                    features=features,
                    operation=service,
                    acting_user=request.user,
                    **form.arguments(),
                )
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                self.message_user(
                    request,
                    f"{title} {_features(len(done))}: done, and recorded.",
                    messages.SUCCESS,
                )
                if single:
                    # The feature as it now is: a change of quantity on a later day
                    # ends this one and carries the new quantity on a new one.
                    return HttpResponseRedirect(reverse("admin:provisioning_servicefeature_change", args=[done[0].pk]))
                return None
        context = {
            **self.admin_site.each_context(request),
            "title": f"{title} {_features(len(features))}",
            "opts": self.opts,
            "features": features,
            "form": form,
            "operation": operation,
            "single": single,
            "today": timezone.localdate(),
            # Back to the feature, or to the list as it was filtered when the action was chosen.
            "back_url": (
                reverse("admin:provisioning_servicefeature_change", args=[features[0].pk])
                if single
                else request.get_full_path()
            ),
        }
        return TemplateResponse(request, "admin/provisioning/servicefeature/operation.html", context)

    @admin.action(permissions=["change"], description="Activate selected features (on a date)…")
    def activate_selected(self, request, queryset):
        return self._operate(request, queryset, "activate")

    @admin.action(permissions=["change"], description="Change the quantity of selected features…")
    def change_quantity_selected(self, request, queryset):
        return self._operate(request, queryset, "change_quantity")

    @admin.action(permissions=["change"], description="Cease selected features (on a date)…")
    def cease_selected(self, request, queryset):
        return self._operate(request, queryset, "cease")
