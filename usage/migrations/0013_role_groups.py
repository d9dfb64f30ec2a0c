from django.db import migrations


class Migration(migrations.Migration):
    """Roles once the bill run models exist (see ssaas/roles.py)."""

    dependencies = [
        ("usage", "0012_bill_runs"),
        ("provisioning", "0007_retail_prices"),
        ("providers", "0002_ledger_settings"),
    ]

    # The role groups are kept by ssaas's post_migrate now (ssaas/reference_data.py).
    operations = []
