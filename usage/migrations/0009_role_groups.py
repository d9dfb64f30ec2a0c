from django.db import migrations

from ssaas.roles import sync_role_groups


class Migration(migrations.Migration):
    """Roles once every model of provisioning and usage exists (see ssaas/roles.py):
    the last migration of usage, after every other app's."""

    dependencies = [
        ("usage", "0008_coce_charges"),
        ("provisioning", "0005_service_feature_changes"),
    ]

    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]
