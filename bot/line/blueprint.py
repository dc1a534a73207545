"""POST /line/webhook: verify, read, store, acknowledge. Nothing else happens on the request.

* The ``X-Line-Signature`` header is checked with the SDK's validator against the raw body
  before anything is parsed; a bad or missing signature gets 400 and no processing.
* The request thread checks the JSON envelope (400 when it is not a webhook body; LINE's
  "verify" call, with no events, gets 200) and stores the events in the delivery queue
  (:mod:`bot.line.queue`) *before* answering 200: an acknowledged event survives a crash.
  When the state database cannot take them (down, disk full, read-only), the answer is 503
  and one error is logged per outage, so LINE redelivers instead of the events being lost.
* Worker threads (:mod:`bot.line.worker`) then answer each event and deliver the answer.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Flask, Response, current_app, request
from linebot.v3.webhook import SignatureValidator

from bot.config import Settings
from bot.engine.contract import ConciergeEngine
from bot.line.client import LineClient
from bot.line.events import BadPayload, parse_event, read_events
from bot.line.handlers import EventHandlers
from bot.line.morning import MorningScheduler, daily_run, parse_morning_time
from bot.line.outbox import Outbox
from bot.line.queue import EventQueue
from bot.line.state import BotState
from bot.line.worker import DeliveryWorkers
from bot.state import Database, StateUnavailable, shared_database

log = logging.getLogger(__name__)

EXTENSION = "line"
#: LINE's webhook bodies are a few kB; anything far larger is not from LINE.
MAX_BODY_BYTES = 1 << 20

bp = Blueprint("line", __name__, url_prefix="/line")


class OutageLog:
    """Logs a failure once when it starts and once when it ends, not once per request."""

    def __init__(self, what: str):
        self.what = what
        self._down = False
        self._lock = threading.Lock()

    def failed(self, reason: str) -> None:
        with self._lock:
            first, self._down = not self._down, True
        if first:
            log.error("%s: %s; answering 503 so that LINE redelivers", self.what, reason)

    def ok(self) -> None:
        if self._down:
            with self._lock:
                was, self._down = self._down, False
            if was:
                log.info("%s again", self.what.replace("cannot", "can"))


@dataclass
class LineChannel:
    """Everything the LINE side of one app owns, kept in ``app.extensions["line"]``."""

    settings: Settings
    validator: SignatureValidator | None
    state: BotState
    client: LineClient
    handlers: EventHandlers
    queue: EventQueue
    workers: DeliveryWorkers
    scheduler: MorningScheduler | None = None
    outage: OutageLog = field(default_factory=lambda: OutageLog("cannot store LINE events in the state database"))

    @classmethod
    def create(cls, engine: ConciergeEngine, settings: Settings, db: Database | None = None) -> LineChannel:
        state = BotState.open(settings, db=db)
        client = LineClient(settings)
        handlers = EventHandlers(engine, settings, state, client)
        validator = SignatureValidator(settings.line_channel_secret) if settings.line_channel_secret else None
        if validator is None:
            log.warning("LINE_CHANNEL_SECRET is not set: /line/webhook will refuse every request")
        scheduler = None
        at = parse_morning_time(settings.morning_time)
        if at is not None:
            scheduler = MorningScheduler(
                lambda now: daily_run(engine, state, client, now, settings.question_log_days),
                at,
                handlers.site_now,
            )

        def answer(raw: dict[str, Any], out: Outbox) -> None:
            event = parse_event(raw)
            if event is not None:
                handlers.handle(event, out)

        queue = EventQueue(state.db, state.sealer)
        workers = DeliveryWorkers(queue, answer, client)
        return cls(settings, validator, state, client, handlers, queue, workers, scheduler)

    def stop(self) -> None:
        """Stop the worker threads and the scheduler (tests, shutdown)."""
        if self.scheduler is not None:
            self.scheduler.stop()
        self.workers.shutdown()
        self.client.close()


def channel() -> LineChannel:
    ext: LineChannel = current_app.extensions[EXTENSION]
    return ext


@bp.post("/webhook")
def webhook() -> Response | tuple[str, int]:
    received_at = time.time()
    line = channel()
    if line.validator is None:
        return "LINE channel not configured", 503
    signature = request.headers.get("X-Line-Signature", "")
    if not signature:
        return "missing signature", 400
    request.max_content_length = MAX_BODY_BYTES  # get_data answers 413 beyond this
    body = request.get_data(as_text=True)
    if not line.validator.validate(body, signature):
        log.warning("webhook with an invalid signature rejected")
        return "invalid signature", 400
    try:
        events = read_events(body)
    except BadPayload as exc:
        log.warning("signed webhook body rejected: %s", exc)
        return "bad request", 400
    try:
        line.queue.enqueue(events, received_at)
    except StateUnavailable as exc:
        line.outage.failed(str(exc))
        return "state database unavailable", 503
    line.outage.ok()
    if events:
        line.workers.wake()
    return "OK", 200


def init_app(app: Flask, engine: ConciergeEngine, settings: Settings) -> None:
    """Register the webhook, the bot state, the LINE client, the delivery workers and the scheduler."""
    line = LineChannel.create(engine, settings, shared_database(app.extensions, settings))
    app.extensions[EXTENSION] = line
    app.register_blueprint(bp)
    if line.validator is not None:
        line.workers.start()  # answers events left pending by a previous run
    if line.scheduler is not None:
        line.scheduler.start()
