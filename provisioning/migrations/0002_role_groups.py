from django.db import migrations


class Migration(migrations.Migration):
    """The permission groups for provisioning staff, billing staff and provider
    administrators (see ssaas/roles.py)."""

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("providers", "0001_initial"),
        ("provisioning", "0001_initial"),
    ]

    # The role groups are kept by ssaas's post_migrate now (ssaas/reference_data.py).
    operations = []
