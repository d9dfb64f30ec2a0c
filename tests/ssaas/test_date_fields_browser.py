"""Date fields in a browser in another time zone than the server's (issue 13,
defect 17)."""

import pytest

from tests.browser import WIDTH, browser, logged_in, new_page  # noqa: F401 - the browser fixture

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_no_time_zone_warning_on_date_fields(live_server, browser, superuser):  # noqa: F811
    """Defect 17: a browser in another zone (London; the server is in Sydney) saw
    "You are N hours behind server time" under every date field. The admin's date
    fields add it on the window's load; the zone is said once, in the header."""
    context = logged_in(
        browser, live_server.url, superuser, viewport={"width": WIDTH, "height": 900}, timezone_id="Europe/London"
    )
    page = new_page(context)
    page.goto(f"{live_server.url}/admin/providers/billperiod/add/")
    page.wait_for_selector(".vDateField")
    page.wait_for_load_state("load")
    page.wait_for_timeout(500)
    assert page.locator(".vDateField").count() >= 2
    assert page.locator(".timezonewarning").count() == 0
    assert page.locator("#server-zone").count() == 1
    context.close()
