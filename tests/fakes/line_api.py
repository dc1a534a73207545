"""A fake LINE Messaging API on 127.0.0.1, speaking the real paths and JSON.

It records every request (method, path, headers, parsed JSON body, the status it answered)
so tests can assert the exact payloads the bot sent, and it keeps the platform's delivery
rules that matter for exactly-once delivery:

* a reply token works once: a second reply with it gets 400 ``{"message": "Invalid reply
  token"}`` (what LINE says for an expired or used token);
* a push whose ``X-Line-Retry-Key`` was already accepted gets 409 and is not delivered again.

Faults on demand, per path, for the next ``times`` calls (or until ``reset``):

* ``fail_reply_with_invalid_token()``: every reply answers 400 invalid token;
* ``rate_limit(path, retry_after=...)``: 429 ``{"message": "The API rate limit has been
  exceeded. Try again later."}``, with a ``Retry-After`` header when given;
* ``server_error(path)``: 500 ``{"message": "Internal server error"}``, nothing delivered;
* ``hang(path, seconds)``: the answer comes ``seconds`` late, but the message *is* delivered
  (as with a real timeout, the sender cannot know);
* ``empty_body(path)``: 200 with body ``{}`` (and the message delivered).

Responses otherwise follow the reference: reply and push return ``{"sentMessages": [...]}``,
the loading animation 202 ``{}``, bot info the bot's profile. A missing or wrong bearer token
gets 401 like the real API. :meth:`delivered` lists what reached a chat.

Also used by bench/, so it has no pytest dependency.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

REPLY = "/v2/bot/message/reply"
PUSH = "/v2/bot/message/push"
LOADING = "/v2/bot/chat/loading/start"
BOT_INFO = "/v2/bot/info"

INVALID_REPLY_TOKEN = {"message": "Invalid reply token"}
RATE_LIMITED = {"message": "The API rate limit has been exceeded. Try again later."}
SERVER_ERROR = {"message": "Internal server error"}
RETRY_KEY_ACCEPTED = {"message": "The retry key is already accepted"}


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    json: Any
    at: float = field(default_factory=time.monotonic)  # when it arrived (for latency figures)
    status: int = 0  # what the fake answered
    delivered: bool = False  # the messages reached the chat (reply or push accepted)


@dataclass
class Fault:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering
    deliver: bool = False  # the call still delivers its messages (hang, empty body)
    times: int | None = None  # None: until reset


@dataclass
class FakeLineAPI:
    """Start with ``with FakeLineAPI(token) as api:``; ``api.base_url`` goes in the settings."""

    access_token: str = "test-access-token"
    bot_display_name: str = "Stay Concierge"
    requests: list[Recorded] = field(default_factory=list)
    faults: dict[str, list[Fault]] = field(default_factory=dict)
    _used_tokens: set[str] = field(default_factory=set)
    _retry_keys: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: Any = field(default_factory=lambda: itertools.count(461230966842064897))
    listeners: list[Any] = field(default_factory=list)  # called with each delivered Recorded (benchmarks)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    # -- control --------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        assert self._server is not None, "server not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> Self:
        api = self

        class Handler(_Handler):
            fake = api

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-line-api", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.faults.clear()
            self._used_tokens.clear()
            self._retry_keys.clear()

    def inject(self, path: str, fault: Fault) -> None:
        with self._lock:
            self.faults.setdefault(path, []).append(fault)

    def clear_faults(self) -> None:
        with self._lock:
            self.faults.clear()

    def fail_reply_with_invalid_token(self) -> None:
        self.inject(REPLY, Fault(400, INVALID_REPLY_TOKEN))

    def rate_limit(self, path: str = REPLY, *, retry_after: float | None = None, times: int | None = None) -> None:
        headers = {} if retry_after is None else {"Retry-After": f"{retry_after:g}"}
        self.inject(path, Fault(429, RATE_LIMITED, headers, times=times))

    def server_error(self, path: str = REPLY, *, times: int | None = None) -> None:
        self.inject(path, Fault(500, SERVER_ERROR, times=times))

    def hang(self, path: str = REPLY, seconds: float = 15.0, *, times: int | None = None) -> None:
        self.inject(path, Fault(200, None, delay=seconds, deliver=True, times=times))

    def empty_body(self, path: str = REPLY, *, times: int | None = None) -> None:
        self.inject(path, Fault(200, {}, deliver=True, times=times))

    # -- inspection -----------------------------------------------------------------------

    def calls(self, path: str) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def bodies(self, path: str) -> list[Any]:
        return [r.json for r in self.calls(path)]

    def delivered(self, path: str | None = None) -> list[Recorded]:
        """Calls whose messages reached a chat (what a stayer saw), in order."""
        with self._lock:
            return [r for r in self.requests if r.delivered and (path is None or r.path == path)]

    # -- serving --------------------------------------------------------------------------

    def _fault(self, path: str) -> Fault | None:
        queue = self.faults.get(path)
        while queue:
            fault = queue[0]
            if fault.times is None:
                return fault
            if fault.times > 0:
                fault.times -= 1
                return fault
            queue.pop(0)
        return None

    def _respond(self, method: str, path: str, headers: dict[str, str], body: Any,
                 record: Recorded) -> tuple[int, Any, dict[str, str], float]:
        with self._lock:
            self.requests.append(record)
            fault = self._fault(path)
        if headers.get("authorization") != f"Bearer {self.access_token}":
            return 401, {"message": "Authentication failed. Confirm that the access token in the "
                                    "authorization header is valid."}, {}, 0.0
        if fault is not None and not fault.deliver:
            return fault.status, fault.body, fault.headers, fault.delay
        if method == "POST" and path in (REPLY, PUSH):
            if not isinstance(body, dict) or not body.get("messages"):
                return 400, {"message": "The request body has 1 error(s)"}, {}, 0.0
            with self._lock:
                key = headers.get("x-line-retry-key") if path == PUSH else None
                if path == REPLY:
                    token = str(body.get("replyToken"))
                    if token in self._used_tokens:
                        return 400, INVALID_REPLY_TOKEN, {}, 0.0
                    self._used_tokens.add(token)
                elif key and key in self._retry_keys:
                    return 409, {**RETRY_KEY_ACCEPTED, "sentMessages": self._retry_keys[key]}, {}, 0.0
                sent = [{"id": str(next(self._ids)), "quoteToken": "q" + str(i)}
                        for i, _ in enumerate(body["messages"])]
                if key:
                    self._retry_keys[key] = sent
                record.delivered = True
            if fault is not None:  # hang or empty body: delivered, odd answer
                return fault.status, fault.body if fault.body is not None else {"sentMessages": sent}, {}, fault.delay
            return 200, {"sentMessages": sent}, {}, 0.0
        if fault is not None:
            return fault.status, fault.body, fault.headers, fault.delay
        if method == "POST" and path == LOADING:
            return 202, {}, {}, 0.0
        if method == "GET" and path == BOT_INFO:
            return 200, {
                "userId": "Ub9952f8ee8a5b5a0f4d2d2c1a1b1c1d1",
                "basicId": "@216ru...",
                "displayName": self.bot_display_name,
                "chatMode": "bot",
                "markAsReadMode": "auto",
            }, {}, 0.0
        return 404, {"message": "Not found"}, {}, 0.0


class _Handler(BaseHTTPRequestHandler):
    fake: FakeLineAPI
    protocol_version = "HTTP/1.1"
    # headers and body go out in two writes: with Nagle on, the body waits for the client's
    # delayed ACK (40 ms on Linux), a delay the real API does not add
    disable_nagle_algorithm = True

    def _serve(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except json.JSONDecodeError:
            body = raw.decode("utf-8", "replace")
        headers = {k.lower(): v for k, v in self.headers.items()}
        path = self.path.split("?")[0]
        record = Recorded(method, path, headers, body)
        status, payload, extra, delay = self.fake._respond(method, path, headers, body, record)
        record.status = status
        if record.delivered:
            for listener in list(self.fake.listeners):
                listener(record)
        if delay:
            time.sleep(delay)
        data = json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("x-line-request-id", "fake-" + str(id(body)))
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except OSError:  # the client gave up waiting (a hang longer than its timeout)
            pass

    def do_POST(self) -> None:
        self._serve("POST")

    def do_GET(self) -> None:
        self._serve("GET")

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        return
