"""How far long work has got, for a page to show while the worker does it.

The one progress mechanism of the project: the worker (django-q2, another process)
reports, the web process reads, through the Django cache named ``progress``
(settings ``CACHES["progress"]``: files under a directory on one machine, Redis
when the workers run on several). The cache is outside every database
transaction by construction, so work done in one long transaction (a carrier
file's ingest, a bill run's close) is seen advancing from other sessions.

A note is kept for a day (``TIMEOUT``) after its last write; what is worth
keeping longer belongs in the database (a bill run's outcome, a job's result).

    key = progress_key("carrier_file", 12)
    report(key, done=2000, total=8000, text="2000 of about 8000 records read")
    read(key)            # Progress(done=2000, total=8000, ..., percent=25)
    finish(key, "Done")  # or fail(key, "why"); clear(key) forgets it
"""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass, replace
from typing import Any

from django.core.cache import caches
from django.utils import timezone

CACHE_ALIAS = "progress"
TIMEOUT = 24 * 3600

RUNNING, FINISHED, FAILED = "running", "finished", "failed"

# When this process last wrote each key (``report(every=...)`` throttles on it).
_last_written: dict[str, float] = {}


@dataclass(frozen=True)
class Progress:
    """One piece of work's last note: ``done`` of ``total`` (``total`` unknown:
    None), the sentence to show, and whether it is still running. ``result`` is
    what a finished piece of work hands to the page that asked for it (picklable)."""

    done: int = 0
    total: int | None = None
    text: str = ""
    state: str = RUNNING
    updated_at: datetime.datetime | None = None
    result: Any = None

    @property
    def percent(self) -> int | None:
        """0 to 100; 100 once finished; None while the total is unknown."""
        if self.state == FINISHED:
            return 100
        if not self.total:
            return None
        return max(0, min(100, round(100 * self.done / self.total)))

    @property
    def running(self) -> bool:
        return self.state == RUNNING

    @property
    def finished(self) -> bool:
        return self.state == FINISHED

    @property
    def failed(self) -> bool:
        return self.state == FAILED


def progress_key(kind: str, id) -> str:
    """The key of one piece of work: ``kind`` says what it is ("carrier_file",
    "bill_run", "job", "onboarding"), ``id`` which one."""
    return f"{kind}:{id}"


def _cache():
    return caches[CACHE_ALIAS]


def _write(key: str, progress: Progress) -> None:
    _cache().set(key, progress, TIMEOUT)
    _last_written[key] = time.monotonic()


def report(key: str, *, done: int = 0, total: int | None = None, text: str = "", every: float = 0) -> bool:
    """Note that the work under ``key`` has done ``done`` of ``total``, saying
    ``text``. With ``every`` (seconds), a note is skipped when this process wrote
    the key less than that long ago (a loop may call this at every step); returns
    whether the note was written."""
    if every and time.monotonic() - _last_written.get(key, -every) < every:
        return False
    _write(key, Progress(done=done, total=total, text=text, state=RUNNING, updated_at=timezone.now()))
    return True


def finish(key: str, text: str = "", *, result: Any = None) -> None:
    """The work is done: ``text`` says how it ended, ``result`` what it made."""
    _end(key, text=text, state=FINISHED, result=result)


def fail(key: str, text: str) -> None:
    """The work stopped on an error: ``text`` says why."""
    _end(key, text=text, state=FAILED)


def _end(key: str, *, text: str, state: str, result: Any = None) -> None:
    """The last note, keeping how far the work got."""
    previous = read(key) or Progress()
    _write(key, replace(previous, text=text, state=state, updated_at=timezone.now(), result=result))


def read(key: str) -> Progress | None:
    """The last note under ``key``, or None (nothing reported yet, or forgotten)."""
    progress = _cache().get(key)
    return progress if isinstance(progress, Progress) else None


def clear(key: str) -> None:
    """Forget the note under ``key`` (work restarted, or its outcome is recorded elsewhere)."""
    _cache().delete(key)
    _last_written.pop(key, None)
