"""Running a test's calls at the same time, each in a thread of its own."""

from __future__ import annotations

import threading
from collections.abc import Callable


def run_together(target: Callable[[int], None], count: int, timeout: float | None = 60) -> None:
    """``target(0)`` … ``target(count - 1)``, each in its own thread; returns when all are done
    (or ``timeout`` seconds after each was waited for)."""
    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
