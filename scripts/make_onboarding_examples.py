#!/usr/bin/env python
"""Write the example onboarding files of docs/onboarding.md (docs/examples/).

They suit the demo data: import them into Harbour Voice (`manage.py loaddemo`).
Run from the project folder: .venv/bin/python scripts/make_onboarding_examples.py
"""

import csv
import os
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ssaas.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from provisioning.onboarding import write_workbook  # noqa: E402

EXAMPLES = BASE_DIR / "docs" / "examples"

WORKBOOK = {
    "catalogue": [
        ["element_id", "name", "kind", "unit_cost"],
        ["504001", "Call Recording", "Other", "2.50"],
    ],
    "plans": [
        ["plan", "category", "flagfall", "rate_per_minute", "increments"],
        ["Business Voice Plus", "fixed", "0.12", "0.00", "untimed"],
        ["Business Voice Plus", "mobile", "0.00", "0.1100", "60/30"],
        ["Business Voice Plus", "13/1300", "0.25", "0.00", "untimed"],
        ["Business Voice Plus", "1800", "0.00", "0.00", "untimed"],
        ["Business Voice Plus", "international", "0.00", "0.4500", "60/60"],
        ["Business Voice Plus", "emergency", "0.00", "0.00", "untimed"],
    ],
    "customers": [
        ["reference", "name", "contact_name", "contact_email", "contact_phone"],
        ["NORTHSHORE", "Northshore Physio", "Kim Park", "kim@northshore.example.com.au", ""],
        [
            "PARRAPLUMB",
            "Parramatta Plumbing",
            "Chris Doyle",
            "office@parraplumb.example.com.au",
            "02 9000 4000",
        ],
    ],
    "services": [
        ["reference", "customer_reference", "plan", "status", "start_date", "end_date", "label"],
        ["HV-1201", "NORTHSHORE", "Business Voice Plus", "active", "2026-10-01", "", "Reception"],
        ["HV-1202", "PARRAPLUMB", "Business Voice", "active", "01/10/2026", "", "Head office"],
        ["HV-1203", "PARRAPLUMB", "Business Voice", "pending", "", "", "Second site"],
    ],
    "identifiers": [
        ["service_reference", "kind", "value", "active_from", "active_to"],
        ["HV-1201", "Group ID", "NORTHSHOREPHYSIO", "2026-10-01", ""],
        ["HV-1202", "Group ID", "PARRAPLUMB", "2026-10-01", ""],
        ["HV-1202", "FNN", "02 9000 4000", "2026-10-01", ""],
    ],
    "ranges": [
        ["service_reference", "first", "last", "active_from", "active_to"],
        ["HV-1201", "0290003100", "0290003199", "2026-10-01", ""],
    ],
    "features": [
        ["service_reference", "element_id", "quantity", "status", "active_from", "active_to"],
        ["HV-1201", "501001", "8", "active", "2026-10-01", ""],
        ["HV-1201", "502001", "4", "active", "2026-10-01", ""],
        ["HV-1202", "504001", "1", "requested", "", ""],
    ],
}

SERVICES_CSV = [
    ["reference", "customer_reference", "plan", "status", "start_date", "end_date", "label"],
    ["HV-1301", "ACME", "Business Voice", "active", "01/10/2026", "", "Acme second site"],
    ["HV-1302", "BLUEGUM", "Business Voice", "pending", "", "", "Bluegum kitchen"],
]


def main() -> None:
    EXAMPLES.mkdir(parents=True, exist_ok=True)
    (EXAMPLES / "onboarding.xlsx").write_bytes(write_workbook(WORKBOOK))
    with (EXAMPLES / "services.csv").open("w", newline="", encoding="utf-8") as out:
        csv.writer(out).writerows(SERVICES_CSV)
    print(f"Wrote {EXAMPLES / 'onboarding.xlsx'} and {EXAMPLES / 'services.csv'}")


if __name__ == "__main__":
    main()
