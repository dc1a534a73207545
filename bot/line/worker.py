"""Worker threads that answer queued LINE events, exactly once, after the webhook's 200.

Each process (gunicorn worker, test app) runs a few threads. A thread claims a due event
from the queue (:mod:`bot.line.queue`) under a lease, and then:

1. unless an earlier attempt already did, asks the handlers what to send (the engine is
   consulted here) and stores that outbox, sealed, before sending anything;
2. sends the outbox item by item through :meth:`LineClient.deliver` (retries with backoff
   and jitter, Retry-After, reply -> push fallback), recording each accepted item;
3. marks the event done, which also clears its payload and outbox.

When LINE keeps failing, the event goes back to the queue with a growing delay; past
``give_up_after`` seconds since the webhook it is given up with one error log line (kind,
attempts, age, last error: no personal data). A heartbeat thread renews the leases of the
events this process holds, so a long answer keeps its lease while a killed process's
leases run out and its events are taken over by any other process (or by itself after a
restart). Threads start with the app, so events left pending by a crash are answered
without waiting for new traffic.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.line.client import LineClient, Outcome
from bot.line.outbox import Outbox, Send, retry_key
from bot.line.queue import EventQueue, QueuedEvent
from bot.state import StateUnavailable

log = logging.getLogger(__name__)

#: Delivery threads per process. A delivery mostly waits (the state database's one writer,
#: LINE's API), so it needs more threads than the CPU-bound request threads
#: (bot.serve.DEFAULT_THREADS) to get its share of the GIL: 20 clients, 6 of them Alexa, on 2
#: cores (bench/bench_delivery.py): 4 threads gave LINE reply p95 428-614 ms over six runs,
#: 8 threads 375-402 ms over three (Alexa p95 146-197 -> 207-219 ms, both well inside limits).
DEFAULT_WORKERS = 8


@dataclass
class DeliveryPolicy:
    """Bounds of the queue-level retries (the client retries within one attempt)."""

    lease_seconds: float = 20.0  # renewed every lease/4 by a live process
    poll_seconds: float = 1.0
    requeue_first: float = 2.0  # first delay before a failed event is tried again
    requeue_max: float = 120.0
    give_up_after: float = 900.0  # seconds since the webhook: an older answer is more confusing than useful

    def requeue_delay(self, attempts: int, retry_after: float | None) -> float:
        backoff = min(self.requeue_max, self.requeue_first * 2 ** max(0, attempts - 1))
        backoff *= 0.5 + random.random()  # jitter: processes recovering together do not stampede LINE
        return float(max(backoff, retry_after or 0.0))


#: Builds the outbox of one raw event (the handlers, wrapped by the blueprint).
Answerer = Callable[[dict[str, Any], Outbox], None]


class DeliveryWorkers:
    """The per-process pool: claims, answers and delivers; safe to create before a fork."""

    def __init__(self, queue: EventQueue, answer: Answerer, client: LineClient, *,
                 workers: int = DEFAULT_WORKERS, policy: DeliveryPolicy | None = None):
        self.queue = queue
        self.answer = answer
        self.client = client
        self.workers = workers
        self.policy = policy or DeliveryPolicy()
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._pid = 0
        self._wakeups = 0
        self._outage = False
        self.owner = ""

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> None:
        """Start (or, in a forked child, restart) the threads of this process."""
        with self._cond:
            if self.running:
                return
            self._pid = os.getpid()
            self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
            self._stop.clear()
            self._threads = [threading.Thread(target=self._loop, name=f"line-delivery-{i}", daemon=True)
                             for i in range(self.workers)]
            self._threads.append(threading.Thread(target=self._heartbeat, name="line-lease", daemon=True))
        for t in self._threads:
            t.start()

    def wake(self) -> None:
        """New events are queued: let idle threads look now instead of at the next poll."""
        with self._cond:
            self._wakeups += 1
            self._cond.notify_all()

    @property
    def running(self) -> bool:
        return self._pid == os.getpid() and any(t.is_alive() for t in self._threads)

    def shutdown(self, timeout: float = 10.0) -> None:
        """Stop the threads and hand back leases of events not yet being delivered."""
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
            threads, self._threads = self._threads, []
        for t in threads:
            if t is not threading.current_thread():
                t.join(timeout)
        if self.owner and self._pid == os.getpid():
            try:
                self.queue.release(self.owner)
            except StateUnavailable:
                pass

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait until no event is pending (tests, benchmarks)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.queue.pending() == 0:
                return True
            self.wake()
            time.sleep(0.02)
        return self.queue.pending() == 0

    # -- threads --------------------------------------------------------------------------

    def _loop(self) -> None:
        while not self._stop.is_set():
            seen = self._wakeups
            try:
                claimed = self.queue.claim(self.owner, self.policy.lease_seconds)
                self._queue_ok()
            except StateUnavailable as exc:
                self._queue_down(str(exc))
                claimed = []
            except Exception:  # a worker thread must survive anything
                log.exception("claiming from the delivery queue failed")
                claimed = []
            if claimed:
                for event in claimed:
                    self.process(event)
                continue
            with self._cond:
                if self._wakeups == seen and not self._stop.is_set():
                    self._cond.wait(self.policy.poll_seconds)

    def _queue_down(self, reason: str) -> None:
        with self._cond:
            first, self._outage = not self._outage, True
        if first:  # once per outage, not once per poll and thread
            log.error("cannot read the LINE delivery queue: %s; retrying every %.0f s", reason,
                      self.policy.poll_seconds)

    def _queue_ok(self) -> None:
        if self._outage:
            with self._cond:
                was, self._outage = self._outage, False
            if was:
                log.info("the LINE delivery queue is readable again")

    def _heartbeat(self) -> None:
        while not self._stop.wait(self.policy.lease_seconds / 4):
            try:
                self.queue.renew(self.owner, self.policy.lease_seconds)
            except Exception as exc:  # the next beat tries again; leases outlive a few misses
                log.warning("could not renew delivery leases: %s", exc)

    # -- one event ------------------------------------------------------------------------

    def process(self, event: QueuedEvent) -> None:
        """Answer and deliver one claimed event (never raises)."""
        try:
            self._process(event)
        except StateUnavailable as exc:
            # the lease runs out and the event is tried again once the database is back
            log.warning("state database unavailable while handling a %s event: %s", event.kind, exc)
        except Exception as exc:
            log.exception("handling a %s event failed", event.kind)
            self._retry_or_give_up(event, type(exc).__name__, None)

    def _process(self, event: QueuedEvent) -> None:
        owner = self.owner
        sends = event.outbox
        if sends is None:
            if event.raw is None:
                log.warning("dropping a %s event whose payload cannot be read (channel secret changed?)",
                            event.kind)
                self.queue.give_up(event, owner, "unreadable payload")
                _count_failure("unreadable payload")
                return
            out = Outbox(reply_token=_reply_token(event.raw), event_key=event.key)
            self.answer(event.raw, out)
            sends = out.sends
            if not sends:
                self.queue.finish(event, owner)
                return
            if not self.queue.save_outbox(event, owner, sends):
                return
        for index in range(event.sent, len(sends)):
            # an earlier attempt died or timed out while this very send was going out
            doubt = event.reply_doubt and index == event.sent
            result = self.client.deliver(sends[index], received_at=event.received_at,
                                         retry_key=retry_key(event.key, index), token_doubt=doubt)
            if result.outcome is Outcome.RETRY_LATER:
                if index > event.sent:
                    self.queue.advance(event, owner, index)
                self._retry_or_give_up(event, result.error, result.retry_after, result.token_doubt)
                return
            if result.outcome is Outcome.FAILED:
                log.error("LINE refused a %s for %s: %s; not retried", _what(sends[index]), sends[index].log_name,
                          result.error)
                _count_failure("refused")
            if index + 1 < len(sends) and not self.queue.advance(event, owner, index + 1):
                return
        self.queue.finish(event, owner)

    def _retry_or_give_up(self, event: QueuedEvent, error: str, retry_after: float | None,
                          token_doubt: bool = True) -> None:
        delay = self.policy.requeue_delay(event.attempts, retry_after)
        age = time.time() - event.received_at
        if age + delay > self.policy.give_up_after:
            log.error("gave up delivering a %s event after %d attempts over %.0f s: %s",
                      event.kind, event.attempts, age, error or "unknown error")
            self.queue.give_up(event, self.owner, error)
            _count_failure("gave up")
            return
        log.info("a %s event will be tried again in %.1f s (%s)", event.kind, delay, error)
        self.queue.retry_later(event, self.owner, delay, error, reply_doubt=token_doubt)
        from bot.observability.metrics import delivery_retried

        delivery_retried("requeued")


def _count_failure(reason: str) -> None:
    """/metrics: ``concierge_line_delivery_failures_total{reason}`` (imported here, not at the
    top: prometheus-client must not load before ``concierge serve`` sets up multiprocess mode)."""
    from bot.observability.metrics import delivery_failed

    delivery_failed(reason)


def _reply_token(raw: dict[str, Any]) -> str | None:
    token = raw.get("replyToken")
    return token if isinstance(token, str) and token else None


def _what(send: Send) -> str:
    return "reply" if send.reply_token else "push"
