"""Concurrency in tests: callables run at once, each in its own thread (each with
its own database connection, which it closes)."""

from __future__ import annotations

import threading
from collections.abc import Callable


def run_together(*targets: Callable[[], object], timeout: float = 60) -> None:
    """Start every target in its own thread, in order, then wait for each (at most
    ``timeout`` seconds apiece)."""
    threads = [threading.Thread(target=target) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
