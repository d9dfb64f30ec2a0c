"""Issue 22: the provisioning pages this product renders itself read like the admin's
lists (Unfold's markup, not Django's, which Unfold leaves unstyled): a feature's
operation is a confirmation page with its features in a readable table, a primary
button and a Cancel back; the onboarding import's form and summary likewise.
Measured in Chromium."""

import pytest
from django.urls import reverse

from provisioning.choices import OrderKindChoices as Kind
from provisioning.models import ServiceFeature
from tests import setups
from tests.browser import browser, logged_in, new_page  # noqa: F401 - the browser fixture
from tests.factories import SuperuserFactory
from tests.page_checks import has_a_visible_edge, looks_like_a_button, record_errors, unpadded_cells
from tests.provisioning.onboarding.onboarding_files import CLEAN_HARBOUR, workbook

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def root_page(browser, live_server):  # noqa: F811
    context = logged_in(browser, live_server.url, SuperuserFactory(), viewport={"width": 1440, "height": 900})
    page = new_page(context)
    page.errors = record_errors(page)
    yield page
    context.close()


def test_a_features_operation_is_a_confirmation_page_with_a_way_back(live_server, root_page):
    setups.harbour_voice()
    feature = ServiceFeature.objects.filter(status="active").order_by("pk").first()
    page = root_page
    page.goto(live_server.url + reverse("admin:provisioning_servicefeature_operation", args=[feature.pk, "cease"]))
    assert unpadded_cells(page, "#content table") == []
    assert looks_like_a_button(page, page.get_by_role("button", name="Cease 1 feature"))
    cancel = page.get_by_role("link", name="Cancel")
    assert has_a_visible_edge(page, cancel)
    cancel.click()
    page.wait_for_url(live_server.url + reverse("admin:provisioning_servicefeature_change", args=[feature.pk]))
    assert ServiceFeature.objects.get(pk=feature.pk).status == "active"
    assert page.errors == []


def test_cancel_on_an_operation_of_selected_features_goes_back_to_the_list(live_server, root_page):
    setups.harbour_voice()
    page = root_page
    listing = f"{reverse('admin:provisioning_servicefeature_changelist')}?status__exact=active"
    page.goto(live_server.url + listing)
    page.locator("input.action-select").first.check()
    page.select_option("select[name=action]", "change_quantity_selected")
    page.click("button[name=index]")
    assert looks_like_a_button(page, page.get_by_role("button", name="Change the quantity of 1 feature"))
    page.get_by_role("link", name="Cancel").click()
    page.wait_for_url(live_server.url + listing)
    assert page.errors == []


def test_the_onboarding_import_reads_like_the_admin(live_server, root_page, settings, tmp_path):
    settings.ONBOARDING_UPLOADS_ROOT = tmp_path / "uploads"
    setups.harbour_voice()
    page = root_page
    page.goto(live_server.url + reverse("admin:provisioning_service_import"))
    page.select_option("select[name=provider]", label="Harbour Voice")
    data = workbook(CLEAN_HARBOUR).getvalue()
    page.set_input_files("input[type=file]", files=[{"name": "onboarding.xlsx", "mimeType": "", "buffer": data}])
    assert page.errors == []  # Unfold's script failed on the plain file input too
    dry_run = page.get_by_role("button", name="Check the file (dry run)")
    assert looks_like_a_button(page, dry_run)
    dry_run.click()
    page.wait_for_selector("#onboarding-summary")
    assert unpadded_cells(page, "#onboarding-summary") == []
    assert looks_like_a_button(page, page.get_by_role("button", name="Import", exact=True))
    assert has_a_visible_edge(page, page.get_by_role("link", name="Cancel"))
    assert page.errors == []


def test_an_orders_confirmation_page_has_a_button_back(live_server, browser, submit, harbour_provisioning):  # noqa: F811
    order = submit(Kind.NEW)
    context = logged_in(browser, live_server.url, harbour_provisioning, viewport={"width": 1440, "height": 900})
    page = new_page(context)
    errors = record_errors(page)
    page.goto(live_server.url + reverse("admin:provisioning_order_act", args=[order.pk, "assign"]))
    assert looks_like_a_button(page, "#action-confirm")
    back = page.get_by_role("link", name="No, take me back")
    assert has_a_visible_edge(page, back)  # it was bare text
    back.click()
    page.wait_for_url(live_server.url + reverse("admin:provisioning_order_change", args=[order.pk]))
    assert errors == []
    context.close()
