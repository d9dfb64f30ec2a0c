"""The default layouts of AAPT's files (CTOP v1.8, COCE), which every installation has.

Kept by ssaas's post_migrate (ssaas/reference_data.py), as Django's contrib apps
keep their rows: a default layout missing by name is created with its fields. One
that exists is left as it is: layouts are data staff may correct in the admin, and
a new version of AAPT's format is a new layout (a new name), not an edit of this one.
"""

from __future__ import annotations

from django.apps import apps as global_apps
from django.db import DEFAULT_DB_ALIAS, transaction

# (record, field, start, width), 1-based. CTOP and COCE files open with the same
# header record and close with the same trailer record.
HEADER = [
    ("header", "record_type", 1, 6),
    ("header", "account", 7, 10),
    ("header", "sequence", 17, 10),
    ("header", "produced_at", 27, 14),
]
TRAILER = [
    ("trailer", "record_type", 1, 6),
    ("trailer", "record_count", 7, 10),
    ("trailer", "total_cents", 17, 18),
]

# AAPT CTOP v1.8 (docs: ctop-format.md).
CTOP_V18 = [
    *HEADER,
    ("detail", "record_type", 1, 6),
    ("detail", "transaction_id", 7, 20),
    ("detail", "product_id", 27, 6),
    ("detail", "usage_type", 33, 6),
    ("detail", "id_type", 39, 6),
    ("detail", "id_value", 45, 48),
    ("detail", "trans_time", 93, 14),
    ("detail", "sec_time", 107, 14),
    ("detail", "target", 121, 24),
    ("detail", "origin", 145, 24),
    ("detail", "rated_units", 169, 10),
    ("detail", "rated_price", 179, 18),
    ("detail", "jurisdiction", 197, 18),
    ("detail", "fnn", 215, 18),
    ("detail", "foreign_amount", 233, 18),
    ("detail", "currency", 251, 6),
    ("detail", "recipient", 257, 10),
    ("detail", "completion", 267, 3),
    ("detail", "record_id", 270, 22),
    ("detail", "raw_units", 292, 10),
    ("detail", "raw_unittype", 302, 6),
    ("detail", "rated_unittype", 308, 6),
    ("detail", "base_amount", 314, 18),
    ("detail", "second_units", 332, 10),
    ("detail", "third_units", 342, 10),
    ("detail", "special1", 352, 255),
    ("detail", "special2", 607, 96),
    ("detail", "service_type", 703, 6),
    ("detail", "sec_id_type", 709, 6),
    ("detail", "sec_id_value", 715, 48),
    ("detail", "unused", 763, 238),
    *TRAILER,
]

# AAPT COCE (docs: coce-format.md).
COCE_DEFAULT = [
    *HEADER,
    ("detail", "record_type", 1, 6),
    ("detail", "account_number", 7, 10),
    ("detail", "invoice_number", 17, 10),
    ("detail", "statement_date", 27, 14),
    ("detail", "type_code", 41, 6),
    ("detail", "billing_level", 47, 6),
    ("detail", "transaction_time", 53, 14),
    ("detail", "nrc_type_id", 67, 6),
    ("detail", "element_id", 73, 6),
    ("detail", "external_id", 79, 48),
    ("detail", "external_id_type", 127, 6),
    ("detail", "amount", 133, 18),
    ("detail", "currency", 151, 6),
    ("detail", "tax1", 157, 18),
    ("detail", "tax2", 175, 18),
    ("detail", "description", 193, 50),
    ("detail", "adjustment_code", 243, 6),
    ("detail", "coce_record_id", 249, 20),
    ("detail", "from_date", 269, 14),
    ("detail", "to_date", 283, 14),
    ("detail", "rebill_reference_id", 297, 16),
    ("detail", "provider_id", 313, 6),
    *TRAILER,
]

LAYOUTS = [
    ("AAPT CTOP v1.8", "ctop", "AAPT's CTOP usage format v1.8 (1000-character records).", CTOP_V18),
    (
        "AAPT COCE",
        "coce",
        "AAPT's COCE other-charges format (400-character records).",
        COCE_DEFAULT,
    ),
]


def ensure_default_layouts(apps=global_apps, using: str = DEFAULT_DB_ALIAS) -> None:
    """Create the default layouts missing by name, with their fields; idempotent.

    Takes the migration state's registry in a post_migrate handler; does nothing
    until usage's layout tables exist in it."""
    try:
        layout_model = apps.get_model("usage", "Layout")
        field_model = apps.get_model("usage", "LayoutField")
    except LookupError:
        return
    layouts = layout_model.objects.using(using)
    for name, kind, description, table in LAYOUTS:
        if layouts.filter(name=name).exists():
            continue
        with transaction.atomic(using=using):
            # Another layout may have been made the default of this kind: it stays so.
            is_default = not layouts.filter(kind=kind, is_default=True).exists()
            layout = layouts.create(name=name, kind=kind, is_default=is_default, description=description)
            field_model.objects.using(using).bulk_create(
                field_model(layout=layout, record=record, name=field, start=start, width=width)
                for record, field, start, width in table
            )
