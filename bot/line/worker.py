"""A small thread pool that answers events after the webhook has been acknowledged.

LINE expects the webhook to return quickly and may redeliver otherwise; an answer can take
seconds (retrieval, a re-ingest). So the request thread only queues events here. The pool
is created lazily in the process that uses it, because gunicorn forks workers and threads
do not survive a fork.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

log = logging.getLogger(__name__)

DEFAULT_WORKERS = 4
#: Beyond this many queued events the webhook answers 503 so LINE redelivers later.
DEFAULT_MAX_PENDING = 2000


class Dispatcher:
    def __init__(
        self,
        handle: Callable[[Any, float], None],
        *,
        workers: int = DEFAULT_WORKERS,
        max_pending: int = DEFAULT_MAX_PENDING,
    ):
        self._handle = handle
        self.workers = workers
        self.max_pending = max_pending
        self._executor: ThreadPoolExecutor | None = None
        self._pid = 0
        self._pending = 0
        self._cond = threading.Condition()

    @property
    def pending(self) -> int:
        return self._pending

    def has_room(self, count: int) -> bool:
        return self._pending + count <= self.max_pending

    def submit(self, events: Sequence[Any], received_at: float) -> None:
        if not events:
            return
        executor = self._pool()
        with self._cond:
            self._pending += len(events)
        for event in events:
            executor.submit(self._run, event, received_at)

    def _pool(self) -> ThreadPoolExecutor:
        with self._cond:
            if self._executor is None or self._pid != os.getpid():
                self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="line-answer")
                self._pid = os.getpid()
                self._pending = 0
            return self._executor

    def _run(self, event: Any, received_at: float) -> None:
        try:
            self._handle(event, received_at)
        except Exception:  # a worker must survive any one event
            kind = event.get("type") if isinstance(event, dict) else getattr(event, "type", "?")
            log.exception("handling a %s event failed", kind)
        finally:
            with self._cond:
                self._pending -= 1
                self._cond.notify_all()

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait until every queued event is handled (tests, graceful shutdown)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._pending > 0:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def shutdown(self) -> None:
        with self._cond:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True)
