"""The daily collection schedule, kept by ssaas's post_migrate and ``manage.py setup_schedules``.

Never created by hand: both paths call :func:`ensure_collection_schedule`, which
leaves exactly one schedule for the collection task, running daily at
COLLECTION_TIME in the project's time zone (Australia/Sydney; django-q2 keeps a
daily schedule at the same local time across daylight saving).
"""

from __future__ import annotations

import datetime
import zoneinfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS
from django.db.models import Q
from django.utils import timezone

SCHEDULE_NAME = "Daily AAPT file collection"
SCHEDULE_FUNC = "usage.collection.tasks.collect_all"
DAILY = "D"  # Schedule.DAILY; historical models in migrations lack the constant


def collection_time() -> datetime.time:
    try:
        return datetime.time.fromisoformat(settings.COLLECTION_TIME)
    except (TypeError, ValueError) as exc:
        raise ImproperlyConfigured(
            f"COLLECTION_TIME must be a time such as 06:30, not {settings.COLLECTION_TIME!r}."
        ) from exc


def next_collection_at(now: datetime.datetime | None = None) -> datetime.datetime:
    """The next COLLECTION_TIME after ``now``, as an aware datetime in the project's zone."""
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    local_now = (now or timezone.now()).astimezone(zone)
    at = collection_time()
    candidate = datetime.datetime.combine(local_now.date(), at, tzinfo=zone)
    if candidate <= local_now:
        candidate = datetime.datetime.combine(local_now.date() + datetime.timedelta(days=1), at, tzinfo=zone)
    return candidate


def ensure_collection_schedule(
    schedule_model=None, *, now: datetime.datetime | None = None, using: str = DEFAULT_DB_ALIAS
):
    """Exactly one daily schedule of the collection task, at COLLECTION_TIME.

    Takes the migration state's ``Schedule`` model in a post_migrate handler. The
    schedule is found by its task or its name, so one left with the task's old
    path (the task module moved) is updated, not doubled. Extra copies are
    removed; a schedule already at the right time keeps its next run."""
    if schedule_model is None:
        from django_q.models import Schedule as schedule_model
    schedules = schedule_model.objects.using(using)
    existing = list(schedules.filter(Q(func=SCHEDULE_FUNC) | Q(name=SCHEDULE_NAME)).order_by("pk"))
    for extra in existing[1:]:
        extra.delete()
    schedule = existing[0] if existing else schedule_model()
    schedule.func = SCHEDULE_FUNC
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    current = schedule.next_run.astimezone(zone) if schedule.pk and schedule.next_run else None
    if current is None or current.time() != collection_time():
        schedule.next_run = next_collection_at(now)
    schedule.name = SCHEDULE_NAME
    schedule.schedule_type = DAILY
    schedule.repeats = -1
    schedule.save(using=using)
    return schedule
