from django.db import migrations

from ssaas.roles import sync_role_groups
from usage.collection.schedule import ensure_collection_schedule, remove_collection_schedule


def create_schedule(apps, schema_editor) -> None:
    ensure_collection_schedule(apps.get_model("django_q", "Schedule"))


def delete_schedule(apps, schema_editor) -> None:
    remove_collection_schedule(apps.get_model("django_q", "Schedule"))


class Migration(migrations.Migration):
    """The daily collection schedule (exactly once), and the roles' permissions on
    collections (see ssaas/roles.py)."""

    dependencies = [
        ("usage", "0004_collection"),
        ("django_q", "0018_task_success_index"),
    ]

    operations = [
        migrations.RunPython(create_schedule, delete_schedule),
        migrations.RunPython(sync_role_groups, migrations.RunPython.noop),
    ]
