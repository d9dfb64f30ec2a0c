"""Providers (retail and wholesale resellers of AAPT SSaaS), their bill periods,
customers, which staff users belong to them, and the change log."""

import datetime
import re
import zoneinfo

from auditlog.models import AbstractLogEntry, LogEntryManager
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.functional import cached_property

from ssaas.common import formats, secrets

from . import changelog
from .choices import (
    BillPeriodStatusChoices,
    ProviderIdentificationMethodChoices,
    ProviderKindChoices,
)

DEFAULT_TIME_ZONE = "Australia/Sydney"
AAPT_DEFAULT_REALM = "ssaas.aapt.com.au"

_REALM_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")

aapt_account_validator = RegexValidator(r"^\d{4,12}$", "An AAPT account number is 4 to 12 digits, for example 1234567.")


def parse_realms(text: str) -> list[str]:
    """The realms written one per line (or separated by commas/spaces), lower-cased."""
    seen: list[str] = []
    for part in re.split(r"[\s,;]+", text or ""):
        realm = part.strip().lower().lstrip("@")
        if realm and realm not in seen:
            seen.append(realm)
    return seen


class Provider(models.Model):
    """A service provider reselling AAPT SSaaS: retail (RSP) or wholesale (WSP)."""

    provider_lookup = "id"

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    kind = models.CharField(max_length=20, choices=ProviderKindChoices.choices, default=ProviderKindChoices.RETAIL)
    wholesale_provider = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="retail_providers",
        help_text="For a retail provider that buys SSaaS through a wholesale provider here.",
    )
    aapt_account = models.CharField(
        "AAPT account number",
        max_length=12,
        unique=True,
        validators=[aapt_account_validator],
        help_text="As it appears in AAPT's file names, e.g. CTOP_<account>_….",
    )
    identification_method = models.CharField(
        max_length=30,
        choices=ProviderIdentificationMethodChoices.choices,
        default=ProviderIdentificationMethodChoices.DISTINCT_USERNAME,
        help_text="How CTOP usage is matched to a service. A change applies to files "
        "ingested afterwards; usage already billed is never rewritten.",
    )
    custom_realms = models.TextField(
        blank=True,
        help_text="One realm per line, e.g. voice.example.com.au. Required for the custom username@realm method.",
    )
    time_zone = models.CharField(
        max_length=64,
        default=DEFAULT_TIME_ZONE,
        help_text="Dates of calls, services and bill periods are dates in this zone.",
    )

    ftp_host = models.CharField("AAPT FTP host", max_length=255, blank=True)
    ftp_port = models.PositiveIntegerField("FTP port", default=21)
    ftp_username = models.CharField("FTP username", max_length=150, blank=True)
    ftp_password_encrypted = models.TextField(blank=True, editable=False)
    ftp_directory = models.CharField("FTP directory", max_length=255, default="/")
    ftp_use_tls = models.BooleanField(
        "FTPS", default=True, help_text="Explicit FTPS (AUTH TLS) with a protected data channel."
    )
    ftp_verify_certificate = models.BooleanField(
        "verify FTPS certificate",
        default=True,
        help_text="Turn off only for a server whose certificate cannot be verified.",
    )
    ftp_passive = models.BooleanField("passive mode", default=True)

    # What the ledger (Xero) needs from a bill run's invoices.
    ledger_account_code = models.CharField(
        "ledger account code", max_length=20, default="200", help_text="Xero AccountCode of every invoice line."
    )
    ledger_tax_type = models.CharField(
        "ledger tax type", max_length=50, default="GST on Income", help_text="Xero TaxType of every invoice line."
    )
    invoice_prefix = models.CharField(max_length=20, default="INV-", blank=True)
    invoice_next_number = models.PositiveIntegerField(
        default=1, help_text="The number the next bill run's first invoice takes; each invoice takes the next."
    )
    payment_terms_days = models.PositiveIntegerField("payment terms (days)", default=14)

    is_active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="provider_wholesale_not_group_id",
                condition=~(
                    Q(kind=ProviderKindChoices.WHOLESALE)
                    & Q(identification_method=ProviderIdentificationMethodChoices.GROUP_ID)
                ),
                violation_error_message="A wholesale provider cannot use the Group ID method.",
            ),
            models.CheckConstraint(
                name="provider_not_own_wholesaler",
                condition=~Q(wholesale_provider=F("id")),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        # See FTP_PASSWORD_BOUND: a changed destination clears the stored password.
        self.ftp_password_cleared_for = []
        if not getattr(self, "_ftp_password_given", False):
            update_fields = kwargs.get("update_fields")
            watched = {*self.FTP_PASSWORD_BOUND, *self.FTP_PASSWORD_PROTECTED_BY}
            if update_fields is None or watched & set(update_fields):
                changes = self.ftp_password_exposing_changes()
                if changes:
                    self.ftp_password_encrypted = ""
                    self.ftp_password_cleared_for = changes
                    if update_fields is not None:
                        kwargs["update_fields"] = {*update_fields, "ftp_password_encrypted"}
        super().save(*args, **kwargs)
        self._ftp_password_given = False

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        method = self.identification_method
        if self.kind == ProviderKindChoices.WHOLESALE and method == ProviderIdentificationMethodChoices.GROUP_ID:
            errors["identification_method"] = (
                "Group ID is for retail providers only: a wholesale provider must use "
                "distinct username (FNN / hosted number / distinct username)."
            )
        if self.wholesale_provider_id:
            if self.kind == ProviderKindChoices.WHOLESALE:
                errors["wholesale_provider"] = "Only a retail provider buys through a wholesale provider."
            elif self.pk and self.wholesale_provider_id == self.pk:
                errors["wholesale_provider"] = "A provider cannot buy through itself."
            elif self.wholesale_provider.kind != ProviderKindChoices.WHOLESALE:
                errors["wholesale_provider"] = f"{self.wholesale_provider} is not a wholesale provider."
        realms = parse_realms(self.custom_realms)
        bad = [r for r in realms if not _REALM_RE.match(r)]
        if bad:
            errors["custom_realms"] = f"Not a realm (a domain name): {', '.join(bad)}."
        elif method == ProviderIdentificationMethodChoices.CUSTOM_REALM and not realms:
            errors["custom_realms"] = "List at least one realm: the custom username@realm method needs them."
        else:
            self.custom_realms = "\n".join(realms)
        try:
            zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            errors["time_zone"] = f"Unknown time zone {self.time_zone!r}; use a name such as Australia/Perth."
        if self.ftp_host and not self.ftp_username:
            errors["ftp_username"] = "An FTP host needs a username."
        clash = self.service_reference_read_as_invoice_number()
        if clash:
            errors["invoice_prefix"] = (
                f"Invoice numbers {self.invoice_prefix}1, {self.invoice_prefix}2 … would read as service "
                f"references ({clash} is one): choose a prefix no service reference starts with, e.g. INV-."
            )
        if errors:
            raise ValidationError(errors)

    # -- invoice numbers ----------------------------------------------------

    def reads_as_invoice_number(self, text: str) -> bool:
        """Whether ``text`` has the form of this provider's invoice numbers: the
        prefix (in any case) and digits."""
        prefix = self.invoice_prefix or ""
        return text[: len(prefix)].casefold() == prefix.casefold() and text[len(prefix) :].isdigit()

    def service_reference_read_as_invoice_number(self) -> str:
        """A reference of this provider's services that has the form of its
        invoice numbers ("HV-1001" under the prefix "HV-"), or "": an invoice and
        a service must never be taken for each other on an invoice's lines."""
        if not self.pk:
            return ""
        # By the reverse relation: providers does not import provisioning.
        pattern = f"^{re.escape(self.invoice_prefix or '')}[0-9]+$"
        return self.services.filter(reference__iregex=pattern).values_list("reference", flat=True).first() or ""

    # -- time ---------------------------------------------------------------

    @cached_property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def local_date(self, moment: datetime.datetime) -> datetime.date:
        """The date, in this provider's zone, of an aware instant."""
        return moment.astimezone(self.tz).date()

    # -- realms -------------------------------------------------------------

    @property
    def realms(self) -> list[str]:
        return parse_realms(self.custom_realms)

    # -- the FTP password ---------------------------------------------------

    @property
    def has_ftp_password(self) -> bool:
        return bool(self.ftp_password_encrypted)

    def set_ftp_password(self, raw: str) -> None:
        """Store ``raw`` encrypted; an empty value clears the password."""
        self.ftp_password_encrypted = secrets.encrypt(raw) if raw else ""
        self._ftp_password_given = True

    # Where the password goes and how it travels: changing any of these without
    # entering the password again clears it, so that it is never sent to a new
    # host, or in clear, on the strength of a password entered for the old one.
    FTP_PASSWORD_BOUND = {
        "ftp_host": "FTP host",
        "ftp_port": "FTP port",
        "ftp_username": "FTP username",
    }
    FTP_PASSWORD_PROTECTED_BY = {"ftp_use_tls": "FTPS", "ftp_verify_certificate": "certificate verification"}

    def ftp_password_exposing_changes(self) -> list[str]:
        """What changed since the stored row that the stored password was not
        entered for: a new host, port or username, FTPS or certificate checks off."""
        if self.pk is None or not self.ftp_password_encrypted:
            return []
        fields = [*self.FTP_PASSWORD_BOUND, *self.FTP_PASSWORD_PROTECTED_BY]
        stored = type(self)._base_manager.filter(pk=self.pk).values(*fields).first()
        if stored is None:
            return []
        changes = [label for name, label in self.FTP_PASSWORD_BOUND.items() if getattr(self, name) != stored[name]]
        changes += [
            f"{label} turned off"
            for name, label in self.FTP_PASSWORD_PROTECTED_BY.items()
            if stored[name] and not getattr(self, name)
        ]
        return changes

    def get_ftp_password(self) -> str:
        if not self.ftp_password_encrypted:
            return ""
        return secrets.decrypt(self.ftp_password_encrypted)

    @property
    def has_ftp_settings(self) -> bool:
        return bool(self.ftp_host and self.ftp_username)


class BillPeriodQuerySet(models.QuerySet):
    def closed(self):
        return self.filter(status=BillPeriodStatusChoices.CLOSED)

    def containing(self, day: datetime.date):
        return self.filter(start_date__lte=day, end_date__gte=day)


class BillPeriod(models.Model):
    """A provider's billing period (dates inclusive, in the provider's zone).

    Nothing may be backdated into a closed period."""

    provider_lookup = "provider"

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="bill_periods")
    start_date = models.DateField()
    end_date = models.DateField()
    status = models.CharField(
        max_length=10, choices=BillPeriodStatusChoices.choices, default=BillPeriodStatusChoices.OPEN
    )

    objects = BillPeriodQuerySet.as_manager()

    class Meta:
        ordering = ["provider__name", "-start_date"]
        constraints = [
            models.CheckConstraint(
                name="billperiod_end_after_start",
                condition=Q(end_date__gte=F("start_date")),
                violation_error_message="A bill period cannot end before it starts.",
            ),
            models.UniqueConstraint(fields=["provider", "start_date"], name="billperiod_unique_start"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.label} ({self.get_status_display().lower()})"

    @property
    def label(self) -> str:
        if (
            self.start_date
            and self.end_date
            and self.start_date.day == 1
            and (self.end_date + datetime.timedelta(days=1)).day == 1
            and self.start_date.month == self.end_date.month
        ):
            return self.start_date.strftime("%B %Y")
        return f"{formats.day(self.start_date)}–{formats.day(self.end_date)}"

    @property
    def days(self) -> int:
        return (self.end_date - self.start_date).days + 1

    @property
    def is_closed(self) -> bool:
        return self.status == BillPeriodStatusChoices.CLOSED

    def clean(self) -> None:
        super().clean()
        if self.start_date and self.end_date:
            if self.end_date < self.start_date:
                raise ValidationError({"end_date": "A bill period cannot end before it starts."})
            if self.provider_id:
                clashes = (
                    BillPeriod.objects.filter(
                        provider_id=self.provider_id,
                        start_date__lte=self.end_date,
                        end_date__gte=self.start_date,
                    )
                    .exclude(pk=self.pk)
                    .order_by("start_date")
                )
                if clashes:
                    labels = ", ".join(p.label for p in clashes)
                    noun = "period" if len(clashes) == 1 else "periods"
                    raise ValidationError({"start_date": f"Overlaps the bill {noun} {labels} of {self.provider}."})


class Customer(models.Model):
    """A provider's customer: the owner of one or more Voice SSaaS services."""

    provider_lookup = "provider"

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="customers")
    reference = models.CharField(max_length=50, help_text="The provider's own customer number or code.")
    name = models.CharField(max_length=200)
    contact_name = models.CharField(max_length=200, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=30, blank=True)
    billing_contact_name = models.CharField(
        max_length=200, blank=True, help_text="The contact name in the ledger; empty: the customer's name."
    )
    billing_email = models.EmailField(blank=True, help_text="Where invoices go; empty: the contact email.")
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "reference"],
                name="customer_unique_reference",
                violation_error_message="This provider already has a customer with this reference.",
            ),
        ]
        indexes = [models.Index(fields=["provider", "name"], name="customer_provider_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.reference})"

    @property
    def ledger_contact_name(self) -> str:
        return self.billing_contact_name or self.name

    @property
    def invoice_email(self) -> str:
        return self.billing_email or self.contact_email


class StaffMembership(models.Model):
    """A staff user belongs to a provider, and so sees that provider's data (and,
    for a wholesale provider, that of the retail providers buying through it)."""

    provider_lookup = "provider"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="provider_memberships")
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="memberships")

    class Meta:
        ordering = ["provider__name", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["user", "provider"], name="membership_unique"),
        ]
        verbose_name = "staff membership"

    def __str__(self) -> str:
        return f"{self.user} at {self.provider}"


