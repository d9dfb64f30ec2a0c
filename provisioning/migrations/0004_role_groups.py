from django.db import migrations

from ssaas.roles import sync_role_groups


class Migration(migrations.Migration):
    """Give the roles their order permissions: provisioning staff work orders,
    billing staff read them (see ssaas/roles.py)."""

    dependencies = [
        ("provisioning", "0003_orders"),
    ]

    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]
