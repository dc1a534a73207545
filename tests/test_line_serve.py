"""`concierge serve`: the app under gunicorn answers a signed LINE webhook over loopback."""

# Fixtures are imported from fakes.line_harness (shared without a conftest), so pytest
# parameters redefine the imported names on purpose.
# ruff: noqa: F811

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from fakes.line_api import REPLY, FakeLineAPI
from fakes.line_harness import (  # noqa: F401 (fixtures)
    ROOT,
    SECRET,
    TOKEN,
    body_of,
    fake_api,
    group_mention,
    line_api_server,
    real_engine,
    sign,
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def request(port: int, method: str, path: str, body: bytes | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def wait_for(predicate: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except OSError:
            pass
        time.sleep(0.1)
    return False


def test_serve_runs_the_app_under_gunicorn_and_answers_a_signed_webhook(
        tmp_path: Path, fake_api: FakeLineAPI, real_engine: Any) -> None:
    port = free_port()
    env = {
        **os.environ,
        "CONCIERGE_KNOWLEDGE": str(real_engine.config.knowledge_dir),
        "CONCIERGE_STORE": str(real_engine.config.store_dir),  # fresh: no ingest needed
        "CONCIERGE_DATA": str(tmp_path / "data"),
        "CONCIERGE_MORNING_TIME": "off",
        "CONCIERGE_JMA_BASE_URL": "http://127.0.0.1:9",
        "CONCIERGE_OPENMETEO_BASE_URL": "http://127.0.0.1:9",
        "LINE_CHANNEL_SECRET": SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": TOKEN,
        "LINE_API_BASE_URL": fake_api.base_url,
    }
    code = f"from bot.serve import serve; serve.main(['--port', '{port}', '--threads', '4'])"
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert wait_for(lambda: request(port, "GET", "/healthz")[0] == 200, 60), "server did not come up"
        body = body_of(group_mention("Wi-Fiのパスワードは？"))
        status, text = request(port, "POST", "/line/webhook", body,
                               {"X-Line-Signature": sign(body), "Content-Type": "application/json"})
        assert (status, text) == (200, b"OK")
        assert request(port, "POST", "/line/webhook", body, {"X-Line-Signature": "bad"})[0] == 400
        assert wait_for(lambda: fake_api.calls(REPLY), 15), "no reply reached the fake LINE API"
        assert "mint-kitami-2026" in fake_api.bodies(REPLY)[0]["messages"][0]["text"]
    finally:
        proc.send_signal(signal.SIGTERM)
        output = proc.communicate(timeout=30)[0].decode(errors="replace")
    assert proc.returncode == 0, output
    assert "Booting worker" in output
