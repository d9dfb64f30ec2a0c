"""The ledger's invoices: Xero's sales-invoice CSV, one per run, or a zip of CSVs
of at most 500 invoices each."""

from __future__ import annotations

import csv
import datetime
import io
import time
import zipfile
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import IO, Any

from ssaas.common.formats import day
from ssaas.common.spreadsheet import inert
from usage.billing.choices import BillRunLineKindChoices as Kind
from usage.billing.exports.common import amount_text
from usage.billing.models import BillRun, BillRunInvoice
from usage.billing.selectors import stored_lines

# Xero's sales-invoice import template, headings as Xero issues them: "*" marks
# a required column; the optional ones stay, empty, so that the file is the
# template itself (Xero asks that no heading be changed, added or removed).
XERO_COLUMNS = [
    "*ContactName",
    "EmailAddress",
    "POAddressLine1",
    "POAddressLine2",
    "POAddressLine3",
    "POAddressLine4",
    "POCity",
    "PORegion",
    "POPostalCode",
    "POCountry",
    "*InvoiceNumber",
    "Reference",
    "*InvoiceDate",
    "*DueDate",
    "InventoryItemCode",
    "*Description",
    "*Quantity",
    "*UnitAmount",
    "Discount",
    "*AccountCode",
    "*TaxType",
    "TrackingName1",
    "TrackingOption1",
    "TrackingName2",
    "TrackingOption2",
    "Currency",
    "BrandingTheme",
]
# The columns this export fills, in the template's order; the others are empty.
FILLED = [
    "*ContactName",
    "EmailAddress",
    "*InvoiceNumber",
    "*InvoiceDate",
    "*DueDate",
    "*Description",
    "*Quantity",
    "*UnitAmount",
    "*AccountCode",
    "*TaxType",
    "Currency",
]
_POSITIONS = [XERO_COLUMNS.index(name) for name in FILLED]
INVOICE_NUMBER = XERO_COLUMNS.index("*InvoiceNumber")
XERO_MAX_INVOICES = 500  # Xero imports at most 500 invoices per file
CURRENCY = "AUD"


def invoice_dates(run: BillRun) -> tuple[datetime.date, datetime.date]:
    """Invoice date: the day after the period; due date: after the payment terms."""
    invoice_date = run.period.end_date + datetime.timedelta(days=1)
    return invoice_date, invoice_date + datetime.timedelta(days=run.provider.payment_terms_days)


def _in_template(values: list[str]) -> list[str]:
    """The cells of ``FILLED``, in that order, as a row of the whole template."""
    row = [""] * len(XERO_COLUMNS)
    for position, value in zip(_POSITIONS, values, strict=True):
        row[position] = value
    return row


def xero_rows(run: BillRun, lines: Iterable[tuple] | None = None) -> Iterator[list[str]]:
    """One row per charge kind per service of each invoice, invoices by number,
    with every column of Xero's template (``XERO_COLUMNS``).

    The close wrote invoices, and their lines, in order: one pass over the lines
    (``lines``, tuples of LINE_FIELDS, else the stored ones) meets each invoice's
    lines together, so only one invoice is held."""
    provider = run.provider
    invoice_date, due_date = invoice_dates(run)
    invoices = {invoice.pk: invoice for invoice in run.invoices.select_related("customer")}
    current, groups = None, {}

    dates = [day(invoice_date), day(due_date)]
    ledger = [inert(provider.ledger_account_code), inert(provider.ledger_tax_type), CURRENCY]
    zero = Decimal("0.00")

    def rows(invoice: BillRunInvoice, groups: dict) -> Iterator[list[str]]:
        customer = invoice.customer
        # The invoice's own cells are the same on each of its rows: made once.
        head = [inert(customer.ledger_contact_name), inert(customer.invoice_email), inert(invoice.number), *dates]
        for reference, amounts, texts in groups.values():
            yield _in_template(
                [*head, inert(f"{reference}: {'; '.join(texts)}"), "1", amount_text(sum(amounts, zero)), *ledger]
            )

    for (
        invoice_id,
        service_id,
        reference,
        kind,
        category,
        product_id,
        _adjustment,
        description,
        *_counts,
        amount,
        _cost,
    ) in stored_lines(run) if lines is None else lines:
        if invoice_id != current:
            if current is not None:
                yield from rows(invoices[current], groups)
            current, groups = invoice_id, {}
        key = (service_id, kind) if kind == Kind.ADJUSTMENT else (service_id, kind, category, product_id)
        group = groups.get(key)
        if group is None:
            group = groups[key] = (reference, [], [])
        group[1].append(amount)
        group[2].append(description)
    if current is not None:
        yield from rows(invoices[current], groups)


def _csv_writer(out: IO[bytes]) -> tuple[io.TextIOWrapper, Any]:
    """A CSV writer (Xero's columns written) into ``out``, and its text layer."""
    text = io.TextIOWrapper(out, encoding="utf-8", newline="")
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(XERO_COLUMNS)
    return text, writer


def write_xero(run: BillRun, out: IO[bytes], lines: Iterable[tuple] | None = None) -> str:
    """The Xero invoices written to ``out``: one CSV, or a zip of CSVs of at most
    500 invoices each when the run has more; returns the file name. Each row is
    written as it is made (into the zip's member when there are several), so
    memory does not grow with the run."""
    base = f"xero-invoices-{run.provider.slug}-{run.period.start_date:%Y-%m}"
    if run.invoices.count() <= XERO_MAX_INVOICES:
        text, writer = _csv_writer(out)
        writer.writerows(xero_rows(run, lines))
        text.detach()  # flushed; ``out`` stays open
        return f"{base}.csv"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        text, writer, member = None, None, 0
        invoices_in_member, last_number = 0, None
        for row in xero_rows(run, lines):
            if row[INVOICE_NUMBER] != last_number:
                if text is None or invoices_in_member == XERO_MAX_INVOICES:
                    if text is not None:
                        text.close()  # closes the member, not the archive
                    member += 1
                    info = zipfile.ZipInfo(f"{base}-{member:02d}.csv", date_time=time.localtime()[:6])
                    info.compress_type = zipfile.ZIP_DEFLATED
                    text, writer = _csv_writer(archive.open(info, "w"))
                    invoices_in_member = 0
                invoices_in_member += 1
                last_number = row[2]
            writer.writerow(row)
        if text is not None:
            text.close()
    return f"{base}.zip"


def xero_export(run: BillRun) -> tuple[str, bytes, str]:
    """(file name, content, content type): one CSV, or a zip of CSVs of at most
    500 invoices each when the run has more."""
    buffer = io.BytesIO()
    name = write_xero(run, buffer)
    return name, buffer.getvalue(), "application/zip" if name.endswith(".zip") else "text/csv"
