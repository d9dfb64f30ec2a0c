"""One writer per aggregate (issue 11).

Services, identifiers, ranges, features and orders are written only by
``provisioning.actions``: every path that writes one (the admin, the onboarding
import, order completion) goes through its action, so each refuses a date in a
closed bill period with the one message of ``providers.periods`` and each
feature write leaves a history row. A scan of the code proves that nothing
else saves those models (that they have no import cycle is
tests/ssaas/test_architecture.py's).

The data here is small and built for these tests: one provider whose September
is closed and October open.
"""

from __future__ import annotations

import ast
import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib import admin
from django.urls import reverse

from providers.models import BillPeriod, Customer, Provider
from providers.periods import closed_period_message
from provisioning.actions.features import service_feature_add
from provisioning.actions.orders import FeatureLine, order_complete, order_create, order_start
from provisioning.actions.services import service_create
from provisioning.choices import OrderKindChoices, ServiceFeatureChangeActionChoices
from provisioning.models import (
    FeatureProduct,
    HostedNumberRange,
    Order,
    Service,
    ServiceFeature,
    ServiceIdentifier,
    ServicePlan,
)
from ssaas.roles import BILLING_STAFF, PROVISIONING_STAFF
from tests.factories import (
    BillPeriodFactory,
    CustomerFactory,
    FeatureProductFactory,
    ProviderFactory,
    ServicePlanFactory,
    UserFactory,
)
from tests.provisioning.onboarding.onboarding_files import run, workbook

ROOT = Path(__file__).resolve().parents[2]
SEP_15 = datetime.date(2026, 9, 15)
OCT_1 = datetime.date(2026, 10, 1)
OCT_10 = datetime.date(2026, 10, 10)


def closed(what: str, day: datetime.date = SEP_15) -> str:
    """The one refusal, spelt out here so that a change to its wording fails."""
    return (
        f"The {what} {day:%d/%m/%Y} is inside Bay Voice's closed bill period September 2026 "
        "(01/09/2026–30/09/2026): nothing may change in a closed period. Choose a date after 30/09/2026."
    )


# ---------------------------------------------------------------------------
# Small explicit data
# ---------------------------------------------------------------------------


@pytest.fixture
def bay(db) -> Provider:
    provider = ProviderFactory(name="Bay Voice", slug="bay-voice", aapt_account="7654321")
    BillPeriodFactory(provider=provider, month="2026-09", closed=True)
    BillPeriodFactory(provider=provider, month="2026-10")
    return provider


@pytest.fixture
def customer(bay) -> Customer:
    return CustomerFactory(provider=bay, reference="GULL", name="Gull Pty Ltd")


@pytest.fixture
def plan(bay) -> ServicePlan:
    return ServicePlanFactory(provider=bay, name="Bay Plan")


@pytest.fixture
def packs(bay) -> FeatureProduct:
    return FeatureProductFactory(provider=bay, element_id="501001", name="Service Pack", unit_cost=Decimal("5"))


@pytest.fixture
def billing(bay):
    return UserFactory(username="bay-bill", role=BILLING_STAFF, providers=[bay])


@pytest.fixture
def provisioning(bay):
    return UserFactory(username="bay-prov", role=PROVISIONING_STAFF, providers=[bay])


@pytest.fixture
def service(customer, plan) -> Service:
    return service_create(customer=customer, plan=plan, reference="BV-1", start_date=OCT_1, acting_user=None)


def history(feature: ServiceFeature) -> list[tuple[str, datetime.date, str | None]]:
    return [
        (c.action, c.effective_date, c.acting_user.username if c.acting_user else None)
        for c in feature.changes.order_by("at", "pk")
    ]


def import_rows(provider, user, sheets: dict):
    return run(provider, workbook(sheets), user=user)


FEATURES_HEADER = ["service_reference", "element_id", "quantity", "status", "active_from", "active_to"]


def add_feature_in_admin(client, service, product, active_from: str):
    return client.post(
        reverse("admin:provisioning_servicefeature_add"),
        {"service": service.pk, "product": product.pk, "quantity": "2", "active_from": active_from, "note": ""},
    )


def new_service_order(customer, plan, product, user) -> Order:
    order = order_create(
        acting_user=user,
        kind=OrderKindChoices.NEW,
        customer=customer,
        requested_plan=plan,
        service_reference="BV-2",
        features=[FeatureLine(product, 3)],
    )
    return order_start(order=order, acting_user=user)


