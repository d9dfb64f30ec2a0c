"""The daily collection schedule is reference data kept by ssaas's post_migrate
(ssaas/reference_data.py), which every migrate ends with, up or down: no
migration makes or removes it, and migrating down and up again leaves it once."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import RunPython, RunSQL
from django_q.models import Schedule

from usage.collection.schedule import SCHEDULE_FUNC

# The only code migrations of our apps: data backfills and schema the ORM cannot
# declare (the closed-period trigger), not reference data.
BACKFILLS = {
    ("providers", "0004_billperiod_closed_guard"),
    ("provisioning", "0006_username_realm_numbers"),
    ("usage", "0014_rated_seq"),
}
OUR_APPS = {"providers", "provisioning", "usage", "ssaas"}


def test_no_migration_of_ours_writes_reference_data():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    coded = {
        key
        for key, migration in loader.disk_migrations.items()
        if key[0] in OUR_APPS and any(isinstance(op, RunPython | RunSQL) for op in migration.operations)
    }
    assert coded == BACKFILLS


@pytest.mark.django_db(transaction=True)
def test_migrating_usage_down_and_up_again_leaves_one_schedule():
    assert Schedule.objects.filter(func=SCHEDULE_FUNC).count() == 1
    graph = MigrationLoader(connection).graph
    (latest,) = graph.leaf_nodes("usage")
    (previous,) = [parent.key for parent in graph.node_map[latest].parents if parent.key[0] == "usage"]

    call_command("migrate", "usage", previous[1], verbosity=0)  # one step down, then up
    assert Schedule.objects.filter(func=SCHEDULE_FUNC).count() == 1
    call_command("migrate", "usage", verbosity=0)

    assert Schedule.objects.filter(func=SCHEDULE_FUNC).count() == 1
