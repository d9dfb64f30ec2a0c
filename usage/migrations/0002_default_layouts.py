from django.db import migrations

# AAPT CTOP v1.8 (docs: ctop-format.md): (record, field, start, width), 1-based.
CTOP_V18 = [
    ("header", "record_type", 1, 6),
    ("header", "account", 7, 10),
    ("header", "sequence", 17, 10),
    ("header", "produced_at", 27, 14),
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
    ("trailer", "record_type", 1, 6),
    ("trailer", "record_count", 7, 10),
    ("trailer", "total_cents", 17, 18),
]

# AAPT COCE (docs: coce-format.md).
COCE_DEFAULT = [
    ("header", "record_type", 1, 6),
    ("header", "account", 7, 10),
    ("header", "sequence", 17, 10),
    ("header", "produced_at", 27, 14),
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
    ("trailer", "record_type", 1, 6),
    ("trailer", "record_count", 7, 10),
    ("trailer", "total_cents", 17, 18),
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


def create_layouts(apps, schema_editor):
    Layout = apps.get_model("usage", "Layout")
    LayoutField = apps.get_model("usage", "LayoutField")
    for name, kind, description, fields in LAYOUTS:
        layout, created = Layout.objects.get_or_create(
            name=name, defaults={"kind": kind, "is_default": True, "description": description}
        )
        if created:
            LayoutField.objects.bulk_create(
                LayoutField(layout=layout, record=record, name=field, start=start, width=width)
                for record, field, start, width in fields
            )


class Migration(migrations.Migration):
    dependencies = [("usage", "0001_initial")]

    operations = [migrations.RunPython(create_layouts, migrations.RunPython.noop)]