# ---------------------------------------------------------------------------
# Features: admin, onboarding and completion each write history and refuse the same way
# ---------------------------------------------------------------------------


@pytest.mark.django_db
class TestFeatureWriters:
    def test_the_admin_writes_history_and_refuses_a_closed_period(self, client, billing, service, packs):
        client.force_login(billing)
        response = add_feature_in_admin(client, service, packs, "15/09/2026")
        assert response.status_code == 200
        assert response.context["adminform"].form.errors["active_from"] == [closed("activation date")]
        assert not ServiceFeature.objects.exists()

        response = add_feature_in_admin(client, service, packs, "10/10/2026")
        assert response.status_code == 302
        feature = ServiceFeature.objects.get()
        assert history(feature)[1:] == [("activated", OCT_10, "bay-bill")]

    def test_onboarding_writes_history_and_refuses_a_closed_period(self, provisioning, service, packs):
        refused = import_rows(
            service.provider,
            provisioning,
            {"features": [FEATURES_HEADER, ["BV-1", "501001", 2, "active", "2026-09-15", None]]},
        )
        assert [e.message for e in refused.errors] == [closed("activation date")]
        assert [e.column for e in refused.errors] == ["active_from"]
        assert not ServiceFeature.objects.exists()

        done = import_rows(
            service.provider,
            provisioning,
            {"features": [FEATURES_HEADER, ["BV-1", "501001", 2, "active", "2026-10-10", None]]},
        )
        assert done.errors == []
        feature = ServiceFeature.objects.get()
        # The person importing is recorded honestly, in the feature and its history.
        assert feature.activated_by == provisioning
        assert history(feature) == [
            ("requested", OCT_10, "bay-prov"),
            ("activated", OCT_10, "bay-prov"),
        ]
        assert set(feature.changes.values_list("note", flat=True)) == {"Onboarding import of onboarding.xlsx."}

    def test_completion_writes_history_and_refuses_a_closed_period(self, provisioning, customer, plan, packs):
        order = new_service_order(customer, plan, packs, provisioning)
        with pytest.raises(Exception) as refused:
            order_complete(order=order, acting_user=provisioning, effective_date=SEP_15)
        assert refused.value.messages == [closed("service start date")]
        assert not ServiceFeature.objects.exists()

        order_complete(order=order, acting_user=provisioning, effective_date=OCT_10)
        feature = ServiceFeature.objects.get()
        assert history(feature) == [
            ("requested", feature.requested_on, "bay-prov"),
            ("activated", OCT_10, "bay-prov"),
        ]
        assert set(feature.changes.values_list("note", flat=True)) == {f"Order #{order.pk}."}

    def test_the_three_refusals_are_one_sentence(self, client, billing, provisioning, service, customer, plan, packs):
        """The admin and the import refuse the activation date with the very same text;
        completion refuses the date the order asks for, in the same sentence."""
        client.force_login(billing)
        by_admin = add_feature_in_admin(client, service, packs, "15/09/2026").context["adminform"].form.errors
        by_import = import_rows(
            service.provider,
            provisioning,
            {"features": [FEATURES_HEADER, ["BV-1", "501001", 2, "active", "2026-09-15", None]]},
        ).errors[0]
        with pytest.raises(Exception) as by_completion:
            order_complete(
                order=new_service_order(customer, plan, packs, provisioning),
                acting_user=provisioning,
                effective_date=SEP_15,
            )
        september = BillPeriod.objects.get(provider=service.provider, status="closed")
        assert by_admin["active_from"] == [by_import.message] == [closed("activation date")]
        assert by_import.message == closed_period_message(service.provider, september, SEP_15, "activation date")
        assert by_completion.value.messages == [
            closed_period_message(service.provider, september, SEP_15, "service start date")
        ]

    def test_a_cease_by_completion_is_recorded(self, provisioning, service, packs):
        feature = service_feature_add(service=service, product=packs, quantity=1, active_from=OCT_1, acting_user=None)
        order = order_create(acting_user=provisioning, kind=OrderKindChoices.CANCEL, service=service)
        order = order_start(order=order, acting_user=provisioning)
        order_complete(order=order, acting_user=provisioning, effective_date=OCT_10)
        assert history(feature)[-1] == (ServiceFeatureChangeActionChoices.CEASED, OCT_10, "bay-prov")


