from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils.decorators import method_decorator
from django.utils.html import escape
from django.views.decorators.debug import sensitive_post_parameters
from unfold.admin import ModelAdmin, TabularInline
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from ssaas.common.admin_mixins import RefusalsAsMessagesMixin, add_refusal

from .changelog_admin import ChangeLogPanelMixin
from .choices import ProviderKindChoices
from .models import BillPeriod, Customer, Provider, StaffMembership
from .periods import bill_period_check, bill_period_delete, bill_period_delete_refusal, bill_period_save
from .scoping import ProviderScopedAdmin, ProviderScopedInline, ScopedRelatedFieldListFilter, visible_provider_ids


class ProviderAdminForm(forms.ModelForm):
    """The FTP password is write-only: a field to replace it, never its value."""

    new_ftp_password = forms.CharField(
        label="New FTP password",
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Leave empty to keep the stored password.",
    )
    clear_ftp_password = forms.BooleanField(label="Remove the stored FTP password", required=False)

    class Meta:
        model = Provider
        fields = [
            "name",
            "slug",
            "kind",
            "wholesale_provider",
            "aapt_account",
            "is_active",
            "identification_method",
            "custom_realms",
            "time_zone",
            "ftp_host",
            "ftp_port",
            "ftp_username",
            "ftp_directory",
            "ftp_use_tls",
            "ftp_verify_certificate",
            "ftp_passive",
            "ledger_account_code",
            "ledger_tax_type",
            "invoice_prefix",
            "invoice_next_number",
            "payment_terms_days",
        ]
        widgets = {"custom_realms": forms.Textarea(attrs={"rows": 3, "cols": 40})}

    def clean(self):
        data = super().clean()
        if data.get("new_ftp_password") and data.get("clear_ftp_password"):
            raise forms.ValidationError("Either enter a new FTP password or remove the stored one, not both.")
        return data

    def _post_clean(self):
        # Before model validation, so that the instance saved carries the new secret.
        if self.cleaned_data.get("clear_ftp_password"):
            self.instance.set_ftp_password("")
        elif self.cleaned_data.get("new_ftp_password"):
            self.instance.set_ftp_password(self.cleaned_data["new_ftp_password"])
        super()._post_clean()


