from django.db import migrations

from ssaas.roles import sync_role_groups


class Migration(migrations.Migration):
    """Roles once the bill run models exist (see ssaas/roles.py)."""

    dependencies = [
        ("usage", "0012_bill_runs"),
        ("provisioning", "0007_retail_prices"),
        ("providers", "0002_ledger_settings"),
    ]

    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]
