"""Sending to LINE: reply first, push when the reply token is no longer usable.

Why the fallback: a reply token is single-use and only valid for a short time after the
webhook. The bot answers after acknowledging the webhook, so a slow answer (a re-ingest, a
cold model) or a redelivered event can find its token expired. Then the same messages are
pushed to the chat instead. A 429 is different: LINE is rate-limiting the channel, pushing
would be rate-limited too (and costs quota), so it is logged as such and not retried here.

Chat ids pass through this module only as call arguments; they are never logged.
"""

from __future__ import annotations

import enum
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from linebot.v3.messaging import (
    ApiClient,
    ApiException,
    Configuration,
    Message,
    MessagingApi,
    PushMessageRequest,
    ReplyMessageRequest,
    ShowLoadingAnimationRequest,
)
from urllib3.exceptions import HTTPError

from bot.config import Settings

log = logging.getLogger(__name__)

#: Use the reply token only this long after the webhook arrived; push after that.
REPLY_DEADLINE_SECONDS = 50.0
#: Per-call HTTP timeout towards LINE, so a hung API cannot pin a worker thread.
REQUEST_TIMEOUT_SECONDS = 10.0
#: How long to wait before asking again for the bot's display name after a failure.
BOT_INFO_RETRY_SECONDS = 300.0
#: A reply or push carries at most this many messages (Messaging API limit).
MAX_MESSAGES = 5


class Outcome(str, enum.Enum):
    REPLIED = "replied"
    PUSHED = "pushed"
    RATE_LIMITED = "rate_limited"
    FAILED = "failed"
    DROPPED = "dropped"


@dataclass(frozen=True)
class Target:
    """Where an answer goes: the reply token, the chat to push to, and when the event came.

    ``to`` is the group, room or (1:1) user id, held only for the life of the event.
    ``log_name`` is what logs may say about the chat (e.g. a hash prefix), never the id.
    """

    reply_token: str | None
    to: str | None
    received_at: float
    log_name: str = "chat"


def _body(exc: ApiException) -> str:
    body = exc.body
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    return str(body or exc.reason or "")


def _is_expired_token(exc: ApiException) -> bool:
    return exc.status == 400 and "reply token" in _body(exc).lower()


class LineClient:
    """MessagingApi calls with the project's error policy; one connection pool per process."""

    def __init__(
        self,
        settings: Settings,
        *,
        reply_deadline: float = REPLY_DEADLINE_SECONDS,
        timeout: float = REQUEST_TIMEOUT_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.configuration = Configuration(
            host=settings.line_api_base_url, access_token=settings.line_channel_access_token
        )
        self.reply_deadline = reply_deadline
        self.timeout = timeout
        self._clock = clock
        self._lock = threading.Lock()
        self._api_client: ApiClient | None = None
        self._pid = 0
        self._bot_name: str | None = None
        self._bot_name_checked = -BOT_INFO_RETRY_SECONDS

    # -- plumbing -------------------------------------------------------------------------

    def _api(self) -> MessagingApi:
        """A MessagingApi over a pooled ApiClient, rebuilt after a fork (gunicorn workers)."""
        with self._lock:
            if self._api_client is None or self._pid != os.getpid():
                self._api_client = ApiClient(self.configuration)
                self._pid = os.getpid()
            return MessagingApi(self._api_client)

    def close(self) -> None:
        with self._lock:
            if self._api_client is not None:
                self._api_client.close()
                self._api_client = None

    # -- sending --------------------------------------------------------------------------

    def send(self, target: Target, messages: Sequence[Message]) -> Outcome:
        """Reply (or push, past the deadline or on an expired token); more than 5 are pushed."""
        if not messages:
            return Outcome.DROPPED
        first, rest = list(messages[:MAX_MESSAGES]), list(messages[MAX_MESSAGES:])
        outcome = self._reply_or_push(target, first)
        while rest and outcome in (Outcome.REPLIED, Outcome.PUSHED) and target.to:
            batch, rest = rest[:MAX_MESSAGES], rest[MAX_MESSAGES:]
            if self.push(target.to, batch, log_name=target.log_name) is not Outcome.PUSHED:
                break
        return outcome

    def _reply_or_push(self, target: Target, messages: list[Message]) -> Outcome:
        elapsed = self._clock() - target.received_at
        if target.reply_token and elapsed < self.reply_deadline:
            try:
                self._api().reply_message(
                    ReplyMessageRequest(reply_token=target.reply_token, messages=messages),
                    _request_timeout=self.timeout,
                )
                return Outcome.REPLIED
            except ApiException as exc:
                if exc.status == 429:
                    log.warning(
                        "LINE rate limit (429) on reply to %s; not pushing (it would be limited too): %s",
                        target.log_name, _body(exc),
                    )
                    return Outcome.RATE_LIMITED
                if not _is_expired_token(exc):
                    log.error("reply to %s failed with HTTP %s: %s", target.log_name, exc.status, _body(exc))
                    return Outcome.FAILED
                log.info("reply token for %s expired or already used; pushing instead", target.log_name)
            except (HTTPError, OSError) as exc:
                log.error("reply to %s failed: %s", target.log_name, exc)
                return Outcome.FAILED
        elif target.reply_token:
            log.info("answer for %s took %.1f s, past the reply deadline; pushing", target.log_name, elapsed)
        if not target.to:
            log.warning("cannot push to %s: no chat id; answer dropped", target.log_name)
            return Outcome.DROPPED
        return self.push(target.to, messages, log_name=target.log_name)

    def push(self, to: str, messages: Sequence[Message], *, log_name: str = "chat") -> Outcome:
        """One push (at most 5 messages), with a retry key so a resend is not delivered twice."""
        try:
            self._api().push_message(
                PushMessageRequest(to=to, messages=list(messages[:MAX_MESSAGES])),
                x_line_retry_key=str(uuid.uuid4()),
                _request_timeout=self.timeout,
            )
            return Outcome.PUSHED
        except ApiException as exc:
            if exc.status == 429:
                log.warning("LINE rate limit (429) on push to %s; message not sent: %s", log_name, _body(exc))
                return Outcome.RATE_LIMITED
            log.error("push to %s failed with HTTP %s: %s", log_name, exc.status, _body(exc))
            return Outcome.FAILED
        except (HTTPError, OSError) as exc:
            log.error("push to %s failed: %s", log_name, exc)
            return Outcome.FAILED

    def show_loading(self, user_id: str, seconds: int = 20) -> None:
        """The typing indicator in a 1:1 chat; purely cosmetic, so failures are only logged."""
        try:
            self._api().show_loading_animation(
                ShowLoadingAnimationRequest(chat_id=user_id, loading_seconds=seconds),
                _request_timeout=self.timeout,
            )
        except (ApiException, HTTPError, OSError) as exc:
            log.info("loading animation not shown: %s", getattr(exc, "status", exc))

    def bot_name(self) -> str | None:
        """The bot's LINE display name (a trigger word in groups), fetched once and cached."""
        if self._bot_name is not None:
            return self._bot_name
        now = self._clock()
        if now - self._bot_name_checked < BOT_INFO_RETRY_SECONDS:
            return None
        self._bot_name_checked = now
        try:
            self._bot_name = self._api().get_bot_info(_request_timeout=self.timeout).display_name
        except (ApiException, HTTPError, OSError, ValueError) as exc:
            log.info("bot info unavailable (%s); answering to the default names only",
                     getattr(exc, "status", exc))
        return self._bot_name
