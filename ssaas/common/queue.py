"""Work queued for the django-q2 worker."""

from django.db import transaction
from django_q.tasks import async_task


def queue_on_commit(func: str, *args, task_name: str, group: str) -> None:
    """Queue ``func`` (a dotted path) with ``args`` for the worker once the current
    transaction commits (at once outside one), so that the worker finds what the
    transaction wrote; ``task_name`` and ``group`` are what the task list shows."""
    transaction.on_commit(lambda: async_task(func, *args, task_name=task_name, group=group))
