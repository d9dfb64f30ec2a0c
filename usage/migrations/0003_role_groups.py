from django.db import migrations


class Migration(migrations.Migration):
    """Usage permissions for the roles (see ssaas/roles.py)."""

    dependencies = [
        ("usage", "0002_default_layouts"),
        ("provisioning", "0002_role_groups"),
    ]

    # The role groups are kept by ssaas's post_migrate now (ssaas/reference_data.py).
    operations = []
