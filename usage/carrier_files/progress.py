"""How far the worker has read a carrier file, for its page to show while it runs.

The records are written in one transaction, invisible to other connections until
the end; the progress is therefore kept outside the database, in a small JSON file
per carrier file under CARRIER_FILES_ROOT/.progress/, written by the worker every
few thousand lines (atomically: write, then rename) and read by the web process.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.conf import settings

from usage.carrier_files.choices import CarrierFileStatusChoices as Status

EVERY_LINES = 2000
EVERY_SECONDS = 0.5


def progress_path(carrier_file_id: int) -> Path:
    folder = getattr(settings, "CARRIER_PROGRESS_DIR", None) or Path(settings.CARRIER_FILES_ROOT) / ".progress"
    return Path(folder) / f"{carrier_file_id}.json"


def _write(path: Path, lines: int, position: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps({"lines": lines, "position": position}))
    os.replace(temporary, path)


def track_progress(lines: Iterable[bytes], raw, carrier_file_id: int) -> Iterator[bytes]:
    """``lines`` unchanged, noting every few thousand how many were read and where
    in the stored (possibly compressed) file ``raw`` the reading is."""
    path = progress_path(carrier_file_id)
    count = 0
    next_write = time.monotonic() + EVERY_SECONDS
    for line in lines:
        count += 1
        if count % EVERY_LINES == 0 and time.monotonic() >= next_write:
            _write(path, count, raw.tell())
            next_write = time.monotonic() + EVERY_SECONDS
        yield line
    clear_progress(carrier_file_id)


def read_progress(carrier_file_id: int) -> dict | None:
    try:
        return json.loads(progress_path(carrier_file_id).read_text())
    except (FileNotFoundError, ValueError):
        return None


def clear_progress(carrier_file_id: int) -> None:
    progress_path(carrier_file_id).unlink(missing_ok=True)


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
    }
    if running:
        progress = read_progress(carrier_file.pk)
        if progress and progress["position"] and carrier_file.size:
            fraction = min(progress["position"] / carrier_file.size, 1.0)
            status["lines"] = progress["lines"]
            status["percent"] = round(fraction * 100)
            status["estimate"] = round(progress["lines"] / fraction) if fraction else None
    return status
