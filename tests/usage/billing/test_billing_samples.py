"""Harbour Voice's October and November 2026 bill runs give, in their Xero CSV,
the invoices the samples README's *Bill runs (Harbour Voice)* table says.

The expected figures are parsed from tests/fixtures/samples/README.md (a byte
copy of the client's ../shared/samples/README.md, checked by
tests/ssaas/test_demo.py), so the document and the test cannot drift. The set-up
is the README's (the ``harbour_bill_runs`` fixture, tests/setups.py) with only
Harbour Voice's sample CTOP file ingested."""

import calendar
import csv
import datetime
import io
import re
from collections import defaultdict
from decimal import Decimal

import pytest

from providers.models import BillPeriod
from provisioning.models import Service
from provisioning.rating.recurring import prorate
from tests.billing import close_period
from tests.usage.conftest import SAMPLES, ingest_sample
from usage.billing.exports.xero import xero_export

pytestmark = pytest.mark.django_db

HEADING = "## Bill runs (Harbour Voice)"
NUMBER = r"-?\d+(?:\.\d+)?"
# One term of a recurring expression: "12 × 8.00" or "1 × 11.00 × 15/30".
TERM = re.compile(rf"^(\d+) × ({NUMBER})(?: × (\d+)/(\d+))?$")
CALLS = re.compile(r"(\d+) calls?\b")


def readme_bill_runs() -> list[dict[str, str]]:
    """The rows of the table under the README's *Bill runs* heading, by column name."""
    lines = (SAMPLES / "README.md").read_text(encoding="utf-8").splitlines()
    rows = []
    for line in lines[lines.index(HEADING) + 1 :]:
        if line.startswith("## "):
            break
        if line.startswith("|"):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if not set("".join(cells)) <= set("-"):
                rows.append(cells)
        elif rows:
            break
    header, *body = rows
    return [dict(zip(header, row, strict=True)) for row in body]


def figure(cell: str) -> Decimal:
    """The figure of a cell: after the last "=" of an expression, else the leading number."""
    return Decimal(re.match(NUMBER, cell.rsplit("=", 1)[-1].strip()).group())


def period_start(label: str) -> datetime.date:
    """ "October 2026" → 2026-10-01."""
    month, year = label.split()
    return datetime.date(int(year), list(calendar.month_name).index(month), 1)


def parse_terms(cell: str) -> list[str]:
    """The terms of a recurring expression ("a + b = c" → [a, b]); none for a bare figure."""
    return [term.strip() for term in cell.split("=")[0].split("+")] if "=" in cell else []


def test_readme_table_is_read():
    # Guards the parser: the README's four invoices, and its expressions' terms.
    table = readme_bill_runs()
    assert [(row["period"], row["customer"]) for row in table] == [
        ("October 2026", "Acme Pty Ltd"),
        ("October 2026", "Bluegum Cafe"),
        ("November 2026", "Acme Pty Ltd"),
        ("November 2026", "Bluegum Cafe"),
    ]
    assert figure(table[3]["recurring"]) == Decimal("38.50")
    assert figure(table[2]["recurring"]) == Decimal("126.00")
    assert figure(table[2]["usage"]) == Decimal("1.15")
    assert parse_terms(table[3]["recurring"]) == ["33.00", "1 × 11.00 × 15/30"]


def xero_invoices(run) -> dict[str, list[dict[str, str]]]:
    """The run's Xero CSV rows, by ContactName."""
    _name, content, _type = xero_export(run)
    by_contact = defaultdict(list)
    for row in csv.DictReader(io.StringIO(content.decode("utf-8"))):
        by_contact[row["*ContactName"]].append(row)
    return by_contact


def amount(row: dict[str, str]) -> Decimal:
    return Decimal(row["*Quantity"]) * Decimal(row["*UnitAmount"])


