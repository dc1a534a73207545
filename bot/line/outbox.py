"""What handling one event wants sent to LINE, in order: the outbox.

Handlers do not call LINE themselves. They fill an :class:`Outbox` (a reply to the chat, a
push to the staff group...), the worker stores it (sealed) in the event's queue row, and only
then sends it, item by item, recording each item LINE accepted. So a retry after a LINE
error, a timeout or a killed process re-sends only what was not accepted, and never asks
the engine again.

Each item (:class:`Send`) is at most five messages (one Messaging API call). The first item
of an event may use the event's reply token; everything else is a push, with a retry key
derived from the event and the item's position so that LINE itself drops a resend it has
already accepted (``X-Line-Retry-Key``, answered 409).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from linebot.v3.messaging import Message

#: A reply or push carries at most this many messages (Messaging API limit).
MAX_MESSAGES = 5
_RETRY_KEYS = uuid.UUID("6f1c2b0e-4d3a-5b8e-9c7d-2a1f0e3b4c5d")


@dataclass(frozen=True)
class Send:
    """One Messaging API call: reply with ``reply_token`` when usable, else push to ``to``.

    ``to`` is a group, room or (1:1) user id, kept only in the sealed outbox while the event
    is pending. ``log_name`` is what logs may say about the chat (a hash prefix), never an id.
    """

    messages: list[dict[str, Any]]
    to: str | None
    reply_token: str | None = None
    log_name: str = "chat"

    def to_json(self) -> dict[str, Any]:
        return {"messages": self.messages, "to": self.to, "reply_token": self.reply_token,
                "log_name": self.log_name}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Send:
        return cls(list(data["messages"]), data.get("to"), data.get("reply_token"), str(data.get("log_name", "chat")))

    def sdk_messages(self) -> list[Message]:
        return [Message.from_dict(m) for m in self.messages]


def retry_key(event_key: str, index: int) -> str:
    """The ``X-Line-Retry-Key`` of the ``index``-th send of an event: the same on every retry."""
    return str(uuid.uuid5(_RETRY_KEYS, f"{event_key}#{index}"))


@dataclass
class Outbox:
    """Collects the sends of one event; the reply token goes to the first reply only."""

    reply_token: str | None = None
    sends: list[Send] = field(default_factory=list)
    #: the queue's key of the event (bot.line.events.event_key): the question log counts the
    #: event once under the same key, also for payloads without a webhookEventId
    event_key: str | None = None
    _token_used: bool = False

    def reply(self, to: str | None, messages: Sequence[Message], log_name: str = "chat") -> None:
        """Answer the chat the event came from: the reply token first, pushes for the rest."""
        batches = _batches(messages)
        for n, batch in enumerate(batches):
            token = None
            if n == 0 and self.reply_token and not self._token_used:
                token, self._token_used = self.reply_token, True
            self.sends.append(Send(batch, to, token, log_name))

    def push(self, to: str, messages: Sequence[Message], log_name: str = "chat") -> None:
        """A message to another chat (e.g. the staff group)."""
        for batch in _batches(messages):
            self.sends.append(Send(batch, to, None, log_name))


def _batches(messages: Sequence[Message]) -> list[list[dict[str, Any]]]:
    dicts = [m.to_dict() for m in messages]
    return [dicts[i:i + MAX_MESSAGES] for i in range(0, len(dicts), MAX_MESSAGES)]
