"""A fake LINE Messaging API on 127.0.0.1, speaking the real paths and JSON.

It records every request (method, path, headers, parsed JSON body) so tests can assert the
exact payloads the bot sent. Behaviour switches per endpoint:

* ``fail_reply_with_invalid_token()``: /v2/bot/message/reply answers 400
  ``{"message": "Invalid reply token"}`` (what LINE says for an expired or used token);
* ``rate_limit(path)``: that path answers 429 ``{"message": "The API rate limit has been
  exceeded. Try again later."}``.

Responses follow the reference: reply and push return ``{"sentMessages": [...]}``, the
loading animation 202 ``{}``, bot info the bot's profile. A missing or wrong bearer token
gets 401 like the real API.

Also used by bench/bench_line.py, so it has no pytest dependency.
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


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    json: Any
    at: float = field(default_factory=time.monotonic)  # when it arrived (for latency figures)


@dataclass
class FakeLineAPI:
    """Start with ``with FakeLineAPI(token) as api:``; ``api.base_url`` goes in the settings."""

    access_token: str = "test-access-token"
    bot_display_name: str = "Stay Concierge"
    requests: list[Recorded] = field(default_factory=list)
    failures: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: Any = field(default_factory=lambda: itertools.count(461230966842064897))
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
            self.failures.clear()

    def fail_reply_with_invalid_token(self) -> None:
        self.failures[REPLY] = (400, INVALID_REPLY_TOKEN)

    def rate_limit(self, path: str = REPLY) -> None:
        self.failures[path] = (429, RATE_LIMITED)

    # -- inspection -----------------------------------------------------------------------

    def calls(self, path: str) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def bodies(self, path: str) -> list[Any]:
        return [r.json for r in self.calls(path)]

    # -- serving --------------------------------------------------------------------------

    def _respond(self, method: str, path: str, headers: dict[str, str], body: Any) -> tuple[int, Any]:
        with self._lock:
            self.requests.append(Recorded(method, path, headers, body))
            failure = self.failures.get(path)
        if headers.get("authorization") != f"Bearer {self.access_token}":
            return 401, {"message": "Authentication failed. Confirm that the access token in the "
                                    "authorization header is valid."}
        if failure is not None:
            return failure
        if method == "POST" and path in (REPLY, PUSH):
            if not isinstance(body, dict) or not body.get("messages"):
                return 400, {"message": "The request body has 1 error(s)"}
            sent = [{"id": str(next(self._ids)), "quoteToken": "q" + str(i)}
                    for i, _ in enumerate(body["messages"])]
            return 200, {"sentMessages": sent}
        if method == "POST" and path == LOADING:
            return 202, {}
        if method == "GET" and path == BOT_INFO:
            return 200, {
                "userId": "Ub9952f8ee8a5b5a0f4d2d2c1a1b1c1d1",
                "basicId": "@216ru...",
                "displayName": self.bot_display_name,
                "chatMode": "bot",
                "markAsReadMode": "auto",
            }
        return 404, {"message": "Not found"}


class _Handler(BaseHTTPRequestHandler):
    fake: FakeLineAPI
    protocol_version = "HTTP/1.1"

    def _serve(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except json.JSONDecodeError:
            body = raw.decode("utf-8", "replace")
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, payload = self.fake._respond(method, self.path.split("?")[0], headers, body)
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-line-request-id", "fake-" + str(id(body)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        self._serve("POST")

    def do_GET(self) -> None:
        self._serve("GET")

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        return
