from django.db import migrations


class Migration(migrations.Migration):
    """Roles once every model of provisioning and usage exists (see ssaas/roles.py):
    the last migration of usage, after every other app's."""

    dependencies = [
        ("usage", "0008_coce_charges"),
        ("provisioning", "0005_service_feature_changes"),
    ]

    # The role groups are kept by ssaas's post_migrate now (ssaas/reference_data.py).
    operations = []