class BillPeriodInline(ProviderScopedInline, TabularInline):
    """The provider's periods, read here; each is added and changed on its own page,
    through the period writer (a closed one is read-only there)."""

    model = BillPeriod
    extra = 0
    fields = ["start_date", "end_date", "status"]
    readonly_fields = fields
    ordering = ["-start_date"]
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Provider)
class ProviderAdmin(ChangeLogPanelMixin, ProviderScopedAdmin):
    form = ProviderAdminForm
    list_display = [
        "name",
        "kind",
        "aapt_account",
        "identification_method",
        "wholesale_provider",
        "ftp_password_status",
        "is_active",
    ]
    list_filter = ["kind", "identification_method", "is_active"]
    search_fields = ["name", "slug", "aapt_account"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["wholesale_provider"]
    readonly_fields = ["ftp_password_status", "created_at", "updated_at"]
    inlines = [BillPeriodInline]
    fieldsets = [
        (
            None,
            {"fields": ["name", "slug", "kind", "wholesale_provider", "aapt_account", "is_active"]},
        ),
        (
            "Usage identification",
            {"fields": ["identification_method", "custom_realms", "time_zone"]},
        ),
        (
            "AAPT FTP directory",
            {
                "fields": [
                    "ftp_host",
                    "ftp_port",
                    "ftp_username",
                    "ftp_password_status",
                    "new_ftp_password",
                    "clear_ftp_password",
                    "ftp_directory",
                    "ftp_use_tls",
                    "ftp_verify_certificate",
                    "ftp_passive",
                ]
            },
        ),
        (
            "Ledger (bill run invoices)",
            {
                "fields": [
                    "ledger_account_code",
                    "ledger_tax_type",
                    "invoice_prefix",
                    "invoice_next_number",
                    "payment_terms_days",
                ]
            },
        ),
        ("Record", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        # The admin draws help texts as HTML: "CTOP_<account>_…" lost its "<account>".
        if field is not None and field.help_text:
            field.help_text = escape(field.help_text)
        return field

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and not self.has_change_permission(request, obj):
            # Read-only: the write-only password fields would only show "None".
            hidden = {"new_ftp_password", "clear_ftp_password"}
            fieldsets = [
                (name, {**options, "fields": [f for f in options["fields"] if f not in hidden]})
                for name, options in fieldsets
            ]
        return fieldsets

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "wholesale_provider":
            field.queryset = field.queryset.filter(kind=ProviderKindChoices.WHOLESALE)
        return field

    @admin.display(description="FTP password")
    def ftp_password_status(self, obj: Provider) -> str:
        return "set" if obj and obj.has_ftp_password else "not set"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if obj.ftp_password_cleared_for:
            self.message_user(
                request,
                f"{', '.join(obj.ftp_password_cleared_for).capitalize()}: the stored FTP password was removed. "
                "Enter it again (New FTP password) before the next collection.",
                messages.WARNING,
            )

    @method_decorator(sensitive_post_parameters("new_ftp_password"))
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return super().changeform_view(request, object_id, form_url, extra_context)


class BillPeriodForm(forms.ModelForm):
    """What the period writer will refuse is a form error, with the input kept."""

    class Meta:
        model = BillPeriod
        fields = ["provider", "start_date", "end_date", "status"]
        help_texts = {
            "status": "Closed: a month billed before this system. An open period is closed by its bill run "
            "(Bill runs → Close), and a closed period can never be reopened or moved.",
        }

    def _post_clean(self):
        super()._post_clean()
        if not self.errors:
            try:
                bill_period_check(self.instance)
            except ValidationError as exc:
                add_refusal(self, exc)


@admin.register(BillPeriod)
class BillPeriodAdmin(ChangeLogPanelMixin, RefusalsAsMessagesMixin, ProviderScopedAdmin):
    """Periods are written through ``providers.periods``: a closed one is read-only
    for everyone (no change, no delete), an open one is closed by its bill run."""

    form = BillPeriodForm
    list_display = ["provider", "label", "start_date", "end_date", "status"]
    list_filter = [("provider", ScopedRelatedFieldListFilter), "status"]
    list_select_related = ["provider"]
    search_fields = ["provider__name"]
    ordering = ["provider__name", "-start_date"]
    date_hierarchy = None

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (obj is not None and obj.is_closed)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj is not None and obj.is_closed)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return ["provider", "status"]  # an open period's status is its bill run's to change
        return []

    def save_model(self, request, obj, form, change):
        bill_period_save(period=obj, acting_user=request.user)

    def delete_model(self, request, obj):
        bill_period_delete(period=obj, acting_user=request.user)

    def delete_queryset(self, request, queryset):
        for period in queryset:
            bill_period_delete(period=period, acting_user=request.user)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            with transaction.atomic():
                return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as exc:  # the writer refused after the form's check (a race)
            return self._refused(request, exc)

    def changelist_view(self, request, extra_context=None):
        # "Delete selected" of a closed period: refused on the list before Django's
        # confirmation page, which would only answer 403.
        if request.method == "POST" and request.POST.get("action") == "delete_selected":
            chosen = self.get_queryset(request).filter(pk__in=request.POST.getlist(helpers.ACTION_CHECKBOX_NAME))
            refusals = [refusal for refusal in map(bill_period_delete_refusal, chosen) if refusal]
            if refusals:
                return self._refused(request, ValidationError(refusals))
        return super().changelist_view(request, extra_context)


@admin.register(Customer)
class CustomerAdmin(ProviderScopedAdmin):
    list_display = [
        "name",
        "reference",
        "provider",
        "contact_name",
        "contact_email",
        "service_count",
    ]
    list_filter = [("provider", ScopedRelatedFieldListFilter)]
    list_select_related = ["provider"]
    search_fields = ["name", "reference", "contact_name", "contact_email", "contact_phone"]
    ordering = ["name"]
    autocomplete_fields = ["provider"]
    fields = [
        "provider",
        "reference",
        "name",
        "contact_name",
        "contact_email",
        "contact_phone",
        "billing_contact_name",
        "billing_email",
        "notes",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_service_count=Count("services"))

    @admin.display(description="services", ordering="_service_count")
    def service_count(self, obj: Customer) -> int:
        return obj._service_count

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        ids = visible_provider_ids(request.user)
        if ids is not None and len(ids) == 1:
            initial.setdefault("provider", next(iter(ids)))
        return initial


@admin.register(StaffMembership)
class StaffMembershipAdmin(ProviderScopedAdmin):
    list_display = ["user", "provider"]
    list_filter = [("provider", ScopedRelatedFieldListFilter)]
    list_select_related = ["user", "provider"]
    search_fields = ["user__username", "user__email", "provider__name"]
    autocomplete_fields = ["user", "provider"]


class StaffMembershipInline(ProviderScopedInline, TabularInline):
    model = StaffMembership
    extra = 0
    autocomplete_fields = ["provider"]
    verbose_name_plural = "provider memberships (what this user can see)"


User = get_user_model()
admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class StaffUserAdmin(UserAdmin, ModelAdmin):
    """Users, with the providers they belong to on their page (unfold's forms, as its
    documentation says for the auth admins)."""

    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm
    inlines = [StaffMembershipInline]


@admin.register(Group)
class RoleGroupAdmin(GroupAdmin, ModelAdmin):
    """The role groups (ssaas/roles.py keeps their permissions)."""
