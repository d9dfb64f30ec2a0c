from django.db import migrations

from ssaas.roles import sync_role_groups


class Migration(migrations.Migration):
    """Roles once every model of provisioning and usage exists (see ssaas/roles.py)."""

    dependencies = [
        ("usage", "0005_collection_schedule"),
        ("provisioning", "0004_role_groups"),
    ]

    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]
