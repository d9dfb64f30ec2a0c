"""Onboarding workbooks and CSV files for the tests, built with openpyxl."""

import datetime
import io
from pathlib import Path

from provisioning.onboarding import onboarding_import, write_workbook


def workbook(sheets: dict[str, list[list]], name: str = "onboarding.xlsx") -> io.BytesIO:
    """An XLSX file object (with a ``name``, as an upload has) holding ``sheets``."""
    data = io.BytesIO(write_workbook(sheets))
    data.name = name
    return data


def csv_file(text: str, name: str) -> io.BytesIO:
    data = io.BytesIO(text.encode("utf-8"))
    data.name = name
    return data


def run(provider, file, *, user=None, dry_run=False, kind=None):
    """Import ``file`` (named as its name's last part) into ``provider``."""
    return onboarding_import(
        acting_user=user,
        provider=provider,
        file=file,
        file_name=Path(file.name).name,
        kind=kind,
        dry_run=dry_run,
    )


# Harbour Voice (Group ID method): a new customer with two services, a new plan with
# its rates, a catalogue product, identifiers, a range, features; and a new contact
# for an existing customer (ACME).
CLEAN_HARBOUR = {
    "catalogue": [
        ["Element ID", "Name", "Kind", "Unit cost"],
        ["504001", "Call Recording", "Other", 2.5],
    ],
    "plans": [
        ["Plan", "Category", "Flagfall", "Rate per minute", "Increments"],
        ["Onboarded Voice", "fixed", "0.10", "0", "untimed"],
        ["Onboarded Voice", "Mobile", 0, 0.1234, "60/30"],
        ["Onboarded Voice", "international", "$0.00", "0.45", "60 / 60"],
    ],
    "customers": [
        ["Reference", "Name", "Contact name", "Contact email", "Contact phone"],
        ["NORTHSHORE", "Northshore Physio", "Kim Park", "kim@northshore.example.com.au", ""],
        [
            "ACME",
            "Acme Pty Ltd",
            "Jo Citizen",
            "accounts@acme.example.com.au",
            "02 9000 1000",
        ],
    ],
    "services": [
        ["Reference", "Customer reference", "Plan", "Status", "Start date", "End date", "Label"],
        ["HV-1101", "NORTHSHORE", "Onboarded Voice", "active", "2026-10-01", None, "Front desk"],
        ["HV-1102", "NORTHSHORE", "Business Voice", "", datetime.date(2026, 10, 15), None, ""],
        [],  # a blank row is skipped
        ["HV-1103", "NORTHSHORE", "Business Voice", "Ceased", "01/10/2026", "30/10/2026", None],
    ],
    "identifiers": [
        ["Service reference", "Kind", "Value", "Active from", "Active to"],
        ["HV-1101", "Group ID", "northshore", "2026-10-01", None],
        ["HV-1102", "fnn", 290003000, None, None],  # Excel dropped the leading zero
    ],
    "ranges": [
        ["Service reference", "First", "Last", "Active from", "Active to"],
        ["HV-1101", "0290003100", "0290003199", "01/10/2026", None],
    ],
    "features": [
        ["Service reference", "Element ID", "Quantity", "Status", "Active from", "Active to"],
        ["HV-1101", "501001", 5, "active", "2026-10-01", None],
        ["HV-1101", "504001", None, None, "2026-10-01", None],
        ["HV-1102", "502001", 2, "requested", None, None],
    ],
}

# Southern Wholesale (distinct username method), with errors on every sheet.
# The comments give each error's (sheet, row, column).
BROKEN_SOUTHERN = {
    "plans": [
        ["plan", "category", "flagfall", "rate_per_minute", "increments"],
        ["SW Onboard", "fixed", "0.10", "0", "untimed"],
        ["SW Onboard", "mobile", "0", "0.10", "60-30"],  # plans 3 increments
    ],
    "customers": [
        ["reference", "name", "contact_name", "contact_email", "contact_phone"],
        ["NEWCO", "NewCo Pty Ltd", "Lee", "lee@newco.example.com.au", ""],
        ["BADMAIL", "Bad Mail Pty Ltd", "", "not-an-email", ""],  # customers 3 contact_email
    ],
    "services": [
        ["reference", "customer_reference", "plan", "status", "start_date", "end_date"],
        ["SW-3001", "NEWCO", "Wholesale Voice", "active", "2026-10-01", None],
        ["SW-3002", "NOPE", "Wholesale Voice", "active", "2026-10-01", None],  # 3 customer_ref
        ["SW-3003", "NEWCO", "Wholesale Voice", "active", "31/31/2026", None],  # 4 start_date
    ],
    "identifiers": [
        ["service_reference", "kind", "value", "active_from", "active_to"],
        ["SW-3001", "group_id", "NEWCO", "2026-10-01", None],  # 2 kind: not a Group ID provider
        ["SW-3001", "username", "JSmith.Acme", "2026-10-01", None],  # 3 value: on SW-2001
        ["SW-3001", "fnn", "0390004000", "2026-10-01", None],
        ["SW-2002", "fnn", "+61 3 9000 4000", "2026-10-01", None],  # 5 value: row 4 has it
    ],
    "ranges": [
        ["service_reference", "first", "last", "active_from", "active_to"],
        ["SW-3001", "0370002050", "0370002149", "2026-10-01", None],  # 2 first: overlaps SW-2002
        ["SW-3001", "0390005099", "0390005000", "2026-10-01", None],  # 3 first: reversed
    ],
    "features": [
        ["service_reference", "element_id", "quantity", "status", "active_from", "active_to"],
        ["SW-3001", "999999", 1, "active", "2026-10-01", None],  # 2 element_id: unknown
        ["SW-3001", "502001", "two", "active", "2026-10-01", None],  # 3 quantity
    ],
}
