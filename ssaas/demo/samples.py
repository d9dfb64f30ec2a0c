"""The set-up ``../shared/samples/README.md`` states, which the sample carrier files
assume: the rate cards, the AAPT catalogue and the bill runs' retail prices.

One copy, read by the demo (which adds its own extras) and by the tests' small
set-ups (``tests/setups.py``), so a change to the README is made here once.
Constants only: importing this module loads nothing into the database.
"""

from __future__ import annotations

from provisioning.choices import FeatureProductKindChoices, PlanRateCategoryChoices

Cat = PlanRateCategoryChoices

# (category, flagfall, per minute, increments "i/s" or None for untimed)
RATE_CARDS = {
    "Business Voice": [
        (Cat.FIXED, "0.15", "0.00", None),
        (Cat.MOBILE, "0.00", "0.12", (60, 30)),
        (Cat.LOCAL_RATE, "0.25", "0.00", None),
        (Cat.FREECALL, "0.00", "0.00", None),
        (Cat.INTERNATIONAL, "0.00", "0.50", (60, 60)),
        (Cat.EMERGENCY, "0.00", "0.00", None),
    ],
    "Wholesale Voice": [
        (Cat.FIXED, "0.10", "0.00", None),
        (Cat.MOBILE, "0.00", "0.10", (1, 1)),
        (Cat.LOCAL_RATE, "0.22", "0.00", None),
    ],
    "Coastal Voice": [
        (Cat.MOBILE, "0.00", "0.15", (60, 60)),
    ],
}

# (element id, name, kind, AAPT unit cost per month)
CATALOGUE = [
    ("501001", "Standard User Service Pack", FeatureProductKindChoices.SERVICE_PACK, "4.50"),
    ("501002", "Premium User Service Pack", FeatureProductKindChoices.SERVICE_PACK, "9.00"),
    ("502001", "SIP Session", FeatureProductKindChoices.SIP_SESSION, "6.00"),
    ("503100", "Hosted number range (100)", FeatureProductKindChoices.NUMBER_RANGE, "10.00"),
    ("503010", "Hosted number range (10)", FeatureProductKindChoices.NUMBER_RANGE, "1.00"),
]

# *Bill runs (Harbour Voice)*: monthly retail price (ex GST) of each catalogue product,
# and Business Voice's own SIP Session price.
RETAIL_PRICES = {
    "501001": "8.00",
    "501002": "15.00",
    "502001": "12.00",
    "503100": "20.00",
    "503010": "4.00",
}
BUSINESS_VOICE_SIP_PRICE = "11.00"
