"""Reading webhook bodies: the JSON envelope on the request thread, SDK models on a worker.

The split is for latency: ``json.loads`` and a shape check are all the request thread needs
to tell LINE "OK" or 400; building the SDK's pydantic models costs more and is done by the
worker that answers the event.

Edges handled here, so that nothing later has to care:

* a body nested deeper than any LINE payload (``MAX_DEPTH``) is refused like malformed JSON
  (400), whether or not ``json`` itself would recurse too deep on it;
* lone UTF-16 surrogates (``"\\ud83d"`` without its pair), which Python's ``json`` accepts
  but nothing can encode, are replaced by U+FFFD, so the message is still answered;
* payloads from before LINE added ``webhookEventId``, ``deliveryContext``, ``mode``,
  ``quoteToken`` or ``follow.isUnblocked`` (LINE's own SDK fixtures are such) get the values
  those fields mean when absent, instead of failing the SDK's validation.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

from linebot.v3.models.events import UnknownEvent
from linebot.v3.webhooks import Event

from bot.engine.limits import MAX_JSON_DEPTH, json_depth_ok
from text.normalize import replace_lone_surrogates

log = logging.getLogger(__name__)


#: LINE's payloads nest about 6 levels (event > message > mention > mentionees > item).
MAX_DEPTH = MAX_JSON_DEPTH
#: Message types whose content carries a ``quoteToken`` in current payloads.
_QUOTABLE = ("text", "image", "video", "sticker")


class BadPayload(ValueError):
    """The body is signed but is not a webhook payload (not JSON, or no ``events`` list)."""


def event_key(raw: dict[str, Any]) -> str:
    """``webhookEventId``; older payloads without one are keyed by a hash of the event."""
    event_id = raw.get("webhookEventId")
    if isinstance(event_id, str) and event_id:
        return event_id[:100]
    canonical = json.dumps(raw, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8", "replace")).hexdigest()


def content_digest(raw: dict[str, Any]) -> str:
    """What makes an event this event: its JSON without the redelivery flag and reply token."""
    content = {k: v for k, v in raw.items() if k not in ("deliveryContext", "replyToken")}
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8", "replace")).hexdigest()


def read_events(body: str) -> list[dict[str, Any]]:
    """The raw events of a webhook body; non-object entries are dropped with a warning."""
    try:
        payload = json.loads(body)
    except json.JSONDecodeError as exc:
        raise BadPayload(f"body is not JSON: {exc.msg}") from None
    except RecursionError:
        raise BadPayload("body is nested too deeply") from None
    if not json_depth_ok(payload):
        raise BadPayload(f"body is nested deeper than {MAX_DEPTH} levels")
    if not isinstance(payload, dict) or not isinstance(payload.get("events"), list):
        raise BadPayload("body has no 'events' list")
    events = [replace_lone_surrogates(e) for e in payload["events"] if isinstance(e, dict)]
    if len(events) != len(payload["events"]):
        log.warning("skipped %d webhook event(s) that are not objects", len(payload["events"]) - len(events))
    return events


def parse_event(raw: dict[str, Any]) -> Any | None:
    """One event as an SDK model; ``UnknownEvent`` for new types, None when unreadable.

    Parsing event by event (rather than with ``WebhookParser.parse``) means one event this
    SDK version cannot read does not fail the others in the same delivery.
    """
    raw = with_defaults(raw)
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


def with_defaults(raw: dict[str, Any]) -> dict[str, Any]:
    """The event with the fields older payloads lack, set to what their absence means."""
    event = dict(raw)
    event.setdefault("mode", "active")
    event.setdefault("webhookEventId", event_key(raw))
    event.setdefault("deliveryContext", {"isRedelivery": False})
    message = event.get("message")
    if isinstance(message, dict) and message.get("type") in _QUOTABLE and "quoteToken" not in message:
        event["message"] = {**message, "quoteToken": ""}
    if event.get("type") == "follow":
        event.setdefault("follow", {"isUnblocked": False})
    return event
