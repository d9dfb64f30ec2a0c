"""The set-up ``../shared/samples/README.md`` states, which the sample carrier files
assume: the rate cards, the AAPT catalogue and the bill runs' retail prices.

One copy, read by the demo (which adds its own extras) and by the tests' small
set-ups (``tests/setups.py``), so a change to the README is made here once.
Constants only: importing this module loads nothing into the database.
"""

from __future__ import annotations

from providers.choices import ProviderIdentificationMethodChoices, ProviderKindChoices
from provisioning.choices import FeatureProductKindChoices, PlanRateCategoryChoices, ServiceIdentifierKindChoices

Cat = PlanRateCategoryChoices
Kind = ServiceIdentifierKindChoices

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

# The providers, each with its plan and customers; a customer's one service, active
# from 1 October 2026, with its identifiers (name, kind, value) and features (name,
# element id, quantity). ``key`` and the names are what a test set-up calls each
# thing (``acme``, ``acme_service``, ``acme_range`` …).
PROVIDERS = [
    {
        "slug": "harbour-voice",
        "name": "Harbour Voice",
        "kind": ProviderKindChoices.RETAIL,
        "aapt_account": "1234567",
        "identification_method": ProviderIdentificationMethodChoices.GROUP_ID,
        "custom_realms": "",
        "plan": "Business Voice",
        "customers": [
            {
                "key": "acme",
                "reference": "ACME",
                "name": "Acme Pty Ltd",
                "contact_name": "Jane Smith",
                "contact_email": "accounts@acme.example.com.au",
                "service": "HV-1001",
                "identifiers": [
                    ("group", Kind.GROUP_ID, "ACMEPTYLTD"),
                    ("range", Kind.NUMBER_RANGE, "0290001000-0290001099"),
                ],
                "features": [("standard", "501001", 12), ("premium", "501002", 2)],
            },
            {
                "key": "bluegum",
                "reference": "BLUEGUM",
                "name": "Bluegum Cafe",
                "contact_name": "Sam Lee",
                "contact_email": "sam@bluegum.example.com.au",
                "service": "HV-1002",
                "identifiers": [("group", Kind.GROUP_ID, "BLUEGUMCAFE")],
                "features": [("sip", "502001", 3)],
            },
        ],
    },
    {
        "slug": "southern-wholesale",
        "name": "Southern Wholesale",
        "kind": ProviderKindChoices.WHOLESALE,
        "aapt_account": "2345678",
        "identification_method": ProviderIdentificationMethodChoices.DISTINCT_USERNAME,
        "custom_realms": "",
        "plan": "Wholesale Voice",
        "customers": [
            {
                "key": "dental",
                "reference": "HDENTAL",
                "name": "Harbourside Dental",
                "contact_name": "Dr Alex Chen",
                "contact_email": "frontdesk@harbourside.example.com.au",
                "service": "SW-2001",
                "identifiers": [("fnn", Kind.FNN, "0290002000"), ("username", Kind.USERNAME, "jsmith.acme")],
                "features": [],
            },
            {
                "key": "motors",
                "reference": "GMOTORS",
                "name": "Geelong Motors",
                "contact_name": "Pat Kelly",
                "contact_email": "service@geelongmotors.example.com.au",
                "service": "SW-2002",
                "identifiers": [("range", Kind.NUMBER_RANGE, "0370002000-0370002099")],
                "features": [],
            },
        ],
    },
    {
        "slug": "coastal-comms",
        "name": "Coastal Comms",
        "kind": ProviderKindChoices.RETAIL,
        "aapt_account": "3456789",
        "identification_method": ProviderIdentificationMethodChoices.CUSTOM_REALM,
        "custom_realms": "voice.coastal.com.au",
        "plan": "Coastal Voice",
        "customers": [
            {
                "key": "hq",
                "reference": "COASTALHQ",
                "name": "Coastal HQ",
                "contact_name": "Morgan Reid",
                "contact_email": "it@coastal.example.com.au",
                "service": "CC-3001",
                "identifiers": [
                    ("number", Kind.USERNAME_REALM, "0290005000@voice.coastal.com.au"),
                    ("sales", Kind.USERNAME_REALM, "sales@voice.coastal.com.au"),
                ],
                "features": [],
            },
        ],
    },
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
