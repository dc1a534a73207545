"""Sending to LINE: one call's verdict, and one send delivered with retries.

Policy (see :meth:`LineClient.deliver`):

* **Retried** with exponential backoff and jitter (tenacity): HTTP 5xx, timeouts and
  connection errors, and 429, waiting what ``Retry-After`` says when LINE says it. A wait
  longer than the policy allows inline gives the event back to the queue instead of
  holding a worker thread.
* **Reply first, push after**: a reply token is single-use and short-lived, so past
  ``reply_deadline`` after the webhook, or when LINE calls the token invalid, the same
  messages are pushed. One exception: if an earlier attempt of this reply may have reached
  LINE (a timeout, a 5xx, a process killed mid-call), the reply is tried again whatever the
  token's age, and "invalid reply token" then means that attempt used it: the answer was
  delivered and is not pushed a second time.
* **Pushes carry a retry key** fixed per event and item, so a push resent after a timeout
  is dropped by LINE if the first one got through (409 = already accepted).
* Anything else (400, 401, 403...) is refused: retrying cannot help.
* A 2xx is accepted whatever its body (``{}`` included): the body is not parsed.

Chat ids pass through this module only as call arguments; they are never logged.
"""

from __future__ import annotations

import email.utils
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
from tenacity import RetryCallState, Retrying, retry_if_result, stop_after_attempt, wait_exponential_jitter
from urllib3.exceptions import HTTPError, ProtocolError, ReadTimeoutError

from bot.config import Settings
from bot.line.outbox import MAX_MESSAGES, Send

log = logging.getLogger(__name__)

#: Use the reply token only this long after the webhook arrived; push after that.
REPLY_DEADLINE_SECONDS = 50.0
#: Per-call HTTP timeout towards LINE, so a hung API cannot pin a worker thread.
REQUEST_TIMEOUT_SECONDS = 10.0
#: How long to wait before asking again for the bot's display name after a failure.
BOT_INFO_RETRY_SECONDS = 300.0

__all__ = ["MAX_MESSAGES", "Attempt", "Delivery", "LineClient", "Outcome", "RetryPolicy", "Verdict"]


class Verdict(enum.StrEnum):
    ACCEPTED = "accepted"
    INVALID_TOKEN = "invalid_token"
    RETRY = "retry"
    REFUSED = "refused"


class Outcome(enum.StrEnum):
    REPLIED = "replied"
    PUSHED = "pushed"
    ALREADY_DELIVERED = "already_delivered"
    RETRY_LATER = "retry_later"
    FAILED = "failed"
    DROPPED = "dropped"

    @property
    def delivered(self) -> bool:
        return self in (Outcome.REPLIED, Outcome.PUSHED, Outcome.ALREADY_DELIVERED)


@dataclass(frozen=True)
class Attempt:
    """One HTTP call's result. ``error`` is short and holds no personal data."""

    verdict: Verdict
    status: int | None = None
    retry_after: float | None = None
    error: str = ""
    may_have_arrived: bool = False  # LINE may have acted on it although we saw no success


@dataclass(frozen=True)
class Delivery:
    outcome: Outcome
    error: str = ""
    retry_after: float | None = None  # when RETRY_LATER: what LINE asked for, if anything
    token_doubt: bool = False  # when RETRY_LATER: a reply attempt may have reached LINE


@dataclass(frozen=True)
class RetryPolicy:
    """Retries inside one delivery attempt (the queue re-tries whole events later)."""

    attempts: int = 4
    first_wait: float = 0.5
    max_wait: float = 8.0
    jitter: float = 0.5
    max_inline_wait: float = 10.0  # a longer Retry-After goes back to the queue
    sleep: Callable[[float], None] = time.sleep


def _body(exc: ApiException) -> str:
    body = exc.body
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    return str(body or exc.reason or "")[:200]


def _retry_after(exc: ApiException) -> float | None:
    """``Retry-After`` in seconds (either form HTTP allows), or None."""
    headers = exc.headers or {}
    value = next((v for k, v in dict(headers).items() if str(k).lower() == "retry-after"), None)
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(str(value))
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _verdict(exc: ApiException) -> Attempt:
    status = int(exc.status or 0)
    body = _body(exc)
    if status == 429:
        return Attempt(Verdict.RETRY, status, _retry_after(exc), f"HTTP 429 {body}".strip())
    if status >= 500 or status == 0:
        return Attempt(Verdict.RETRY, status or None, _retry_after(exc), f"HTTP {status}", may_have_arrived=True)
    if status == 409:  # a push with this retry key was accepted before
        return Attempt(Verdict.ACCEPTED, status)
    if status == 400 and "reply token" in body.lower():
        return Attempt(Verdict.INVALID_TOKEN, status, error="invalid reply token")
    return Attempt(Verdict.REFUSED, status, error=f"HTTP {status} {body}".strip())


