"""Issue 22: the usage pages this product renders itself read like the admin's lists
(Unfold's markup, not Django's, which Unfold leaves unstyled): table columns apart,
buttons that look like buttons, money as ``$1,234.56``, a confirmation page with a
way back, and no script error when a file is uploaded. Measured in Chromium."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from providers.models import Provider
from tests import setups
from tests.browser import browser, logged_in, new_page  # noqa: F401 - the browser fixture
from tests.factories import SuperuserFactory
from tests.page_checks import bare_amounts, has_a_visible_edge, looks_like_a_button, record_errors, unpadded_cells
from tests.ssaas import admin_world
from usage.carrier_files.models import CarrierFile
from usage.ctop.models import UsageRecord

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def quarantined(live_server):
    """Harbour Voice with its sample CTOP file taken: one quarantined record (UNKNOWNGROUP)."""
    harbour = setups.harbour_voice()
    admin_world.take_sample(harbour.provider, admin_world.SAMPLE_CTOP["harbour"])
    assert UsageRecord.objects.filter(status="quarantined").count() == 1
    return harbour


@pytest.fixture
def root_page(browser, live_server):  # noqa: F811
    context = logged_in(browser, live_server.url, SuperuserFactory(), viewport={"width": 1440, "height": 900})
    page = new_page(context)
    page.errors = record_errors(page)
    yield page
    context.close()


def test_the_grouped_quarantine_reads_like_a_list(live_server, root_page, quarantined):
    page = root_page
    page.goto(live_server.url + reverse("admin:usage_quarantinedrecord_groups"))
    assert unpadded_cells(page, "#result_list") == []
    costs = page.locator("#result_list td.money").all_inner_texts()
    assert costs == ["$0.02"] and bare_amounts(page.locator("#result_list td").all_inner_texts()) == []
    assert looks_like_a_button(page, "button[value=cleanse]")
    assert looks_like_a_button(page, "button[value=write_off]")
    assert has_a_visible_edge(page, "form.quarantine-filter button[type=submit]")
    assert has_a_visible_edge(page, "textarea[name=reason]")
    assert page.errors == []


def test_writing_off_selected_records_asks_first_and_cancel_goes_back_to_the_group(live_server, root_page, quarantined):
    page = root_page
    group = f"{reverse('admin:usage_quarantinedrecord_changelist')}?identifier__exact=UNKNOWNGROUP"
    page.goto(live_server.url + group)
    page.locator("input.action-select").first.check()
    page.select_option("select[name=action]", "write_off_selected")
    page.click("button[name=index]")

    expect(page.get_by_text("Write off 1 quarantined record?")).to_be_visible()
    assert has_a_visible_edge(page, "textarea[name=reason]")  # a box to write in, as Unfold's
    confirm = page.get_by_role("button", name="Write off 1 record")
    assert looks_like_a_button(page, confirm)
    back = page.get_by_role("link", name="No, take me back")
    assert has_a_visible_edge(page, back)
    back.click()
    page.wait_for_url(live_server.url + group)
    assert UsageRecord.objects.filter(status="quarantined").count() == 1
    expect(confirm).to_have_count(0)
    assert page.errors == []


def test_uploading_a_carrier_file_raises_no_script_error(live_server, root_page):
    """The upload form's file input was a plain one: Unfold's script, on choosing the
    file, looked for its widget's text box and failed ("Cannot read properties of null
    (reading 'setAttribute')")."""
    setups.harbour_voice()
    page = root_page
    page.goto(live_server.url + reverse("admin:usage_carrierfile_upload"))
    page.select_option("select[name=provider]", label="Harbour Voice")
    name = admin_world.SAMPLE_CTOP["harbour"]
    page.set_input_files("input[type=file]", admin_world.SAMPLES / name)
    assert page.errors == []
    # The chosen file's name in the box, as on Unfold's own forms.
    expect(page.locator("form:has(input[type=file]) input[type=text][disabled]")).to_have_value(name)
    upload = page.get_by_role("button", name="Upload and queue")
    assert looks_like_a_button(page, upload)
    upload.click()
    page.wait_for_url(f"{live_server.url}/admin/usage/carrierfile/*/change/")
    assert CarrierFile.objects.get(name=name).source == "upload"
    assert page.errors == []


def test_collect_now_and_upload_are_buttons_and_the_collections_a_readable_table(live_server, root_page):
    from usage.collection.collector import collection_start

    harbour = setups.harbour_voice().provider
    Provider.objects.filter(pk=harbour.pk).update(ftp_host="ftp.example.com", ftp_username="harbour")
    collection_start(trigger="schedule", providers=[harbour])
    page = root_page
    page.goto(live_server.url + reverse("admin:providers_provider_change", args=[harbour.pk]))
    # It was tiny uppercase text (Django's object-tools look, which Unfold leaves unstyled).
    assert looks_like_a_button(page, "#collect-now-form button[type=submit]")
    assert unpadded_cells(page, "#provider-collections table") == []

    page.goto(live_server.url + reverse("admin:usage_carrierfile_changelist"))
    assert looks_like_a_button(page, f"a[href='{reverse('admin:usage_carrierfile_upload')}']")
    assert page.errors == []
