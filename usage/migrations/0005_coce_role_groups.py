from django.db import migrations

from ssaas.roles import sync_role_groups


class Migration(migrations.Migration):
    """Permissions for COCE charges, BroadWorks reports, reconciliations and the
    feature history (see ssaas/roles.py)."""

    dependencies = [
        ("usage", "0004_coce_charges"),
        ("provisioning", "0003_service_feature_changes"),
    ]

    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]
