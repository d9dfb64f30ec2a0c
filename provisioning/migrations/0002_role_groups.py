from django.db import migrations

from ssaas.roles import sync_role_groups


class Migration(migrations.Migration):
    """The permission groups for provisioning staff, billing staff and provider
    administrators (see ssaas/roles.py)."""

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("providers", "0001_initial"),
        ("provisioning", "0001_initial"),
    ]

    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]
