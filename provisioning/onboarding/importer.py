"""The onboarding import: every row of every sheet checked by the models' own
validation, every error collected, and all or nothing written.

Services, identifiers, ranges and features are written by their actions
(``provisioning.actions``), as anywhere else: a date in a closed bill period is
refused with the one message, reported under the row's date column, and a
feature's history records it with the person importing (or the operator at the
shell) and the file's name. Plans, rates, the catalogue and customers have no
such rules and are saved here.

Rows are saved in import order inside one transaction, so that a row is
checked against the database *and* against the rows before it in the same
file (a service names a customer created two sheets earlier; two rows holding
the same number range clash). A dry run, or any error, rolls the whole
transaction back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any, BinaryIO

from django.contrib.admin.models import CHANGE, LogEntry
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import DatabaseError, models, transaction
from django.utils import timezone

from providers.changelog import recorded
from providers.models import Customer, Provider
from provisioning.actions.features import service_feature_import
from provisioning.actions.identifiers import service_identifier_save
from provisioning.actions.services import service_save
from provisioning.choices import (
    ServiceFeatureStatusChoices,
    ServiceIdentifierKindChoices,
    ServiceStatusChoices,
)
from provisioning.models import (
    NUMBER_KINDS,
    FeatureProduct,
    HostedNumberRange,
    PlanRate,
    Service,
    ServiceFeature,
    ServiceIdentifier,
    ServicePlan,
)

from ..policies import may_import_onboarding
from . import cells
from .layout import CATALOGUE, CUSTOMERS, FEATURES, IDENTIFIERS, PLANS, RANGES, SERVICES
from .reader import Row, Sheet, read_onboarding_file
from .result import CREATED, UNCHANGED, UPDATED, OnboardingResult, RowError

logger = logging.getLogger(__name__)


def onboarding_import(
    *,
    acting_user,
    provider: Provider,
    file: BinaryIO,
    file_name: str,
    kind: str | None = None,
    dry_run: bool,
) -> OnboardingResult:
    """Import an onboarding workbook (XLSX) or CSV file into ``provider``.

    Creates or updates by natural key. Commits only when nothing at all is
    wrong and ``dry_run`` is false; otherwise nothing is written and the
    result lists every error. ``kind`` names the rows of a CSV file (by
    default, the file name does). ``acting_user`` ``None`` is the operator at
    the server's shell (``manage.py import_onboarding`` without ``--user``).
    """
    if acting_user is not None and not may_import_onboarding(acting_user, provider):
        raise PermissionDenied(f"{acting_user} may not import onboarding data into {provider}.")
    result = OnboardingResult(dry_run=dry_run, file_name=file_name)
    sheets, errors = read_onboarding_file(file, name=file_name, kind=kind)
    result.errors += errors
    # Every change the import makes is in the change log with the file's name (the
    # system's when no user is given: the command at the server's shell).
    with transaction.atomic(), recorded(acting_user, note=f"Onboarding import of {file_name}."):
        importer = _Importer(provider=provider, acting_user=acting_user, result=result)
        for sheet in sheets:
            importer.import_sheet(sheet)
        if result.errors or dry_run:
            transaction.set_rollback(True)
        else:
            _record(acting_user, provider, result)
    return result


def _record(acting_user, provider: Provider, result: OnboardingResult) -> None:
    message = f"Imported onboarding file {result.file_name}: {result.summary()}."
    logger.info(
        "%s imported onboarding file %s into %s: %s",
        acting_user or "The operator",
        result.file_name,
        provider,
        result.summary(),
    )
    if acting_user is not None:
        LogEntry.objects.log_actions(
            user_id=acting_user.pk,
            queryset=[provider],
            action_flag=CHANGE,
            change_message=message,
            single_object=True,
        )


# ---------------------------------------------------------------------------
# One row
# ---------------------------------------------------------------------------


class _RowCheck:
    """A row being imported: its parsed cells and the errors found in it."""

    def __init__(self, sheet: Sheet, row: Row, result: OnboardingResult):
        self.sheet, self.row, self.result = sheet, row, result
        self.values: dict[str, Any] = {}
        self.bad_columns: set[str] = set()
        for column in sheet.layout.columns:
            raw = row.cells.get(column.name)
            if column.required and cells.is_blank(raw):
                self.error(column.name, "This cell is empty: it is required.")
                continue
            try:
                self.values[column.name] = column.parse(raw)
            except cells.CellError as exc:
                self.error(column.name, str(exc))

    def error(self, column: str, message: str) -> None:
        self.bad_columns.add(column)
        header = self.sheet.header(column) if column else ""
        self.result.errors.append(RowError(self.sheet.title, self.row.number, header, message))

    def has(self, column: str) -> bool:
        """Whether the sheet has this column (a column left out leaves the field as it is)."""
        return column in self.sheet.headers

    def get(self, column: str, default: Any = None) -> Any:
        value = self.values.get(column)
        return default if value is None or value == "" else value

    def raw(self, column: str) -> Any:
        return self.row.cells.get(column)

    def set_fields(self, obj: models.Model, columns: dict[str, str]) -> None:
        """Copy the cells of ``columns`` (column → field) the sheet has and could read."""
        for column, field_name in columns.items():
            if self.has(column) and column not in self.bad_columns:
                value = self.values.get(column)
                setattr(obj, field_name, "" if value is None and _is_text(obj, field_name) else value)


def _is_text(obj: models.Model, field_name: str) -> bool:
    return isinstance(obj._meta.get_field(field_name), models.CharField | models.TextField)


def _link(obj: models.Model, **related: models.Model | None) -> set[str]:
    """Point ``obj`` at the related objects the row named and found; returns the names
    of those not found, to leave out of its validation (their cells are reported)."""
    for name, value in related.items():
        if value is not None:
            setattr(obj, name, value)
    return {name for name, value in related.items() if value is None}


def _snapshot(obj: models.Model) -> dict[str, Any]:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


# ---------------------------------------------------------------------------
# The import
# ---------------------------------------------------------------------------


class _Importer:
    def __init__(self, *, provider: Provider, acting_user, result: OnboardingResult):
        self.provider = provider
        self.acting_user = acting_user
        self.result = result
        self.today = provider.local_date(timezone.now())
        self.note = f"Onboarding import of {result.file_name}."
        # Objects found or saved so far, by natural key, per kind.
        self.found: dict[str, dict[Any, models.Model]] = {
            CATALOGUE: {},
            PLANS: {},
            CUSTOMERS: {},
            SERVICES: {},
        }
        # Natural keys of rows with errors, per kind: key → row number.
        self.failed: dict[str, dict[Any, int]] = {kind: {} for kind in self.found}
        # Natural keys already seen in this file: (kind, key) → row number.
        self.seen: dict[tuple[str, Any], int] = {}
        self.handlers: dict[str, Callable[[_RowCheck], None]] = {
            CATALOGUE: self.catalogue_row,
            PLANS: self.plans_row,
            CUSTOMERS: self.customers_row,
            SERVICES: self.services_row,
            IDENTIFIERS: self.identifiers_row,
            RANGES: self.ranges_row,
            FEATURES: self.features_row,
        }

    def import_sheet(self, sheet: Sheet) -> None:
        handler = self.handlers[sheet.kind]
        for row in sheet.rows:
            self.result.rows += 1
            handler(_RowCheck(sheet, row, self.result))

    # -- shared steps ---------------------------------------------------------

    def once_in_file(self, check: _RowCheck, key: Any, column: str, noun: str) -> bool:
        """False (and an error) when an earlier row of the sheet has the same natural key."""
        seen_key = (check.sheet.kind, key)
        earlier = self.seen.setdefault(seen_key, check.row.number)
        if earlier != check.row.number:
            check.error(column, f"Row {earlier} has the same {noun}: write it once.")
            return False
        return True

    def save(
        self,
        check: _RowCheck,
        obj: models.Model,
        *,
        entity: str,
        fields: dict[str, str],
        before: dict[str, Any] | None,
        exclude: Iterable[str] = (),
        writer: Callable[..., models.Model] | None = None,
    ) -> bool:
        """Validate ``obj`` with ``full_clean()``, reporting its errors under the columns
        ``fields`` (field → column) names, and save it unless one of those columns
        has an error.

        ``before`` is the saved object's state before the row changed it (``None``
        for a new object). ``writer(obj, exclude)`` is the action that writes it,
        if any. Returns whether the object is (or already was) saved."""
        already_bad = set(check.bad_columns)
        skip = {f for f, column in fields.items() if column in already_bad} | set(exclude)
        refused = False
        try:
            obj.full_clean(exclude=skip)
        except ValidationError as exc:
            refused = True
            for field_name, messages in exc.message_dict.items():
                column = "" if field_name == NON_FIELD_ERRORS else fields.get(field_name, "")
                if column in already_bad and column:
                    # A consequence of the cell already reported (``clean()`` sees it empty).
                    continue
                for message in messages:
                    check.error(column, message)
        if refused or check.bad_columns & {"", *fields.values()}:
            return False
        if before is not None and _snapshot(obj) == before:
            self.result.add(entity, UNCHANGED)
            return True
        try:
            with transaction.atomic():
                if writer is None:
                    obj.save()
                else:
                    writer(obj, skip)
        except ValidationError as exc:
            # The action's own refusal (a closed bill period), under the column it names.
            for field_name, messages in (
                exc.message_dict.items() if hasattr(exc, "error_dict") else [("", exc.messages)]
            ):
                for message in messages:
                    check.error(fields.get(field_name, ""), message)
            return False
        except DatabaseError as exc:
            check.error("", f"The database refused this row: {exc}")
            return False
        self.result.add(entity, CREATED if before is None else UPDATED)
        return True

    def find(self, check: _RowCheck, column: str, kind: str, noun: str, lookup) -> Any:
        """The object the cell ``column`` refers to (by natural key) from an earlier
        row or the database; ``None`` (with an error) when there is none."""
        key = check.get(column)
        if key is None or column in check.bad_columns:
            return None
        if key in self.found[kind]:
            return self.found[kind][key]
        obj = lookup(key)
        if obj is not None:
            self.found[kind][key] = obj
            return obj
        if key in self.failed[kind]:
            check.error(
                column,
                f"{noun.capitalize()} {key} is on row {self.failed[kind][key]} of the {kind} sheet, which has errors.",
            )
        else:
            check.error(column, f"No {noun} {key} at {self.provider}, nor on the {kind} sheet.")
        return None

    def remember(self, kind: str, key: Any, obj: models.Model, saved: bool, row: int) -> None:
        if saved:
            self.found[kind][key] = obj
        elif key is not None:
            self.failed[kind].setdefault(key, row)

    def keyed(self, check: _RowCheck, model: type[models.Model], key: str):
        """The provider's object whose field ``key`` the row's column ``key`` names, a new
        one if there is none, or ``None`` (with an error) when an earlier row named it.

        Returns ``(object, its saved state or None, the key's value)``."""
        value = check.get(key)
        if value and not self.once_in_file(check, value, key, key.replace("_", " ")):
            return None
        found = model.objects.filter(provider=self.provider, **{key: value}).first() if value else None
        if found is not None:
            return found, _snapshot(found), value
        return model(provider=self.provider, **{key: value or ""}), None, value

    def plain_row(self, check: _RowCheck, model: type[models.Model], *, kind: str, entity: str, key: str) -> None:
        """A row of a kind that refers to nothing: its key column, then plain fields."""
        found = self.keyed(check, model, key)
        if found is None:
            return
        obj, before, value = found
        columns = {c: c for c in check.sheet.layout.column_names if c != key}
        check.set_fields(obj, columns)
        saved = self.save(
            check,
            obj,
            entity=entity,
            fields={key: key, "provider": key, **columns},
            before=before,
        )
        self.remember(kind, value, obj, saved, check.row.number)

    def catalogue_row(self, check: _RowCheck) -> None:
        self.plain_row(check, FeatureProduct, kind=CATALOGUE, entity="catalogue products", key="element_id")

    def customers_row(self, check: _RowCheck) -> None:
        self.plain_row(check, Customer, kind=CUSTOMERS, entity="customers", key="reference")

    # -- plans and their rates ------------------------------------------------

    def plans_row(self, check: _RowCheck) -> None:
        name = check.get("plan")
        plan = self.plan_of_row(check, name)
        category = check.get("category")
        rate_columns = ("flagfall", "rate_per_minute", "increments")
        if category is None:
            if "category" not in check.bad_columns and any(not cells.is_blank(check.raw(c)) for c in rate_columns):
                check.error("category", "Which call category does this rate price?")
            return
        if not self.once_in_file(check, (name, category), "category", "plan and category"):
            return
        rate = (PlanRate.objects.filter(plan=plan, category=category).first() if plan.pk else None) or PlanRate(
            plan=plan if plan.pk else None, category=category
        )
        before = _snapshot(rate) if rate.pk else None
        check.set_fields(rate, {"flagfall": "flagfall", "rate_per_minute": "rate_per_minute"})
        for amount in ("flagfall", "rate_per_minute"):
            if getattr(rate, amount) is None:
                setattr(rate, amount, 0)  # a blank amount is nothing: 0.00
        increments = check.get("increments")
        if increments == cells.UNTIMED:
            rate.untimed, rate.initial_increment, rate.subsequent_increment = True, None, None
        elif increments is not None:
            rate.untimed = False
            rate.initial_increment, rate.subsequent_increment = increments
        elif "increments" not in check.bad_columns and (before is None or check.has("increments")):
            check.error(
                "increments",
                "A rate needs its billing increments: initial/subsequent seconds (e.g. 60/30) or untimed.",
            )
        increment_fields = dict.fromkeys(("untimed", "initial_increment", "subsequent_increment"), "increments")
        self.save(
            check,
            rate,
            entity="plan rates",
            fields={
                "plan": "plan",
                "category": "category",
                "flagfall": "flagfall",
                "rate_per_minute": "rate_per_minute",
                **increment_fields,
            },
            before=before,
            exclude=set() if plan.pk else {"plan"},
        )

    def plan_of_row(self, check: _RowCheck, name: str | None) -> ServicePlan:
        """The plan a plans row names, created by the first row that names it."""
        if name in self.found[PLANS]:
            return self.found[PLANS][name]
        if name in self.failed[PLANS]:
            check.error("plan", f"Plan {name} has errors on row {self.failed[PLANS][name]}.")
            return ServicePlan(provider=self.provider, name=name)
        existing = ServicePlan.objects.filter(provider=self.provider, name=name).first()
        plan = existing or ServicePlan(provider=self.provider, name=name or "")
        saved = self.save(
            check,
            plan,
            entity="plans",
            fields={"name": "plan", "provider": "plan"},
            before=_snapshot(plan) if existing else None,
        )
        self.remember(PLANS, name, plan, saved, check.row.number)
        return plan

    # -- services -------------------------------------------------------------

    def services_row(self, check: _RowCheck) -> None:
        found = self.keyed(check, Service, "reference")
        if found is None:
            return
        service, before, reference = found
        customer = self.find(
            check,
            "customer_reference",
            CUSTOMERS,
            "customer",
            lambda ref: Customer.objects.filter(provider=self.provider, reference=ref).first(),
        )
        plan = self.find(
            check,
            "plan",
            PLANS,
            "plan",
            lambda name: ServicePlan.objects.filter(provider=self.provider, name=name).first(),
        )
        service.provider = self.provider
        missing = _link(service, customer=customer, plan=plan)
        check.set_fields(
            service,
            {"start_date": "start_date", "end_date": "end_date", "label": "label"},
        )
        status = check.get("status")
        if before is None or check.has("status"):
            service.status = status or (
                ServiceStatusChoices.ACTIVE if service.start_date else ServiceStatusChoices.PENDING
            )
        saved = self.save(
            check,
            service,
            entity="services",
            fields={
                "reference": "reference",
                "customer": "customer_reference",
                "provider": "customer_reference",
                "plan": "plan",
                "status": "status",
                "start_date": "start_date",
                "end_date": "end_date",
                "label": "label",
            },
            before=before,
            exclude=missing,
            writer=lambda obj, skip: service_save(service=obj, acting_user=self.acting_user, exclude=skip),
        )
        self.remember(SERVICES, reference, service, saved, check.row.number)

    def service_of_row(self, check: _RowCheck) -> Service | None:
        return self.find(
            check,
            "service_reference",
            SERVICES,
            "service",
            lambda ref: (
                Service.objects.filter(provider=self.provider, reference=ref)
                .select_related("customer", "provider")
                .first()
            ),
        )

    # -- identifiers and ranges -----------------------------------------------

    def identifiers_row(self, check: _RowCheck) -> None:
        kind = check.get("kind")
        raw = check.raw("value")
        value = cells.phone_text(raw) if kind in NUMBER_KINDS else cells.text(raw)
        self.import_identifier(
            check,
            ServiceIdentifier(kind=kind or "", value=value),
            entity="ranges" if kind == ServiceIdentifierKindChoices.NUMBER_RANGE else "identifiers",
            value_columns={"kind": "kind", "value": "value"},
        )

    def ranges_row(self, check: _RowCheck) -> None:
        first, last = check.get("first", ""), check.get("last", "")
        value = f"{first}-{last}"
        # The model reports on the range as a whole: under "first", unless "last" is the
        # cell already found wrong.
        value_column = "last" if "last" in check.bad_columns else "first"
        self.import_identifier(
            check,
            HostedNumberRange(kind=ServiceIdentifierKindChoices.NUMBER_RANGE, value=value),
            entity="ranges",
            value_columns={
                "kind": value_column,
                "value": value_column,
                "number_first": "first",
                "number_last": "last",
            },
        )

    def import_identifier(
        self,
        check: _RowCheck,
        identifier: ServiceIdentifier,
        *,
        entity: str,
        value_columns: dict[str, str],
    ) -> None:
        service = self.service_of_row(check)
        identifier.normalise()
        active_from = check.get("active_from")
        if active_from is None and "active_from" not in check.bad_columns:
            active_from = (service.start_date if service else None) or self.today
        existing = None
        key_columns = {*value_columns.values(), "active_from"}
        if service is not None and not check.bad_columns & key_columns:
            key = (service.pk, identifier.kind, identifier.value, active_from)
            if not self.once_in_file(check, key, value_columns["value"], "identifier and dates"):
                return
            existing = ServiceIdentifier.objects.filter(
                service=service,
                kind=identifier.kind,
                value=identifier.value,
                active_from=active_from,
            ).first()
        if existing is not None:
            identifier = existing
        before = _snapshot(identifier) if identifier.pk else None
        missing = _link(identifier, service=service)
        identifier.active_from = active_from
        check.set_fields(identifier, {"active_to": "active_to"})
        self.save(
            check,
            identifier,
            entity=entity,
            fields={
                "service": "service_reference",
                "active_from": "active_from",
                "active_to": "active_to",
                **value_columns,
            },
            before=before,
            exclude=missing,
            writer=lambda obj, skip: service_identifier_save(
                identifier=obj, acting_user=self.acting_user, exclude=skip
            ),
        )

    # -- features -------------------------------------------------------------

    def features_row(self, check: _RowCheck) -> None:
        service = self.service_of_row(check)
        product = self.find(
            check,
            "element_id",
            CATALOGUE,
            "product with element id",
            lambda element_id: FeatureProduct.objects.filter(provider=self.provider, element_id=element_id).first(),
        )
        active_from = check.get("active_from")
        feature = None
        if service is not None and product is not None:
            key = (service.pk, product.pk, active_from)
            if not self.once_in_file(check, key, "element_id", "product and active_from"):
                return
            feature = ServiceFeature.objects.filter(service=service, product=product, active_from=active_from).first()
        feature = feature or ServiceFeature(requested_on=active_from or self.today)
        before = _snapshot(feature) if feature.pk else None
        missing = _link(feature, service=service, product=product)
        check.set_fields(
            feature,
            {"quantity": "quantity", "active_from": "active_from", "active_to": "active_to"},
        )
        if feature.quantity is None:
            feature.quantity = 1
        status = check.get("status")
        if before is None or check.has("status"):
            feature.status = status or (
                ServiceFeatureStatusChoices.ACTIVE if feature.active_from else ServiceFeatureStatusChoices.REQUESTED
            )
        self.save(
            check,
            feature,
            entity="features",
            fields={
                "service": "service_reference",
                "product": "element_id",
                "quantity": "quantity",
                "status": "status",
                "requested_on": "active_from",
                "active_from": "active_from",
                "active_to": "active_to",
            },
            before=before,
            exclude=missing,
            # The action records the activation by the person importing, with history.
            writer=lambda obj, skip: service_feature_import(
                feature=obj, acting_user=self.acting_user, exclude=skip, note=self.note
            ),
        )