# ---------------------------------------------------------------------------
# The change log
# ---------------------------------------------------------------------------


class ChangeLogManager(LogEntryManager):
    def log_create(self, instance, force_log: bool = False, **kwargs):
        """auditlog's row, with who acted, the note and the provider of ``instance``
        (providers/changelog.py); none for an update that changed no value."""
        changes = kwargs.get("changes")
        if changes and kwargs.get("action") == AbstractLogEntry.Action.UPDATE:
            kwargs["changes"] = changes = changelog.real_changes(instance, changes)
            if not changes:
                return None
        if kwargs.get("changes") is None and not force_log:
            return None
        # auditlog's own log_create, but for the record's name: its str() is taken
        # where it cannot fail a save (changelog.entry_values).
        from auditlog.cid import get_cid
        from django.contrib.contenttypes.models import ContentType

        pk = self._get_pk_value(instance)
        kwargs.setdefault("content_type", ContentType.objects.get_for_model(instance))
        kwargs.setdefault("object_pk", pk)
        if isinstance(pk, int):
            kwargs.setdefault("object_id", pk)
        kwargs.setdefault("cid", get_cid())
        for name, value in changelog.entry_values(instance).items():
            kwargs.setdefault(name, value)
        entry = self.create(**kwargs)
        changelog.remember(entry)
        return entry