# ---------------------------------------------------------------------------
# Services, identifiers and ranges: admin and onboarding refuse the same way
# ---------------------------------------------------------------------------


def change_form_data(response) -> dict:
    """The POST data of an admin change form as the page shows it: the main form's
    values and every inline's management form and rows."""
    data = {}
    form = response.context["adminform"].form
    for name, _field in form.fields.items():
        value = form[name].value()
        if value is None:
            continue
        data[name] = value.strftime("%d/%m/%Y") if isinstance(value, datetime.date) else value
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name, _field in formset.management_form.fields.items():
            data[f"{formset.prefix}-{name}"] = formset.management_form[name].value()
        for row in formset.forms:
            for name in row.fields:
                value = row[name].value()
                if value is not None:
                    key = f"{row.prefix}-{name}"
                    data[key] = value.strftime("%d/%m/%Y") if isinstance(value, datetime.date) else value
    return data


@pytest.mark.django_db
class TestServiceAndIdentifierWriters:
    def test_service_admin_refuses_and_keeps_the_input(self, admin_client, service):
        url = reverse("admin:provisioning_service_change", args=[service.pk])
        data = change_form_data(admin_client.get(url))
        data.update(start_date="15/09/2026", label="Typed by the person")
        response = admin_client.post(url, data)
        assert response.status_code == 200
        assert response.context["adminform"].form.errors["start_date"] == [closed("service start date")]
        body = response.content.decode()
        assert 'value="15/09/2026"' in body and "Typed by the person" in body
        service.refresh_from_db()
        assert (service.start_date, service.label) == (OCT_1, "")

    def test_identifier_admin_refuses_a_closed_period(self, admin_client, service):
        response = admin_client.post(
            reverse("admin:provisioning_serviceidentifier_add"),
            {"service": service.pk, "kind": "fnn", "value": "02 9000 7000", "active_from": "15/09/2026"},
        )
        assert response.status_code == 200
        assert response.context["adminform"].form.errors["active_from"] == [closed("identifier start date")]
        assert not ServiceIdentifier.objects.exists()

    def test_a_range_row_on_the_service_page_refuses_a_closed_period(self, admin_client, service):
        url = reverse("admin:provisioning_service_change", args=[service.pk])
        data = change_form_data(admin_client.get(url))
        prefix = next(
            i.formset.prefix
            for i in admin_client.get(url).context["inline_admin_formsets"]
            if i.formset.model is HostedNumberRange
        )
        data[f"{prefix}-TOTAL_FORMS"] = "1"
        data.update(
            {
                f"{prefix}-0-first": "0290007000",
                f"{prefix}-0-last": "0290007099",
                f"{prefix}-0-active_from": "15/09/2026",
            }
        )
        response = admin_client.post(url, data)
        assert response.status_code == 200
        inline = next(i for i in response.context["inline_admin_formsets"] if i.formset.model is HostedNumberRange)
        assert inline.formset.forms[0].errors["active_from"] == [closed("identifier start date")]
        assert "0290007000" in response.content.decode()
        assert not HostedNumberRange.objects.exists()

    def test_onboarding_refuses_services_identifiers_and_ranges_in_a_closed_period(self, provisioning, service):
        result = import_rows(
            service.provider,
            provisioning,
            {
                "services": [
                    ["reference", "customer_reference", "plan", "status", "start_date", "end_date"],
                    ["BV-9", "GULL", "Bay Plan", "active", "2026-09-15", None],
                ],
                "identifiers": [
                    ["service_reference", "kind", "value", "active_from", "active_to"],
                    ["BV-1", "fnn", "0290007000", "2026-09-15", None],
                ],
                "ranges": [
                    ["service_reference", "first", "last", "active_from", "active_to"],
                    ["BV-1", "0290008000", "0290008099", "2026-09-15", None],
                ],
            },
        )
        assert [(e.sheet, e.column, e.message) for e in result.errors] == [
            ("services", "start_date", closed("service start date")),
            ("identifiers", "active_from", closed("identifier start date")),
            ("ranges", "active_from", closed("identifier start date")),
        ]
        assert not result.committed
        assert list(Service.objects.values_list("reference", flat=True)) == ["BV-1"]
        assert not ServiceIdentifier.objects.exists()


