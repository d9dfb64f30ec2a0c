"""The rows every installation has — the role groups, the default layouts, the
daily collection schedule — kept by a ``post_migrate`` handler, as Django's own
contrib apps keep permissions and content types.

``migrate`` sends post_migrate after every run (with nothing to apply too), and
``flush`` sends it after emptying the tables, so a transactional test finds the
rows again. :func:`keep_reference_data` is connected for the last app with
models only (SsaasConfig.ready), so it runs once per migrate, after every app's
own handlers (auth's permissions among them). Each step is idempotent.
"""

from __future__ import annotations

from django.apps import apps as global_apps
from django.db import DEFAULT_DB_ALIAS

from usage.collection.schedule import ensure_collection_schedule
from usage.default_layouts import ensure_default_layouts

from .roles import sync_role_groups


def keep_reference_data(sender, *, using: str = DEFAULT_DB_ALIAS, apps=global_apps, **kwargs) -> None:
    """post_migrate receiver: ``apps`` is the migration state's registry after
    ``migrate`` (Django's registry after ``flush``), so a step whose tables are not
    migrated yet finds no model and waits for a later migrate."""
    sync_role_groups(apps, using)
    ensure_default_layouts(apps, using)
    try:
        schedule_model = apps.get_model("django_q", "Schedule")
    except LookupError:
        return
    ensure_collection_schedule(schedule_model, using=using)
