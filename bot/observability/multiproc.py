"""prometheus-client's multiprocess mode under gunicorn, set up by ``concierge serve``.

Kept apart from :mod:`bot.observability.metrics` on purpose: prometheus-client decides
at import time whether values go to shared files, so the gunicorn master must set
``PROMETHEUS_MULTIPROC_DIR`` *before* anything imports it, and this module imports nothing.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def prepare_multiprocess(folder: Path) -> Path:
    """An empty folder for the workers' metric files, named in the environment the workers
    inherit. Emptied at each start: counters restart with the server, as Prometheus expects."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True, mode=0o700)
    os.environ[MULTIPROC_ENV] = str(folder)
    return folder


def worker_exited(server: object, worker: object) -> None:
    """gunicorn's ``child_exit`` hook: drop the dead worker's live gauges (its counters
    stay in the sum, as they should)."""
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        mark_dead: Callable[[int], None] = multiprocess.mark_process_dead  # untyped upstream
        mark_dead(getattr(worker, "pid", 0))
