"""Asking for a job and running it: the one mechanism behind every page that hands
long work to the worker (the reconciliation spreadsheet, re-processing quarantined
records).

Each kind registers its handler (``register``) with the permission a person needs
to ask for it and see it; ``UsageConfig.ready`` imports the kinds' modules, so that
this module never imports them. A handler takes the job and a ``report(percent)``
callback (which notes the percentage in the progress store, ssaas/common/progress.py,
for the job's page) and returns a :class:`JobOutcome`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO

from django.core.files import File
from django.utils import timezone

from providers.models import Provider
from ssaas.common import progress
from ssaas.common.queue import queue_on_commit
from usage.jobs.choices import JobStatusChoices as Status
from usage.jobs.models import Job

logger = logging.getLogger(__name__)


@dataclass
class JobOutcome:
    """What a handler made: the sentence the page shows, counts, maybe a file."""

    summary: str
    counts: dict = field(default_factory=dict)
    file_name: str = ""
    file: IO[bytes] | None = None


@dataclass(frozen=True)
class JobKind:
    kind: str
    run: Callable[[Job, Callable[[int], None]], JobOutcome]
    permission: str  # "app_label.codename": needed to ask for the job and to see it


_KINDS: dict[str, JobKind] = {}


def register(kind: str, *, permission: str) -> Callable:
    """Decorator: ``run(job, report)`` does jobs of ``kind``."""

    def decorate(run: Callable) -> Callable:
        _KINDS[kind] = JobKind(kind, run, permission)
        return run

    return decorate


def job_permission(kind: str) -> str:
    return _KINDS[kind].permission


def job_kinds_for(user) -> list[str]:
    """The kinds of job ``user`` may see."""
    return [k.kind for k in _KINDS.values() if user.has_perm(k.permission)]


def job_request(*, kind: str, provider: Provider, requested_by, params: dict | None = None) -> Job:
    """Record the job, and queue it for the worker once the transaction commits."""
    if kind not in _KINDS:
        raise ValueError(f"no such kind of job: {kind!r}")
    job = Job.objects.create(kind=kind, provider=provider, requested_by=requested_by, params=params or {})
    queue_on_commit("usage.jobs.tasks.run_job", job.pk, task_name=f"{kind} {job.pk}", group="jobs")
    return job


def job_run(*, job_id: int) -> Job:
    """Run a queued job (once: a job already taken is left alone). An error marks it
    failed with the reason, for its page to show."""
    claimed = Job.objects.filter(pk=job_id, status=Status.QUEUED).update(
        status=Status.RUNNING, started_at=timezone.now()
    )
    job = Job.objects.select_related("provider", "requested_by").get(pk=job_id)
    if not claimed:
        return job

    def report(percent: int) -> None:
        percent = max(0, min(100, int(percent)))
        progress.report(job.progress_key, done=percent, total=100, text=f"{percent}% done")

    report(0)

    try:
        outcome = _KINDS[job.kind].run(job, report)
        if outcome.file is not None:
            try:
                job.result_file.save(outcome.file_name, File(outcome.file, name=outcome.file_name), save=False)
            finally:
                outcome.file.close()
    except Exception as exc:
        logger.exception("job %s (%s) failed", job_id, job.kind)
        error = f"{type(exc).__name__}: {exc}"[:2000]
        Job.objects.filter(pk=job_id).update(status=Status.FAILED, error=error, finished_at=timezone.now())
        progress.fail(job.progress_key, error)
        job.refresh_from_db()
        return job
    job.status = Status.DONE
    job.summary = outcome.summary
    job.result = {**outcome.counts, **({"file_name": outcome.file_name} if outcome.file is not None else {})}
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "summary", "result", "result_file", "finished_at"])
    progress.finish(job.progress_key, outcome.summary)
    return job