def _transport(exc: BaseException) -> Attempt:
    """A timeout or a dropped connection: the request may or may not have reached LINE."""
    arrived = isinstance(exc, (ReadTimeoutError, ProtocolError, TimeoutError, ConnectionResetError))
    return Attempt(Verdict.RETRY, None, None, type(exc).__name__, may_have_arrived=arrived)


class LineClient:
    """MessagingApi calls with the project's error policy; one connection pool per process."""

    def __init__(
        self,
        settings: Settings,
        *,
        reply_deadline: float = REPLY_DEADLINE_SECONDS,
        timeout: float = REQUEST_TIMEOUT_SECONDS,
        clock: Callable[[], float] = time.time,
        retry: RetryPolicy | None = None,
    ):
        self.configuration = Configuration(
            host=settings.line_api_base_url, access_token=settings.line_channel_access_token
        )
        self.reply_deadline = reply_deadline
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
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

    # -- single calls ---------------------------------------------------------------------

    def reply_once(self, token: str, messages: Sequence[Message]) -> Attempt:
        try:
            # _preload_content=False: LINE's answer body is not parsed, so an unexpected one
            # (``{}`` instead of ``{"sentMessages": [...]}``) cannot fail a delivered reply
            self._api().reply_message_with_http_info(
                ReplyMessageRequest(reply_token=token, messages=list(messages)),
                _request_timeout=self.timeout, _preload_content=False)
            return Attempt(Verdict.ACCEPTED, 200)
        except ApiException as exc:
            return _verdict(exc)
        except (HTTPError, OSError) as exc:
            return _transport(exc)

    def push_once(self, to: str, messages: Sequence[Message], retry_key: str) -> Attempt:
        try:
            self._api().push_message_with_http_info(
                PushMessageRequest(to=to, messages=list(messages)), x_line_retry_key=retry_key,
                _request_timeout=self.timeout, _preload_content=False)
            return Attempt(Verdict.ACCEPTED, 200)
        except ApiException as exc:
            return _verdict(exc)
        except (HTTPError, OSError) as exc:
            return _transport(exc)

    # -- delivery with retries ------------------------------------------------------------

    def _retrying(self, call: Callable[[], Attempt], what: str, log_name: str,
                  on_attempt: Callable[[Attempt], None] | None = None) -> Attempt:
        policy = self.retry
        backoff = wait_exponential_jitter(initial=policy.first_wait, max=policy.max_wait, jitter=policy.jitter)

        def wait(state: RetryCallState) -> float:
            last: Attempt = state.outcome.result() if state.outcome else Attempt(Verdict.RETRY)
            return last.retry_after if last.retry_after is not None else float(backoff(state))

        def worth_retrying(attempt: Attempt) -> bool:
            if on_attempt is not None:
                on_attempt(attempt)
            if attempt.verdict is not Verdict.RETRY:
                return False
            if attempt.retry_after is not None and attempt.retry_after > policy.max_inline_wait:
                return False
            return True

        def before_sleep(state: RetryCallState) -> None:
            last: Attempt = state.outcome.result() if state.outcome else Attempt(Verdict.RETRY)
            waiting = state.next_action.sleep if state.next_action else 0.0
            log.info("%s to %s: %s; retrying in %.1f s", what, log_name, last.error or last.status, waiting)
            from bot.observability.metrics import delivery_retried, reason_of

            delivery_retried(reason_of(last.status))

        retrying = Retrying(stop=stop_after_attempt(policy.attempts), wait=wait, sleep=policy.sleep,
                            retry=retry_if_result(worth_retrying), before_sleep=before_sleep,
                            retry_error_callback=lambda state: state.outcome.result() if state.outcome else None)
        result: Attempt = retrying(call)
        return result

    def deliver(self, send: Send, *, received_at: float, retry_key: str, token_doubt: bool = False) -> Delivery:
        """Deliver one send: reply (or push, see the module docstring), retrying what can be.

        ``token_doubt``: an earlier attempt of this send may have reached LINE with the reply
        token (a process killed mid-call, a timeout). Then the reply is tried whatever its
        age, and "invalid reply token" means that attempt delivered it: pushing would say
        it twice.
        """
        messages = send.sdk_messages()
        if not messages:
            return Delivery(Outcome.DROPPED)
        elapsed = self._clock() - received_at
        if send.reply_token and (elapsed < self.reply_deadline or token_doubt):
            token = send.reply_token
            doubt = token_doubt

            def note(attempt: Attempt) -> None:
                nonlocal doubt
                doubt = doubt or attempt.may_have_arrived

            attempt = self._retrying(lambda: self.reply_once(token, messages), "reply", send.log_name, note)
            if attempt.verdict is Verdict.ACCEPTED:
                return Delivery(Outcome.REPLIED)
            if attempt.verdict is Verdict.RETRY:
                return Delivery(Outcome.RETRY_LATER, attempt.error, attempt.retry_after, doubt)
            if attempt.verdict is Verdict.REFUSED:
                log.warning("reply to %s refused (%s); pushing instead", send.log_name, attempt.error)
            elif doubt:
                log.info("reply token for %s already used by an earlier attempt: the answer was delivered",
                         send.log_name)
                return Delivery(Outcome.ALREADY_DELIVERED)
            else:
                log.info("reply token for %s expired or already used; pushing instead", send.log_name)
        elif send.reply_token:
            log.info("answer for %s took %.1f s, past the reply deadline; pushing", send.log_name, elapsed)
        if not send.to:
            log.warning("cannot push to %s: no chat id; answer dropped", send.log_name)
            return Delivery(Outcome.DROPPED)
        to = send.to
        attempt = self._retrying(lambda: self.push_once(to, messages, retry_key), "push", send.log_name)
        if attempt.verdict is Verdict.ACCEPTED:
            return Delivery(Outcome.PUSHED)
        if attempt.verdict is Verdict.RETRY:
            return Delivery(Outcome.RETRY_LATER, attempt.error, attempt.retry_after)
        return Delivery(Outcome.FAILED, attempt.error)

    def push(self, to: str, messages: Sequence[Message], *, log_name: str = "chat",
             retry_key: str | None = None) -> Outcome:
        """Push now (at most 5 messages at a time), retrying within the policy; for callers
        outside the queue (the morning message). Failures are logged once."""
        outcome = Outcome.PUSHED
        batches = [list(messages[i:i + MAX_MESSAGES]) for i in range(0, len(messages), MAX_MESSAGES)]
        base = retry_key or str(uuid.uuid4())
        for n, batch in enumerate(batches):
            key = base if n == 0 else str(uuid.uuid5(uuid.UUID(base), str(n)))
            send = Send([m.to_dict() for m in batch], to, None, log_name)
            result = self.deliver(send, received_at=self._clock(), retry_key=key)
            if not result.outcome.delivered:
                log.error("push to %s failed: %s", log_name, result.error or result.outcome.value)
                return result.outcome
        return outcome

    # -- cosmetics ------------------------------------------------------------------------

    def show_loading(self, user_id: str, seconds: int = 20) -> None:
        """The typing indicator in a 1:1 chat; purely cosmetic, so failures are only logged."""
        try:
            self._api().show_loading_animation_with_http_info(
                ShowLoadingAnimationRequest(chat_id=user_id, loading_seconds=seconds),
                _request_timeout=min(self.timeout, 5.0), _preload_content=False)
        except (ApiException, HTTPError, OSError) as exc:
            log.info("loading animation not shown: %s", getattr(exc, "status", type(exc).__name__))

    def bot_name(self) -> str | None:
        """The bot's LINE display name (a trigger word in groups), fetched once and cached."""
        if self._bot_name is not None:
            return self._bot_name
        now = self._clock()
        if now - self._bot_name_checked < BOT_INFO_RETRY_SECONDS:
            return None
        self._bot_name_checked = now
        try:
            self._bot_name = self._api().get_bot_info(_request_timeout=min(self.timeout, 5.0)).display_name
        except (ApiException, HTTPError, OSError, ValueError) as exc:
            log.info("bot info unavailable (%s); answering to the default names only",
                     getattr(exc, "status", type(exc).__name__))
        return self._bot_name