class ChangeLogEntry(AbstractLogEntry):
    """One change to a row that decides a charge (a rate, a price, a number's dates, a
    bill period's status …): who (``actor``; none: the system), when, the row, each
    field's value before and after (``changes``) and a note.

    Written by django-auditlog's signals for the models ``providers.changelog.track``
    registers, never by hand, and never changed or deleted in the admin. Scoped by
    ``provider``, the provider of the row logged."""

    provider_lookup = "provider"

    provider = models.ForeignKey(
        Provider, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    actor_name = models.CharField(
        "user", max_length=150, blank=True, help_text="The user's name when they made the change; empty: the system."
    )
    note = models.TextField(blank=True, help_text="Why, or through what: the admin's message, an order, an import.")
    # The row whose page also lists this change (a rate's plan, an identifier's service).
    parent_content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    parent_id = models.BigIntegerField(null=True, blank=True)

    objects = ChangeLogManager()

    class Meta(AbstractLogEntry.Meta):
        verbose_name = "change log entry"
        verbose_name_plural = "change log entries"
        # Read in the admin, written by the signals: nobody is given the rest.
        default_permissions = ("view",)
        ordering = ["-timestamp", "-pk"]
        indexes = [
            models.Index(fields=["provider", "-timestamp"], name="changelog_provider_time"),
            models.Index(fields=["content_type", "object_id"], name="changelog_object"),
            models.Index(fields=["parent_content_type", "parent_id"], name="changelog_parent"),
        ]

    # How the admin says each action ("create", "update", "delete" are auditlog's).
    ACTION_LABELS = {
        AbstractLogEntry.Action.CREATE: "added",
        AbstractLogEntry.Action.UPDATE: "changed",
        AbstractLogEntry.Action.DELETE: "deleted",
    }

    def __str__(self) -> str:
        return f"{self.action_label.capitalize()} {self.object_repr}"

    @property
    def action_label(self) -> str:
        return self.ACTION_LABELS.get(self.action, str(self.get_action_display()))

    @property
    def who(self) -> str:
        return self.actor_name or "system"
