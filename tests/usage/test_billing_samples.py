"""Harbour Voice's October and November 2026 bill runs give, cell by cell, the
invoices the samples README's *Bill runs* section says (the expected tables are
read from the README, so the document and the test cannot drift)."""

import csv
import io

import pytest

from providers.models import BillPeriod
from ssaas import demo
from usage.billing.exports import xero_export
from usage.billing.services import bill_period_close

from .conftest import SAMPLES

pytestmark = pytest.mark.django_db


def readme_table(heading: str) -> list[list[str]]:
    """The markdown table under ``### heading`` in the samples README: header and rows."""
    lines = (SAMPLES / "README.md").read_text(encoding="utf-8").splitlines()
    start = lines.index(f"### {heading}") + 1
    rows = []
    for line in lines[start:]:
        if line.startswith("|"):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if not set("".join(cells)) <= set("-"):
                rows.append(cells)
        elif rows:
            break
    return rows


def test_october_and_november_invoices_are_the_readmes(demo_providers):
    demo.load_usage(demo_providers)
    demo.load_other_charges(demo_providers)
    demo.load_billing(demo_providers)
    harbour = demo_providers["harbour-voice"]
    runs = []
    for month, heading in ((10, "October 2026 invoices (Xero CSV)"), (11, "November 2026 invoices (Xero CSV)")):
        period = BillPeriod.objects.get(provider=harbour, start_date__year=2026, start_date__month=month)
        run = bill_period_close(period=period, acting_user=None)
        runs.append(run)
        _name, content, _type = xero_export(run)
        got = list(csv.reader(io.StringIO(content.decode("utf-8"))))
        expected = readme_table(heading)
        assert len(got) == len(expected)
        for row, (got_row, expected_row) in enumerate(zip(got, expected, strict=True)):
            for column, (cell, want) in enumerate(zip(got_row, expected_row, strict=True)):
                assert cell == want, f"{heading}, row {row}, column {expected[0][column]}"
    totals = [[i.number, i.customer.name, str(i.total_ex_gst), str(i.gst), str(i.total_inc_gst)]
              for run in runs for i in run.invoices.order_by("number")]  # fmt: skip
    assert totals == readme_table("Invoice totals")[1:]
