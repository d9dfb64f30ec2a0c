from django.db import migrations

from ssaas.roles import sync_role_groups


class Migration(migrations.Migration):
    """Usage permissions for the roles (see ssaas/roles.py)."""

    dependencies = [
        ("usage", "0002_default_layouts"),
        ("provisioning", "0002_role_groups"),
    ]

    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]
