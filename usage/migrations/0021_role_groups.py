from django.db import migrations

from ssaas.roles import sync_role_groups


class Migration(migrations.Migration):
    """Roles once the bill run models exist (see ssaas/roles.py)."""

    dependencies = [
        ("usage", "0020_bill_runs"),
        ("provisioning", "0020_retail_prices"),
        ("providers", "0020_ledger_settings"),
    ]

    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]
