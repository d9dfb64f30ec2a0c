"""How far the worker has read a carrier file, for its page to show while it runs.

The records are written in one transaction, invisible to other connections until
the end; the worker therefore notes the lines read in the progress store
(ssaas/common/progress.py) every few thousand lines, with the estimate of the
file's lines from how far into the stored (possibly compressed) file it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ssaas.common import progress
from usage.carrier_files.choices import CarrierFileStatusChoices as Status

EVERY_LINES = 2000
EVERY_SECONDS = 0.5


def file_progress_key(carrier_file_id: int) -> str:
    return progress.progress_key("carrier_file", carrier_file_id)


def report_lines(carrier_file_id: int, *, lines: int, position: int, size: int, every: float = 0) -> None:
    """``lines`` read, the reading ``position`` bytes into the stored file of ``size``."""
    fraction = min(position / size, 1.0) if size and position else 0
    estimate = max(round(lines / fraction), lines) if fraction else None
    text = f"{lines} of about {estimate} records read" if estimate else f"{lines} records read"
    progress.report(file_progress_key(carrier_file_id), done=lines, total=estimate, text=text, every=every)


def track_progress(lines: Iterable[bytes], raw, carrier_file_id: int, *, size: int) -> Iterator[bytes]:
    """``lines`` unchanged, noting every few thousand how many were read and where
    in the stored file ``raw`` (``size`` bytes) the reading is."""
    count = 0
    for line in lines:
        count += 1
        if count % EVERY_LINES == 0:
            report_lines(carrier_file_id, lines=count, position=raw.tell(), size=size, every=EVERY_SECONDS)
        yield line
    clear_progress(carrier_file_id)


def clear_progress(carrier_file_id: int) -> None:
    progress.clear(file_progress_key(carrier_file_id))


def file_status(carrier_file) -> dict:
    """What the carrier file's page shows: the state, and while it runs the records
    read of the estimate (from how far into the file the reading is), then the split."""
    running = carrier_file.status in (Status.RECEIVED, Status.PROCESSING)
    status = {
        "status": carrier_file.status,
        "label": carrier_file.get_status_display(),
        "running": running,
        "lines": carrier_file.lines,
        "rated": carrier_file.rated,
        "quarantined": carrier_file.quarantined,
        "rejected": carrier_file.rejected,
        "duplicates": carrier_file.duplicates,
        "written_off": carrier_file.written_off,
        "percent": 100 if not running else 0,
        "estimate": None,
        "text": "",
    }
    if running:
        note = progress.read(file_progress_key(carrier_file.pk))
        status["text"] = "waiting for the worker"
        if note is not None and note.running:
            status["lines"] = note.done
            status["percent"] = note.percent or 0
            status["estimate"] = note.total
            status["text"] = note.text
    return status
