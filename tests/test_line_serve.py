"""`concierge serve`: the app under gunicorn answers a signed LINE webhook over loopback, and
a server killed with events still queued loses none of them."""

# Fixtures are imported from fakes.line_harness (shared without a conftest), so pytest
# parameters redefine the imported names on purpose.
# ruff: noqa: F811

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from fakes.line_api import PUSH, REPLY, FakeLineAPI
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
from fakes.serve_process import free_port


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


def serve_env(tmp_path: Path, fake_api: FakeLineAPI, real_engine: Any) -> dict[str, str]:
    return {
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


def start_serve(env: dict[str, str], port: int, output: Path | None = None) -> subprocess.Popen[bytes]:
    """`concierge serve` in its own process group (so that the test can kill master and workers)."""
    code = f"from bot.serve import serve; serve.main(['--port', '{port}', '--threads', '4'])"
    out: Any = open(output, "wb") if output else subprocess.PIPE  # noqa: SIM115 - closed with the process
    return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, stdout=out,
                            stderr=subprocess.STDOUT, start_new_session=True)


def test_serve_runs_the_app_under_gunicorn_and_answers_a_signed_webhook(
        tmp_path: Path, fake_api: FakeLineAPI, real_engine: Any) -> None:
    port = free_port()
    log_file = tmp_path / "serve.log"
    proc = start_serve(serve_env(tmp_path, fake_api, real_engine), port, log_file)
    try:
        assert wait_for(lambda: request(port, "GET", "/healthz")[0] == 200, 90), (
            "server did not come up:\n" + log_file.read_text(errors="replace")[-3000:])
        body = body_of(group_mention("Wi-Fiのパスワードは？"))
        status, text = request(port, "POST", "/line/webhook", body,
                               {"X-Line-Signature": sign(body), "Content-Type": "application/json"})
        assert (status, text) == (200, b"OK")
        assert request(port, "POST", "/line/webhook", body, {"X-Line-Signature": "bad"})[0] == 400
        assert wait_for(lambda: fake_api.calls(REPLY), 15), "no reply reached the fake LINE API"
        assert "mint-kitami-2026" in fake_api.bodies(REPLY)[0]["messages"][0]["text"]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    output = log_file.read_text(errors="replace")
    assert proc.returncode == 0, output
    assert "Booting worker" in output


def test_events_queued_in_a_killed_server_are_answered_exactly_once_by_the_restarted_one(
        tmp_path: Path, fake_api: FakeLineAPI, real_engine: Any) -> None:
    env = serve_env(tmp_path, fake_api, real_engine)
    fake_api.hang(REPLY, 0.4)  # a slow LINE: answers pile up in the queue (each reply still arrives)
    events = [group_mention(f"Wi-Fiのパスワードは？ ({i})") for i in range(40)]
    port = free_port()
    first = start_serve(env, port, tmp_path / "first.log")
    try:
        assert wait_for(lambda: request(port, "GET", "/healthz")[0] in (200, 503), 90), "server did not come up"
        for n in range(0, len(events), 4):
            body = body_of(*events[n:n + 4])
            assert request(port, "POST", "/line/webhook", body, {"X-Line-Signature": sign(body)}) == (200, b"OK")
        assert wait_for(lambda: len(fake_api.delivered()) >= 4, 30), "nothing was answered"
    finally:
        os.killpg(first.pid, signal.SIGKILL)  # master and workers, mid-delivery
        first.wait(10)
    before = len(fake_api.delivered())
    assert before < len(events), "every event was answered before the kill: the test proves nothing"
    fake_api.clear_faults()
    port = free_port()
    second = start_serve(env, port, tmp_path / "second.log")
    try:
        assert wait_for(lambda: len(fake_api.delivered()) >= len(events), 120), (
            f"{len(fake_api.delivered())} of {len(events)} answered; log:\n"
            + (tmp_path / "second.log").read_text(errors="replace")[-3000:])
        time.sleep(1.0)  # anything sent twice would arrive now
        tokens = [r.json["replyToken"] for r in fake_api.delivered(REPLY)]
        assert sorted(tokens) == sorted(e["replyToken"] for e in events)  # each exactly once
        assert fake_api.delivered(PUSH) == []
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(30)
