from django.db import migrations


class Migration(migrations.Migration):
    """The daily collection schedule, and the roles' permissions on collections."""

    dependencies = [
        ("usage", "0004_collection"),
        ("django_q", "0018_task_success_index"),
    ]

    # The schedule and the role groups are kept by ssaas's post_migrate now (ssaas/reference_data.py).
    operations = []
