"""The change log in the admin (providers/changelog_admin.py): a change made through
the admin is listed with who, when, before → after and the admin's message; each
tracked record's page shows its changes; the list searches and filters; nobody
edits it; and a provider's staff never see another provider's rows.

Everything here goes through Django's test client logged in as a role's user, as
the person would work."""

from __future__ import annotations

import datetime
import html
import re
from decimal import Decimal

import pytest
from django import forms
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from providers.models import ChangeLogEntry
from provisioning.actions.identifiers import service_identifier_end
from provisioning.choices import PlanRateCategoryChoices as Category
from provisioning.models import PlanProductPrice, PlanRate, ServiceIdentifier
from tests.billing import close_period
from tests.factories import PlanProductPriceFactory, SuperuserFactory

CHANGE_LOG = reverse("admin:providers_changelogentry_changelist")


def text(response) -> str:
    """The page's text as the person reads it (tags dropped, entities decoded)."""
    assert response.status_code == 200, response.status_code
    body = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(body))


def change_form_data(response, **changes) -> dict:
    """What pressing Save on the change page ``response`` sends, with ``changes``
    (``{html name: value}``) typed in: the main form, every inline form and their
    management forms, as the page filled them."""
    data: dict = {"_save": "Save"}

    def add(form):
        for bound in form:
            value = bound.field.prepare_value(bound.value())
            if isinstance(bound.field, forms.BooleanField):
                if value:
                    data[bound.html_name] = "on"
            elif isinstance(value, datetime.date):
                data[bound.html_name] = value.isoformat()
            elif isinstance(value, list | tuple):
                data[bound.html_name] = [str(v) for v in value]
            else:
                data[bound.html_name] = "" if value is None else str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        add(inline.formset.management_form)
        for form in inline.formset.forms:
            add(form)
    data.update(changes)
    return data


def inline_name(response, model, field: str, match) -> str:
    """The html name of ``field`` in the inline form of ``model`` whose instance
    ``match`` accepts."""
    for inline in response.context["inline_admin_formsets"]:
        if inline.formset.model is not model:
            continue
        for form in inline.formset.forms:
            if match(form.instance):
                return form[field].html_name
    raise AssertionError(f"no {model.__name__} inline form matching")


def entries_of(obj) -> list[ChangeLogEntry]:
    content_type = ContentType.objects.get_for_model(obj)
    return list(ChangeLogEntry.objects.filter(content_type=content_type, object_id=obj.pk).order_by("-timestamp"))


# ---------------------------------------------------------------------------
# Changes through the admin, shown in the list and on the record's page
# ---------------------------------------------------------------------------


def test_billing_changes_a_rate_on_its_plans_page_and_finds_who_when_before_and_after(
    client, harbour_setup, harbour_billing
):
    plan = harbour_setup.plan
    fixed = PlanRate.objects.get(plan=plan, category=Category.FIXED)
    client.force_login(harbour_billing)
    page = reverse("admin:provisioning_serviceplan_change", args=[plan.pk])
    form = client.get(page)
    flagfall = inline_name(form, PlanRate, "flagfall", lambda rate: rate.pk == fixed.pk)

    saved = client.post(page, change_form_data(form, **{flagfall: "0.25"}))

    assert saved.status_code == 302, saved.context["adminform"].form.errors if saved.context else saved
    (entry,) = [e for e in entries_of(fixed) if e.action == ChangeLogEntry.Action.UPDATE]
    listed = text(client.get(CHANGE_LOG))
    assert f"{entry.timestamp.astimezone(datetime.UTC).astimezone():%d/%m/%Y}" in listed
    assert "hv-bill" in listed
    assert f"flagfall: {fixed.flagfall:.4f} → 0.2500" in listed
    # The admin's own message is the note.
    assert entry.note.startswith("Changed Flagfall for plan rate")
    # The plan's page lists the change of its rate.
    panel = text(client.get(page))
    assert "Changes" in panel and "Changed plan rate" in panel
    assert f"flagfall: {fixed.flagfall:.4f} → 0.2500" in panel


def test_a_plan_product_price_changed_in_the_admin_is_in_the_change_log(client, harbour_setup, harbour_billing):
    plan = harbour_setup.plan
    price = PlanProductPriceFactory(plan=plan, product=harbour_setup.products["502001"], monthly_price=Decimal("15.00"))
    client.force_login(harbour_billing)
    page = reverse("admin:provisioning_serviceplan_change", args=[plan.pk])
    form = client.get(page)
    monthly = inline_name(form, PlanProductPrice, "monthly_price", lambda p: p.pk == price.pk)

    assert client.post(page, change_form_data(form, **{monthly: "17.50"})).status_code == 302

    listed = text(client.get(CHANGE_LOG, {"kind": "provisioning.planproductprice"}))
    assert "monthly retail price (ex GST): 15.00 → 17.50" in listed
    assert "hv-bill" in listed


def test_an_identifiers_dates_changed_in_the_admin_show_on_its_service_page(
    client, harbour_setup, harbour_provisioning
):
    identifier = ServiceIdentifier.objects.filter(service=harbour_setup.acme_service).first()
    client.force_login(harbour_provisioning)
    page = reverse("admin:provisioning_serviceidentifier_change", args=[identifier.pk])

    saved = client.post(page, change_form_data(client.get(page), active_to="2026-11-30"))

    assert saved.status_code == 302
    service_page = text(client.get(reverse("admin:provisioning_service_change", args=[harbour_setup.acme_service.pk])))
    assert "hv-prov" in service_page
    assert "active to: — → 30/11/2026" in service_page
    assert re.search(r"Changed (Active from and )?Active to\.", service_page)  # the admin's message, as the note


