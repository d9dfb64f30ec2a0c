from django.db import migrations


class Migration(migrations.Migration):
    """Give the roles their order permissions: provisioning staff work orders,
    billing staff read them (see ssaas/roles.py)."""

    dependencies = [
        ("provisioning", "0003_orders"),
    ]

    # The role groups are kept by ssaas's post_migrate now (ssaas/reference_data.py).
    operations = []
