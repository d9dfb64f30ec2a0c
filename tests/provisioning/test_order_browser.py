"""End to end in a real browser: a provisioning user works a NEW order from
the queue to an active service; a user of another provider cannot open it.

Playwright drives Debian's Chromium against pytest-django's live server
(tests/browser.py)."""

import datetime
import re

import pytest
from playwright.sync_api import Page, expect

from provisioning.actions.orders import FeatureLine, IdentifierLine, order_create
from provisioning.choices import OrderKindChoices as Kind
from provisioning.choices import ServiceIdentifierKindChoices as IdKind
from provisioning.models import Order
from tests.billing import service_active_on
from tests.browser import browser, new_page  # noqa: F401 - the browser fixture

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def log_in(chromium, base_url: str, username: str, password: str) -> Page:
    page = new_page(chromium.new_context())
    page.goto(f"{base_url}/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    expect(page.locator("#nav-sidebar")).to_be_attached()
    return page


def readonly(page: Page, label: str):
    """A read-only field of a change page, by its label."""
    return page.locator(".field-line").filter(has=page.locator("label", has_text=re.compile(label, re.I)))


def confirm(page: Page, action: str, **fields: str) -> None:
    """Press the order's ``action`` button, fill the confirmation page, confirm."""
    page.click(f"a[data-action={action}]")
    expect(page.locator("#action-summary")).to_be_visible()
    for name, value in fields.items():
        page.fill(f"#id_{name}", value)
    page.click("#action-confirm")
    expect(page.locator("ul.messagelist li.success")).to_be_visible()


@pytest.fixture
def new_order(harbour_setup, harbour_provisioning, superuser, make_staff, southern):
    """Bluegum Cafe's new service, submitted at Harbour Voice; a provisioning user of
    Southern Wholesale beside (password "pw" for both)."""
    order = order_create(
        acting_user=superuser,
        kind=Kind.NEW,
        customer=harbour_setup.bluegum,
        requested_plan=harbour_setup.plan,
        service_reference="HV-1003",
        requested_date=datetime.date(2026, 11, 20),
        identifiers=[
            IdentifierLine(IdKind.FNN, "02 9000 4100"),
            IdentifierLine(IdKind.NUMBER_RANGE, "0290004000-0290004009"),
        ],
        features=[FeatureLine(harbour_setup.products["502001"], 2)],
    )
    make_staff("sw-prov", southern)
    return order


def test_a_new_order_from_queue_to_active_service(live_server, browser, new_order):  # noqa: F811
    page = log_in(browser, live_server.url, "hv-prov", "pw")  # through the login form

    # The queue, from the sidebar.
    page.click("#nav-sidebar >> text=Orders (the queue)")
    expect(page).to_have_title(re.compile("^ ?Manual provisioning"))
    row = page.locator("#result_list tbody tr", has_text="Bluegum Cafe")
    expect(row).to_contain_text("New service")
    expect(row).to_contain_text("Submitted")
    row.locator(f"a:text-is('#{new_order.pk}')").click()

    # Take it, record AAPT's reference, start, halt, resume, activate.
    expect(page.locator("#order-state")).to_contain_text("New service — Submitted")
    confirm(page, "assign")
    confirm(page, "record_reference", reference="AAPT-ORD-555001")
    expect(readonly(page, "AAPT order reference")).to_contain_text("AAPT-ORD-555001")
    confirm(page, "start")
    confirm(page, "halt", reason="AAPT needs the site contact")
    expect(page.locator("#order-state")).to_contain_text("provisioning halted — AAPT needs the site contact")
    actions = page.locator("a[data-action]")
    expect(actions).to_have_text(["Record AAPT reference", "Resume", "Cancel order"])
    confirm(page, "resume")
    page.click("a[data-action=complete]")
    expect(page.locator("#action-summary")).to_contain_text("Create service HV-1003")
    page.fill("#id_effective_date", "20/11/2026")
    page.click("#action-confirm")
    expect(page.locator("ul.messagelist li.success")).to_contain_text("Activate done")
    expect(page.locator("#order-state")).to_contain_text("Completed on 20/11/2026")
    expect(page.locator("a[data-action]")).to_have_count(0)
    history = page.locator("#events-group tbody td.field-action")
    expect(history).to_have_text(
        [
            "Submitted",
            "Assigned",
            "AAPT reference recorded",
            "Work started",
            "Halted",
            "Resumed",
            "Completed",
        ]
    )

    # The service it made: active from the start date, with its identifiers.
    readonly(page, "resulting service").locator("a").click()
    expect(page.locator("#id_reference")).to_have_value("HV-1003")
    expect(page.locator("#id_status")).to_have_value("active")
    expect(page.locator("#id_start_date")).to_have_value("20/11/2026")
    values = page.locator("#identifiers-group input[name$='-value']:not([name*=__prefix__])")
    expect(values).to_have_count(1)
    expect(values.first).to_have_value("0290004100")
    expect(page.locator("#identifiers-group input[name$='-active_from']").first).to_have_value("20/11/2026")
    expect(page.locator("input[name$='-first']").first).to_have_value("0290004000")
    expect(page.locator("input[name$='-last']").first).to_have_value("0290004009")
    expect(readonly(page, "orders that shaped it")).to_contain_text(
        f"Order #{new_order.pk}: New service for Bluegum Cafe, completed 20/11/2026"
    )
    assert service_active_on(Order.objects.get(pk=new_order.pk).resulting_service, datetime.date(2026, 11, 20))


def test_another_providers_user_cannot_open_the_order(live_server, browser, new_order):  # noqa: F811
    page = log_in(browser, live_server.url, "sw-prov", "pw")
    page.goto(f"{live_server.url}/admin/provisioning/order/{new_order.pk}/change/")
    expect(page).to_have_url(f"{live_server.url}/admin/")
    expect(page.locator("ul.messagelist")).to_contain_text("doesn’t exist")
    page.goto(f"{live_server.url}/admin/provisioning/order/{new_order.pk}/act/start/")
    expect(page).to_have_url(f"{live_server.url}/admin/")
    page.goto(f"{live_server.url}/admin/provisioning/order/")
    expect(page.locator("#content")).not_to_contain_text("Bluegum Cafe")