def test_a_bill_periods_dates_changed_in_the_admin_and_its_close_are_both_on_its_page(
    client, harbour_setup, harbour_admin, harbour_billing
):
    november = harbour_setup.periods["2026-11"]
    client.force_login(harbour_admin)
    page = reverse("admin:providers_billperiod_change", args=[november.pk])
    assert client.post(page, change_form_data(client.get(page), end_date="2026-11-29")).status_code == 302
    october = harbour_setup.periods["2026-10"]
    close_period(period=october, acting_user=harbour_billing)

    shown = text(client.get(page))
    assert "hv-admin" in shown and "end date: 30/11/2026 → 29/11/2026" in shown
    closed = text(client.get(reverse("admin:providers_billperiod_change", args=[october.pk])))
    assert "hv-bill" in closed and "status: Open → Closed" in closed


# ---------------------------------------------------------------------------
# The list: search, filters, read-only
# ---------------------------------------------------------------------------


def test_the_list_searches_by_record_user_and_note_and_filters_by_kind_action_and_date(
    client, harbour_setup, harbour_billing
):
    identifier = ServiceIdentifier.objects.filter(service=harbour_setup.acme_service).first()
    service_identifier_end(identifier=identifier, active_to=datetime.date(2026, 10, 31), acting_user=harbour_billing)
    close_period(period=harbour_setup.periods["2026-10"], acting_user=harbour_billing)
    client.force_login(harbour_billing)

    def listed(**query) -> str:
        return text(client.get(CHANGE_LOG, query))

    assert "active to: — → 31/10/2026" in listed(q=identifier.value)
    assert "active to: — → 31/10/2026" not in listed(q="Bill run")
    assert "status: Open → Closed" in listed(q="Bill run")
    assert "status: Open → Closed" in listed(q="hv-bill")
    assert "status: Open → Closed" not in listed(q="nobody-such")
    assert "status: Open → Closed" in listed(kind="providers.billperiod")
    assert "active to: — → 31/10/2026" not in listed(kind="providers.billperiod")
    assert "active to: — → 31/10/2026" in listed(action=str(ChangeLogEntry.Action.UPDATE))
    assert "active to: — → 31/10/2026" not in listed(action=str(ChangeLogEntry.Action.CREATE))
    today = timezone.localdate()
    assert "status: Open → Closed" in listed(timestamp_from=f"{today:%d/%m/%Y}", timestamp_to=f"{today:%d/%m/%Y}")
    yesterday = today - datetime.timedelta(days=1)
    assert "status: Open → Closed" not in listed(timestamp_to=f"{yesterday:%d/%m/%Y}")


def test_nobody_adds_edits_or_deletes_a_change_log_row_superusers_included(client, harbour_setup):
    root = SuperuserFactory(username="root")
    client.force_login(root)
    entry = ChangeLogEntry.objects.filter(provider=harbour_setup.provider).first()
    page = reverse("admin:providers_changelogentry_change", args=[entry.pk])

    assert client.get(reverse("admin:providers_changelogentry_add")).status_code == 403
    delete = reverse("admin:providers_changelogentry_delete", args=[entry.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    client.post(page, {"note": "rewritten"})
    shown = client.get(page)
    assert shown.status_code == 200 and b'name="_save"' not in shown.content
    entry.refresh_from_db()
    assert entry.note != "rewritten"
    assert ChangeLogEntry.objects.filter(pk=entry.pk).exists()
    assert "delete_selected" not in text(client.get(CHANGE_LOG))


def test_billing_staff_and_provider_administrators_find_it_in_the_sidebar(client, harbour_billing, harbour_admin):
    for user in (harbour_billing, harbour_admin):
        client.force_login(user)
        assert f'href="{CHANGE_LOG}"' in client.get(reverse("admin:index")).content.decode()


# ---------------------------------------------------------------------------
# Scoping
# ---------------------------------------------------------------------------


@pytest.fixture
def southern_change(southern_setup):
    """A change at Southern Wholesale: its plan's fixed rate goes up."""
    rate = PlanRate.objects.filter(plan=southern_setup.plan).first()
    rate.flagfall = rate.flagfall + 1
    rate.save()
    return rate


def test_a_providers_staff_never_see_another_providers_rows(client, harbour_setup, southern_change, harbour_billing):
    southern_entries = ChangeLogEntry.objects.filter(provider=southern_change.plan.provider)
    assert southern_entries.exists()
    client.force_login(harbour_billing)

    listed = text(client.get(CHANGE_LOG, {"q": southern_change.plan.name}))
    assert southern_change.plan.name not in listed
    for entry in southern_entries:
        assert client.get(reverse("admin:providers_changelogentry_change", args=[entry.pk])).status_code in (302, 404)
    # The provider filter offers their own provider only.
    assert "Southern Wholesale" not in text(client.get(CHANGE_LOG))
    # Their own plan's page lists none of Southern's changes either.
    plan_page = text(client.get(reverse("admin:provisioning_serviceplan_change", args=[harbour_setup.plan.pk])))
    assert southern_change.plan.name not in plan_page


def test_a_provider_administrator_sees_no_changes_of_records_their_role_does_not_view(
    client, harbour_setup, harbour_admin, harbour_billing
):
    identifier = ServiceIdentifier.objects.filter(service=harbour_setup.acme_service).first()
    service_identifier_end(identifier=identifier, active_to=datetime.date(2026, 10, 31), acting_user=harbour_billing)
    client.force_login(harbour_admin)

    listed = text(client.get(CHANGE_LOG))
    assert "Business Voice" in listed  # their plans and rates
    assert identifier.value not in listed  # services and identifiers are not theirs to view
    assert "Service identifier" not in text(client.get(CHANGE_LOG, {"kind": "provisioning.serviceidentifier"}))