def test_october_and_november_invoices_are_the_readmes(harbour, harbour_bill_runs):
    ingest_sample(harbour)  # the sample calls, dated November
    harbour.refresh_from_db()
    table = readme_bill_runs()
    periods = sorted({period_start(row["period"]) for row in table})
    assert len(periods) == 2  # October and November 2026

    for start in periods:
        period = BillPeriod.objects.get(provider=harbour, start_date=start)
        expected = [row for row in table if row["period"] == f"{start:%B %Y}"]
        run = close_period(period=period, acting_user=None)
        invoices = {invoice.customer.name: invoice for invoice in run.invoices.select_related("customer")}
        recurring = {line.description: line for line in run.lines.filter(kind="recurring")}
        usage = {line.description for line in run.lines.filter(kind__in=("usage", "late_usage"))}
        invoice_date = period.end_date + datetime.timedelta(days=1)
        due_date = invoice_date + datetime.timedelta(days=harbour.payment_terms_days)
        got = xero_invoices(run)

        # One invoice per customer of the table, and no one else.
        assert sorted(got) == sorted(invoices) == sorted(row["customer"] for row in expected)
        for want in expected:
            customer = want["customer"]
            where = f"{want['period']}, {customer}"
            rows, invoice = got[customer], invoices[customer]
            for row in rows:
                assert row["EmailAddress"] == invoice.customer.invoice_email, where
                assert row["*InvoiceNumber"] == invoice.number, where
                assert row["*InvoiceDate"] == f"{invoice_date:%d/%m/%Y}", where
                assert row["*DueDate"] == f"{due_date:%d/%m/%Y}", where
                assert row["*AccountCode"] == harbour.ledger_account_code, where
                assert row["*TaxType"] == "GST on Income", where
                assert row["Currency"] == "AUD", where

            # Each CSV row is one charge kind of one service: its lines' descriptions.
            kinds = {}
            for row in rows:
                reference, _, text = row["*Description"].partition(": ")
                parts = text.split("; ")
                assert all(p in recurring for p in parts) or all(p in usage for p in parts), row["*Description"]
                kinds[row["*Description"]] = "recurring" if parts[0] in recurring else "usage"
            recurring_rows = [row for row in rows if kinds[row["*Description"]] == "recurring"]
            usage_rows = [row for row in rows if kinds[row["*Description"]] == "usage"]

            assert sum(map(amount, recurring_rows), Decimal("0.00")) == figure(want["recurring"]), where
            assert sum(map(amount, usage_rows), Decimal("0.00")) == figure(want["usage"]), where
            assert sum(map(amount, rows), Decimal("0.00")) == Decimal(want["ex GST"]), where
            calls = CALLS.search(want["usage"])
            if calls:  # "1.15 (4 calls, one a credit)": the usage rows count 4 calls
                counted = sum(int(n) for row in usage_rows for n in CALLS.findall(row["*Description"]))
                assert counted == int(calls.group(1)), where
            assert (str(invoice.total_ex_gst), str(invoice.gst), str(invoice.total_inc_gst)) == (
                want["ex GST"],
                want["GST"],
                want["inc GST"],
            ), where

            # The expression, where it can be evaluated: "q × p [× d/n]" is one recurring
            # line of the invoice (quantity q at p a month for d of the period's n days),
            # in the CSV; the terms add up to the figure.
            terms = parse_terms(want["recurring"])
            if terms:
                total = Decimal("0.00")
                csv_text = " ".join(row["*Description"] for row in recurring_rows)
                for term in terms:
                    match = TERM.match(term)
                    if not match:  # a subtotal, e.g. "33.00"
                        total += Decimal(term)
                        continue
                    quantity, monthly, days, of = match.groups()
                    days, of = int(days or period.days), int(of or period.days)
                    assert of == period.days, f"{where}: {term}"
                    value = prorate(quantity=int(quantity), monthly=Decimal(monthly), days=days, period_days=of)
                    total += value
                    line = [
                        line
                        for line in recurring.values()
                        if line.invoice_id == invoice.pk
                        and (line.quantity, line.days, line.amount) == (int(quantity), days, value)
                        and f"at {monthly} a month" in line.description
                    ]
                    assert len(line) == 1, f"{where}: no recurring line for {term} = {value}"
                    assert line[0].description in csv_text, f"{where}: {term} not in the CSV"
                assert total == figure(want["recurring"]), where


def test_invoice_numbers_cannot_be_taken_for_service_references(harbour, harbour_bill_runs):
    run = close_period(period=BillPeriod.objects.get(provider=harbour, start_date="2026-10-01"), acting_user=None)
    numbers = sorted(run.invoices.values_list("number", flat=True))
    assert numbers == ["INV-1001", "INV-1002"]
    references = set(Service.objects.filter(provider=harbour).values_list("reference", flat=True))
    assert not references & set(numbers)
    rows = [row for rows in xero_invoices(run).values() for row in rows]
    for row in rows:  # "HV-1001: Standard User Service Pack …" on invoice INV-1001, never on "HV-…"
        reference = row["*Description"].split(":")[0]
        assert reference in references
        assert not row["*InvoiceNumber"].startswith(reference.split("-")[0])