@pytest.mark.django_db
def test_deleting_an_identifier_dated_in_a_closed_period_is_refused(admin_client, service):
    from django.contrib.messages import get_messages

    kept = ServiceIdentifier.objects.create(service=service, kind="fnn", value="0290007001", active_from=SEP_15)
    gone = ServiceIdentifier.objects.create(service=service, kind="fnn", value="0290007000", active_from=OCT_10)
    response = admin_client.post(
        reverse("admin:provisioning_serviceidentifier_changelist"),
        {"action": "delete_selected", "_selected_action": [gone.pk, kept.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [closed("identifier start date")]
    # "gone" (listed first) was deleted before "kept" was refused: all or nothing.
    assert set(ServiceIdentifier.objects.values_list("pk", flat=True)) == {kept.pk, gone.pk}


# ---------------------------------------------------------------------------
# A refused action re-displays its form with what the person typed
# ---------------------------------------------------------------------------


@pytest.mark.django_db
class TestRefusalsKeepTheInput:
    def test_a_refused_order_action_keeps_the_date_typed(self, client, provisioning, customer, plan, packs):
        order = new_service_order(customer, plan, packs, provisioning)
        client.force_login(provisioning)
        url = reverse("admin:provisioning_order_act", args=[order.pk, "complete"])
        response = client.post(url, {"effective_date": "15/09/2026"})
        assert response.status_code == 200
        body = response.content.decode()
        assert 'value="15/09/2026"' in body
        assert closed("service start date").replace("'", "&#x27;") in body

    def test_a_refused_feature_operation_keeps_the_input(self, client, billing, service, packs):
        feature = service_feature_add(service=service, product=packs, quantity=1, acting_user=None)
        client.force_login(billing)
        url = reverse("admin:provisioning_servicefeature_operation", args=[feature.pk, "activate"])
        response = client.post(url, {"apply": "1", "active_from": "15/09/2026", "note": "Typed note"})
        assert response.status_code == 200
        body = response.content.decode()
        assert 'value="15/09/2026"' in body and "Typed note" in body
        assert closed("activation date").replace("'", "&#x27;") in body
        feature.refresh_from_db()
        assert feature.status == "requested"


@pytest.mark.django_db
def test_a_save_refused_by_the_action_shows_the_form_again_with_the_input(
    client, provisioning, customer, plan, packs, monkeypatch
):
    """Someone moved the order between the form's check and the save: the action's
    refusal rolls the save back and the change form comes back with what was typed."""
    from provisioning.actions.orders import OrderRefused
    from provisioning.admin import orders as order_admin

    order = new_service_order(customer, plan, packs, provisioning)
    client.force_login(provisioning)
    url = reverse("admin:provisioning_order_change", args=[order.pk])
    data = change_form_data(client.get(url))
    data["notes"] = "Typed notes that must survive"

    def refuse(**kwargs):
        raise OrderRefused("The order is completed: “Correct details” is not possible.")

    monkeypatch.setattr(order_admin, "order_update_details", refuse)
    response = client.post(url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        "The order is completed: “Correct details” is not possible."
    ]
    assert "Typed notes that must survive" in response.content.decode()
    order.refresh_from_db()
    assert order.notes == ""


# ---------------------------------------------------------------------------
# No other code saves those models
# ---------------------------------------------------------------------------

WRITTEN_ONLY_BY_ACTIONS = {
    "BillPeriod",  # by providers/periods.py: a closed period never changes
    "Service",
    "ServiceIdentifier",
    "HostedNumberRange",
    "ServiceFeature",
    "ServiceFeatureChange",
    "Order",
    "OrderEvent",
    "OrderIdentifier",
    "OrderFeature",
}
# Their reverse relations: ``service.features.create(...)`` writes a feature.
RELATED_MANAGERS = {"identifiers", "features", "changes", "events", "identifier_lines", "feature_lines"}
WRITES = {"save", "create", "bulk_create", "update", "get_or_create", "update_or_create", "bulk_update", "delete"}
SCANNED = ["providers", "provisioning", "usage", "ssaas"]


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, ast.Attribute | ast.Call | ast.Subscript):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _chain(node: ast.AST) -> list[str]:
    names = []
    while isinstance(node, ast.Attribute | ast.Call):
        if isinstance(node, ast.Attribute):
            names.append(node.attr)
            node = node.value
        else:
            node = node.func
    return names


def writes_outside_actions(path: Path) -> list[str]:
    """Writes to the models above in ``path``: ``Model.objects…<write>()``,
    ``<instance>.<related manager>.<write>()``, and ``x.save()``/``x.delete()`` where
    ``x`` was made from one of the models, fetched from its manager, or is a
    parameter annotated with it."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for function in [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef))]:
        instances = set()
        if not isinstance(function, ast.Module):
            for arg in function.args.args + function.args.kwonlyargs:
                if arg.annotation is not None and _root_name(arg.annotation) in WRITTEN_ONLY_BY_ACTIONS:
                    instances.add(arg.arg)
        for node in ast.walk(function):
            if isinstance(node, ast.Assign) and _root_name(node.value) in WRITTEN_ONLY_BY_ACTIONS:
                instances.update(t.id for t in node.targets if isinstance(t, ast.Name))
        for node in ast.walk(function):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr not in WRITES:
                continue
            chain = _chain(node.func.value)
            root = _root_name(node.func.value)
            by_manager = root in WRITTEN_ONLY_BY_ACTIONS and "objects" in chain
            by_relation = bool(chain) and chain[-1 if len(chain) == 1 else 0] in RELATED_MANAGERS
            by_instance = root in instances and node.func.attr in {"save", "delete"}
            if by_manager or by_relation or by_instance:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)[:80]}")
    return sorted(set(found))


def scanned_files():
    for package in SCANNED:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).parts
            if "migrations" in parts or parts[:2] == ("provisioning", "actions"):
                continue
            if parts == ("providers", "periods.py"):
                continue
            yield path


def test_no_code_outside_the_actions_writes_services_identifiers_features_or_orders():
    found = [hit for path in scanned_files() for hit in writes_outside_actions(path)]
    assert found == []


def test_the_scan_finds_a_write_when_there_is_one(tmp_path):
    sample = ROOT / "provisioning" / "_scan_probe.py"
    sample.write_text(
        "from provisioning.models import Service, ServiceFeature\n"
        "def f(service: Service, feature):\n"
        "    service.save()\n"
        "    ServiceFeature.objects.filter(pk=1).update(quantity=2)\n"
        "    service.features.create(quantity=1)\n"
        "    x = ServiceFeature(quantity=1)\n"
        "    x.save()\n"
    )
    try:
        assert len(writes_outside_actions(sample)) == 4
    finally:
        sample.unlink()


def test_the_admins_of_those_models_save_through_the_actions(rf, admin_user):
    """Django's admin saves and deletes with ``Model.save()``/``delete()`` unless told
    otherwise: every admin of these models overrides the hooks that write, or
    allows no one to delete."""
    from django.contrib.admin import ModelAdmin

    request = rf.get("/")
    request.user = admin_user
    admins = [(m, a) for m, a in admin.site._registry.items() if m.__name__ in WRITTEN_ONLY_BY_ACTIONS]
    assert {m.__name__ for m, _ in admins} >= {"BillPeriod", "Service", "ServiceIdentifier", "ServiceFeature", "Order"}
    for _model, model_admin in admins:
        cls = type(model_admin)
        assert cls.save_model is not ModelAdmin.save_model, f"{cls.__name__} saves without its action"
        if model_admin.has_delete_permission(request):
            assert cls.delete_model is not ModelAdmin.delete_model, f"{cls.__name__} deletes without its action"
            assert cls.delete_queryset is not ModelAdmin.delete_queryset, f"{cls.__name__} deletes without its action"


# (No import cycles in provisioning and providers: tests/ssaas/test_architecture.py
# walks every import of every app, migrations included.)


# ---------------------------------------------------------------------------
# The workflow table drives the order admin
# ---------------------------------------------------------------------------


def test_every_order_action_names_its_service_and_the_admin_draws_the_table():
    from provisioning.actions import orders
    from provisioning.admin.orders import OrderAdmin
    from provisioning.workflow import ORDER_ACTIONS

    assert {name: action.service for name, action in ORDER_ACTIONS.items()} == {
        "edit": orders.order_update_details,
        "assign": orders.order_assign,
        "record_reference": orders.order_record_aapt_reference,
        "start": orders.order_start,
        "halt": orders.order_halt,
        "resume": orders.order_resume,
        "complete": orders.order_complete,
        "cancel": orders.order_cancel,
    }
    buttons = [name for name, action in ORDER_ACTIONS.items() if action.button]
    assert OrderAdmin.actions_detail == [f"act_{name}" for name in buttons]
    assert all(hasattr(OrderAdmin, f"act_{name}") for name in buttons)
