"""End to end in a real browser: a billing user previews October's bill run from
the bill period list, closes it (the worker's task runs synchronously in tests)
and downloads the three files.

Playwright drives Debian's Chromium against pytest-django's live server."""

import csv
import io

import openpyxl
import pytest
from playwright.sync_api import expect

from tests.browser import browser, logged_in, new_page  # noqa: F401 - the browser fixture
from tests.ssaas.crawl.crawler import READABILITY
from usage.billing.models import BillRun

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_billing_user_previews_closes_and_downloads(browser, live_server, tmp_path, harbour_bill_runs, harbour_billing):  # noqa: F811
    page = new_page(logged_in(browser, live_server.url, harbour_billing, accept_downloads=True))

    page.goto(f"{live_server.url}/admin/providers/billperiod/")
    page.locator("tr", has_text="October 2026").get_by_role("link", name="Preview the bill run").click()
    expect(page.locator("#page-title")).to_contain_text("Bill run: Harbour Voice October 2026")
    expect(page.locator("#preview-summary")).to_contain_text("159.00")  # 126.00 + 33.00 ex GST (samples README)
    expect(page.locator(".customer", has_text="Acme Pty Ltd")).to_contain_text("Standard User Service Pack")
    # What a billing person reads before signing off (issue 22): columns apart, money
    # as $…, the close a button.
    acme = page.locator(".customer", has_text="Acme Pty Ltd")
    first_cell = acme.locator("tbody td").first
    assert first_cell.evaluate("(td) => parseFloat(getComputedStyle(td).paddingLeft)") >= 8
    amounts = acme.locator("tbody td.money").all_inner_texts()
    assert amounts and all(a.startswith(("$", "-$")) for a in amounts)
    assert all(a.startswith(("$", "-$")) for a in acme.locator("tfoot .money").all_inner_texts())
    close = page.locator("#close-form [type=submit]")
    expect(close).to_have_text("lock Close October 2026 and bill it")
    assert close.evaluate("(b) => getComputedStyle(b).backgroundColor") not in ("rgba(0, 0, 0, 0)", "transparent")
    assert page.evaluate(READABILITY) == {"tables": [], "buttons": [], "money": []}
    if page.locator("#close-anyway").count():
        page.check("#close-anyway")
    close.click()

    expect(page.locator("#run-status")).to_contain_text("Done")
    expect(page.locator("#invoices")).to_contain_text("INV-1001")
    expect(page.locator("#invoices tfoot")).to_contain_text("$174.90")
    assert page.evaluate(READABILITY) == {"tables": [], "buttons": [], "money": []}
    run = BillRun.objects.get()
    assert (run.status, run.period.status, str(run.total_inc_gst)) == ("done", "closed", "174.90")  # 138.60 + 36.30

    files = {}
    for name in ("Invoices for Xero (CSV)", "Itemised calls (CSV)", "Run summary (XLSX)"):
        with page.expect_download() as download:
            page.get_by_role("link", name=name).click()
        path = tmp_path / download.value.suggested_filename
        download.value.save_as(path)
        files[name] = path
    xero = list(csv.DictReader(io.StringIO(files["Invoices for Xero (CSV)"].read_text(encoding="utf-8"))))
    assert {row["*InvoiceNumber"] for row in xero} == {"INV-1001", "INV-1002"}
    calls = files["Itemised calls (CSV)"].read_text(encoding="utf-8").splitlines()
    assert calls[0].startswith("Customer,Service,Date,Time") and len(calls) == 1  # October had no calls
    book = openpyxl.load_workbook(files["Run summary (XLSX)"])
    assert book["Customer totals"]["C2"].value == 126
