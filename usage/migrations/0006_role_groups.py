from django.db import migrations


class Migration(migrations.Migration):
    """Roles once every model of provisioning and usage exists (see ssaas/roles.py)."""

    dependencies = [
        ("usage", "0005_collection_schedule"),
        ("provisioning", "0004_role_groups"),
    ]

    # The role groups are kept by ssaas's post_migrate now (ssaas/reference_data.py).
    operations = []
