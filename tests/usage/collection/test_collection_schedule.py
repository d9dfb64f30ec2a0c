"""The daily collection schedule exists exactly once, however often it is set up."""

import datetime
import io
import zoneinfo

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.sql import emit_post_migrate_signal
from django_q.models import Schedule

from usage.collection.schedule import SCHEDULE_FUNC, ensure_collection_schedule, next_collection_at

SYDNEY = zoneinfo.ZoneInfo("Australia/Sydney")


def collection_schedules():
    return Schedule.objects.filter(func=SCHEDULE_FUNC)


def test_migrating_and_setting_up_twice_leaves_one_daily_schedule(db):
    emit_post_migrate_signal(0, False, "default")  # what every migrate ends with
    emit_post_migrate_signal(0, False, "default")
    call_command("setup_schedules", stdout=io.StringIO())
    call_command("setup_schedules", stdout=io.StringIO())

    (schedule,) = collection_schedules()
    assert schedule.schedule_type == Schedule.DAILY and schedule.repeats == -1
    local = schedule.next_run.astimezone(SYDNEY)
    assert local.time() == datetime.time(6, 30) and schedule.next_run > datetime.datetime.now(datetime.UTC)
    assert settings.Q_CLUSTER["catch_up"] is False  # a missed day is not run twice


def test_copies_made_by_hand_are_folded_into_one(db):
    for _ in range(2):
        Schedule.objects.create(func=SCHEDULE_FUNC, schedule_type=Schedule.HOURLY)

    ensure_collection_schedule()

    (schedule,) = collection_schedules()
    assert schedule.schedule_type == Schedule.DAILY


def test_a_new_collection_time_moves_the_schedule(db, settings):
    settings.COLLECTION_TIME = "05:15"

    call_command("setup_schedules", stdout=io.StringIO())

    (schedule,) = collection_schedules()
    assert schedule.next_run.astimezone(SYDNEY).time() == datetime.time(5, 15)


def test_a_bad_collection_time_is_refused(db, settings):
    settings.COLLECTION_TIME = "half past six"
    with pytest.raises(ImproperlyConfigured, match="COLLECTION_TIME"):
        ensure_collection_schedule()


def test_the_daily_run_stays_at_the_local_time_across_daylight_saving():
    # Daylight saving starts in Sydney at 2:00 on Sunday 4 October 2026.
    friday_noon = datetime.datetime(2026, 10, 2, 12, 0, tzinfo=SYDNEY)
    saturday = next_collection_at(friday_noon)
    assert saturday == datetime.datetime(2026, 10, 3, 6, 30, tzinfo=SYDNEY)
    sunday = Schedule(schedule_type=Schedule.DAILY, next_run=saturday).calculate_next_run()
    local = sunday.astimezone(SYDNEY)
    assert (local.date(), local.time()) == (datetime.date(2026, 10, 4), datetime.time(6, 30))
    assert sunday - saturday.astimezone(datetime.UTC) == datetime.timedelta(hours=23)
