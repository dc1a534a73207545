"""`concierge serve` (gunicorn) in a child process on a loopback port, for end-to-end tests.

Not a fake: the real server, started the way an operator starts it, with the settings
given as environment variables. ``request`` speaks plain HTTP to it; ``stop`` sends
SIGTERM and returns everything the server printed.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fakes.line_harness import SECRET, TOKEN

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(port: int, proc: subprocess.Popen[bytes], timeout: float = 300) -> float:
    """Seconds until ``/healthz`` on ``port`` answers 200; exits the calling benchmark (with
    why) when the server process dies first or does not get healthy within ``timeout``."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if proc.poll() is not None:
            raise SystemExit(f"server exited early with status {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return time.monotonic() - started
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("server did not become healthy in time")


def bench_env(knowledge: str | Path, store: str | Path, data: str | Path, line_api_url: str,
              **extra: str) -> dict[str, str]:
    """The environment of a benchmark's `concierge serve`: its folders, LINE's API on the
    fake (``line_api_url``) with the test channel's secret and token, weather on a closed
    loopback port, no morning messages, nothing downloaded; ``extra`` on top."""
    return {
        **os.environ,
        "CONCIERGE_KNOWLEDGE": str(knowledge),
        "CONCIERGE_STORE": str(store),
        "CONCIERGE_DATA": str(data),
        "CONCIERGE_MORNING_TIME": "off",
        "CONCIERGE_JMA_BASE_URL": "http://127.0.0.1:9",
        "CONCIERGE_OPENMETEO_BASE_URL": "http://127.0.0.1:9",
        "LINE_CHANNEL_SECRET": SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": TOKEN,
        "LINE_API_BASE_URL": line_api_url,
        "HF_HUB_OFFLINE": "1",
        "ANONYMIZED_TELEMETRY": "False",
        **extra,
    }


def terminate(proc: subprocess.Popen[bytes], timeout: float = 40) -> None:
    """SIGTERM, then SIGKILL after ``timeout`` s (to its whole group when it leads one)."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        if os.getpgid(proc.pid) == proc.pid:
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
        proc.wait(timeout=10)


def wait_for(predicate: Callable[[], Any], timeout: float, step: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except OSError:
            pass
        time.sleep(step)
    return False


def http_request(port: int, method: str, path: str, body: bytes | None = None,
                 headers: Mapping[str, str] | None = None, timeout: float = 10) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=dict(headers or {}))
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


@dataclass
class ServeProcess:
    env: dict[str, str]
    workers: int = 1
    threads: int = 8
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None

    def start(self, wait: float = 90) -> ServeProcess:
        env = {**os.environ, "CONCIERGE_MORNING_TIME": "off", **self.env}
        args = ["--port", str(self.port), "--workers", str(self.workers), "--threads", str(self.threads)]
        code = f"from bot.serve import serve; serve.main({args!r})"
        fd, name = tempfile.mkstemp(prefix="concierge-serve-", suffix=".log")
        self.log_path = Path(name)
        log = os.fdopen(fd, "wb")  # the child writes it until stop()
        self.proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, stdout=log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        if not wait_for(lambda: self.request("GET", "/healthz")[0] in (200, 503), wait, 0.2):
            raise RuntimeError(f"concierge serve did not come up:\n{self.output()}")
        return self

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: Mapping[str, str] | None = None, timeout: float = 10) -> tuple[int, bytes]:
        return http_request(self.port, method, path, body, headers, timeout)

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path and self.log_path.exists() else ""

    def stop(self) -> str:
        if self.proc is not None:
            terminate(self.proc, 30)
        out = self.output()
        if self.log_path is not None:
            self.log_path.unlink(missing_ok=True)
        return out

    def __enter__(self) -> ServeProcess:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
