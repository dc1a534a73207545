"""POST /line/webhook: verify, parse, queue, acknowledge. Nothing else happens on the request.

* The ``X-Line-Signature`` header is checked with the SDK's validator against the raw body
  before anything is parsed; a bad or missing signature gets 400 and no processing.
* The request thread only checks the JSON envelope (400 when it is not a webhook body; LINE's
  "verify" call, with no events, gets 200) and queues the raw events.
* Worker threads (:class:`~bot.line.worker.Dispatcher`) then parse each event with the
  SDK's models (:mod:`bot.line.events`) and answer it, after the response has gone.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Flask, Response, current_app, request
from linebot.v3.webhook import SignatureValidator

from bot.config import Settings
from bot.engine.contract import ConciergeEngine
from bot.line.client import LineClient
from bot.line.events import BadPayload, parse_event, read_events
from bot.line.handlers import EventHandlers
from bot.line.morning import MorningScheduler, daily_run, parse_morning_time
from bot.line.state import BotState
from bot.line.worker import Dispatcher
from bot.state import Database, shared_database

log = logging.getLogger(__name__)

EXTENSION = "line"
#: LINE's webhook bodies are a few kB; anything far larger is not from LINE.
MAX_BODY_BYTES = 1 << 20

bp = Blueprint("line", __name__, url_prefix="/line")


@dataclass
class LineChannel:
    """Everything the LINE side of one app owns, kept in ``app.extensions["line"]``."""

    settings: Settings
    validator: SignatureValidator | None
    state: BotState
    client: LineClient
    handlers: EventHandlers
    dispatcher: Dispatcher
    scheduler: MorningScheduler | None = None

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
        def handle_raw(raw: dict[str, Any], received_at: float) -> None:
            event = parse_event(raw)
            if event is not None:
                handlers.handle(event, received_at)

        return cls(settings, validator, state, client, handlers, Dispatcher(handle_raw), scheduler)


def channel() -> LineChannel:
    ext: LineChannel = current_app.extensions[EXTENSION]
    return ext


@bp.post("/webhook")
def webhook() -> Response | tuple[str, int]:
    received_at = time.monotonic()
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
    if not line.dispatcher.has_room(len(events)):
        log.warning("answer queue full (%d pending); asking LINE to redeliver", line.dispatcher.pending)
        return "busy", 503
    line.dispatcher.submit(events, received_at)
    return "OK", 200


def init_app(app: Flask, engine: ConciergeEngine, settings: Settings) -> None:
    """Register the webhook, the bot state, the LINE client, the worker pool and the scheduler."""
    line = LineChannel.create(engine, settings, shared_database(app.extensions, settings))
    app.extensions[EXTENSION] = line
    app.register_blueprint(bp)
    if line.scheduler is not None:
        line.scheduler.start()
