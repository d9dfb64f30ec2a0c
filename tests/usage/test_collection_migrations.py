"""Migrating usage down and up again leaves the daily collection schedule once.

The schedule is kept by ssaas's post_migrate, which every migrate ends with, up
or down: usage's migrations neither make nor remove it."""

import pytest
from django.core.management import call_command
from django_q.models import Schedule

from usage.collection.schedule import SCHEDULE_FUNC


@pytest.mark.django_db(transaction=True)
def test_migrating_usage_down_and_up_again_leaves_one_schedule():
    assert Schedule.objects.filter(func=SCHEDULE_FUNC).count() == 1

    call_command("migrate", "usage", "zero", verbosity=0)
    assert Schedule.objects.filter(func=SCHEDULE_FUNC).count() == 1
    call_command("migrate", "usage", verbosity=0)
    call_command("migrate", verbosity=0)

    assert Schedule.objects.filter(func=SCHEDULE_FUNC).count() == 1
