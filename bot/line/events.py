"""Reading webhook bodies: the JSON envelope on the request thread, SDK models on a worker.

The split is for latency: ``json.loads`` and a shape check are all the request thread needs
to tell LINE "OK" or 400; building the SDK's pydantic models costs more and is done by the
worker that answers the event.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from linebot.v3.models.events import UnknownEvent
from linebot.v3.webhooks import Event

log = logging.getLogger(__name__)


class BadPayload(ValueError):
    """The body is signed but is not a webhook payload (not JSON, or no ``events`` list)."""


def read_events(body: str) -> list[dict[str, Any]]:
    """The raw events of a webhook body; non-object entries are dropped with a warning."""
    try:
        payload = json.loads(body)
    except json.JSONDecodeError as exc:
        raise BadPayload(f"body is not JSON: {exc.msg}") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("events"), list):
        raise BadPayload("body has no 'events' list")
    events = [e for e in payload["events"] if isinstance(e, dict)]
    if len(events) != len(payload["events"]):
        log.warning("skipped %d webhook event(s) that are not objects", len(payload["events"]) - len(events))
    return events


def parse_event(raw: dict[str, Any]) -> Any | None:
    """One event as an SDK model; ``UnknownEvent`` for new types, None when unreadable.

    Parsing event by event (rather than with ``WebhookParser.parse``) means one event this
    SDK version cannot read does not fail the others in the same delivery.
    """
    try:
        return Event.from_dict(raw)
    except (ValueError, TypeError, KeyError, AttributeError):
        pass
    kind = str(raw.get("type"))[:40]
    try:
        event = UnknownEvent.new_from_json_dict(raw)
    except (ValueError, TypeError, KeyError, AttributeError):
        log.warning("skipping an unreadable webhook event of type %r", kind)
        return None
    log.info("unknown webhook event type %r", kind)
    return event
