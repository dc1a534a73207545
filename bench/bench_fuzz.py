"""Fuzz run (not a test): mutated, validly signed LINE webhooks and Alexa envelopes.

Bounded and loopback only. Bodies come from ``tests/fakes/mutations.py`` (real shapes, one
thing broken each: keys dropped, wrong types, lone surrogates, deep nesting, huge strings,
truncation, bytes that are not UTF-8) and are signed *after* mutating, so they pass the
signature check and reach the code behind it.

* LINE: against `concierge serve` (gunicorn) with the fake LINE API; the server's log is
  searched for tracebacks after the delivery workers have drained.
* Alexa: against the app (`bot.app.create_app`, real engine) in this process with
  verification ON: requests signed by a local certificate chain that this process trusts
  (the verification tests' setup); every log record carrying a traceback is counted.

Targets: 0 responses 5xx, 0 tracebacks. Prints figures; ``--json`` writes them.

Usage:  .venv/bin/python bench/bench_fuzz.py [--requests 3000] [--seconds 90] [--json out.json]
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import logging
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from fakes.alexa_envelope import SKILL_ID  # noqa: E402
from fakes.line_api import FakeLineAPI  # noqa: E402
from fakes.line_harness import TOKEN, sign  # noqa: E402
from fakes.mutations import alexa_body, line_body  # noqa: E402
from fakes.serve_process import bench_env, free_port, terminate, wait_healthy  # noqa: E402

#: Bodies above this may be refused before they are read (LINE's limit is 1 MiB, Alexa's 128 KiB).
LARGE_BODY = 128 * 1024
CERT_PATH = "/echo.api/echo-api-cert-fuzz.pem"
CERT_URL = "https://s3.amazonaws.com" + CERT_PATH


def post(port: int, path: str, body: bytes, headers: dict[str, str]) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("POST", path, body=body, headers={"Content-Type": "application/json", **headers})
        resp = conn.getresponse()
        resp.read()
        return resp.status
    except (OSError, http.client.HTTPException):
        # A server that refuses a body over its limit may close while the client still sends
        # (-2, expected); any other transport failure is -1 (a problem).
        return -2 if len(body) > LARGE_BODY else -1
    finally:
        conn.close()


def hammer(n: int, seconds: float, concurrency: int, one: Callable[[int], int]) -> tuple[Counter[int], float]:
    """Call ``one(i)`` for i < n, at most ``seconds`` long; count the statuses."""
    statuses: Counter[int] = Counter()
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    started = time.monotonic()

    def task(i: int) -> None:
        if time.monotonic() > stop_at:
            return
        status = one(i)
        with lock:
            statuses[status] += 1

    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(task, range(n)))
    return statuses, time.monotonic() - started


# -- LINE against concierge serve ---------------------------------------------------------


def fuzz_line(args: argparse.Namespace, work: Path, alexa_bodies: list[bytes] | None = None) -> dict[str, Any]:
    """LINE against `concierge serve`; with ``alexa_bodies`` (an older ``--tree``, whose
    Alexa endpoint cannot be given a trusted chain from here), Alexa too, unsigned with
    verification off."""
    rng = random.Random(args.seed)
    bodies = [line_body(rng) for _ in range(args.requests)]
    port = free_port()
    tree = Path(args.tree).resolve() if args.tree else ROOT
    with FakeLineAPI(access_token=TOKEN) as api:
        env = bench_env(ROOT / "knowledge", work / "store", work / "data", api.base_url)
        if args.tree:
            env["PYTHONPATH"] = str(tree)
            env["ALEXA_VERIFY_REQUESTS"] = "false"
        code = f"from bot.serve import serve; serve.main(['--port', '{port}', '--threads', '8'])"
        log_path = work / "line-server.log"
        alexa: dict[str, Any] = {}
        with open(log_path, "wb") as log_file:
            proc = subprocess.Popen([sys.executable, "-c", code], cwd=tree, env=env, stdout=log_file,
                                    stderr=subprocess.STDOUT)
            try:
                wait_healthy(port, proc)
                statuses, took = hammer(len(bodies), args.seconds, args.concurrency,
                                        lambda i: post(port, "/line/webhook", bodies[i],
                                                       {"X-Line-Signature": sign(bodies[i])}))
                if alexa_bodies:
                    before = log_path.read_text(errors="replace").count("Traceback (most recent call last)")
                    a_statuses, a_took = hammer(len(alexa_bodies), args.seconds, args.concurrency,
                                                lambda i: post(port, "/alexa", alexa_bodies[i], {}))
                    after = log_path.read_text(errors="replace").count("Traceback (most recent call last)")
                    alexa = {"requests": sum(a_statuses.values()), "seconds": round(a_took, 1),
                             "statuses": dict(a_statuses), "5xx": sum(c for k, c in a_statuses.items() if k >= 500),
                             "transport_errors": a_statuses.get(-1, 0), "closed_on_large_body": a_statuses.get(-2, 0),
                             "tracebacks": after - before, "note": "unsigned, verification off (older tree)"}
                time.sleep(args.drain)  # let the delivery workers answer what was accepted
            finally:
                terminate(proc)
        log = log_path.read_text(errors="replace")
        replies = len(api.delivered())
    line = {"requests": sum(statuses.values()), "seconds": round(took, 1), "statuses": dict(statuses),
            "5xx": sum(c for s, c in statuses.items() if s >= 500), "transport_errors": statuses.get(-1, 0),
            "closed_on_large_body": statuses.get(-2, 0),
            "tracebacks": log.count("Traceback (most recent call last)") - alexa.get("tracebacks", 0),
            "messages_delivered": replies, "log": str(log_path)}
    return {"line": line, **({"alexa": alexa} if alexa else {})}



# -- Alexa in process, verification on ---------------------------------------------------


class TracebackCounter(logging.Handler):
    """Counts log records that carry a traceback, by logger and exception class."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.seen: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[0] is not None:
            self.seen[f"{record.name}: {record.exc_info[0].__name__}"] += 1


@contextmanager
def trusted_chain(work: Path) -> Iterator[Any]:
    """A local certificate chain for echo-api.amazon.com that this process trusts, its
    certificate served where the verifier fetches it (the verification tests' setup)."""
    from ask_sdk_webservice_support import verifier
    from oscrypto import trust_list
    from test_alexa_verification import make_chain

    chain = make_chain("Fuzz Alexa")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server API
            ok = self.path == CERT_PATH
            self.send_response(200 if ok else 404)
            self.end_headers()
            self.wfile.write(chain.pem if ok else b"")

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    host = f"http://127.0.0.1:{httpd.server_address[1]}"
    (work / "roots.pem").write_bytes(chain.root_pem)
    old_env, old_urlopen = os.environ.get("SSL_CERT_FILE"), verifier.urlopen
    os.environ["SSL_CERT_FILE"] = str(work / "roots.pem")

    def redirected(url: str, *a: Any, **kw: Any) -> Any:
        return old_urlopen(host + url[len("https://s3.amazonaws.com"):], *a, **kw)

    verifier.urlopen = redirected
    trust_list.clear_cache()
    try:
        yield chain
    finally:
        verifier.urlopen = old_urlopen
        if old_env is None:
            os.environ.pop("SSL_CERT_FILE", None)
        else:
            os.environ["SSL_CERT_FILE"] = old_env
        trust_list.clear_cache()
        httpd.shutdown()
        httpd.server_close()


def fuzz_alexa(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    from werkzeug.serving import make_server

    from bot.app import create_app
    from bot.config import Settings
    from bot.engine.engine import Engine

    settings = Settings(knowledge=ROOT / "knowledge", store=work / "alexa-store", data=work / "alexa-data",
                        alexa_skill_id=SKILL_ID, alexa_verify_requests=True, morning_time="off",
                        jma_base_url="http://127.0.0.1:9", openmeteo_base_url="http://127.0.0.1:9")
    engine = Engine.open(settings.engine_config())
    counter = TracebackCounter()
    logging.getLogger().addHandler(counter)
    rng = random.Random(args.seed + 1)
    try:
        with trusted_chain(work) as chain:
            app = create_app(settings, engine)
            server = make_server("127.0.0.1", 0, app, threaded=True)
            threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

            def one(i: int) -> int:
                body = alexa_body(random.Random(rng.random() + i), datetime.now(UTC), SKILL_ID)
                signature = chain.key.sign(body, padding.PKCS1v15(), hashes.SHA256())
                return post(server.server_port, "/alexa", body, {
                    "SignatureCertChainUrl": CERT_URL, "Signature-256": base64.b64encode(signature).decode()})

            statuses, took = hammer(args.requests, args.seconds, args.concurrency, one)
            server.shutdown()
    finally:
        logging.getLogger().removeHandler(counter)
    return {"requests": sum(statuses.values()), "seconds": round(took, 1), "statuses": dict(statuses),
            "5xx": sum(c for s, c in statuses.items() if s >= 500), "transport_errors": statuses.get(-1, 0),
            "closed_on_large_body": statuses.get(-2, 0),
            "tracebacks": sum(counter.seen.values()), "traceback_kinds": dict(counter.seen)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=3000, help="per channel")
    parser.add_argument("--seconds", type=float, default=90.0, help="time bound per channel")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--drain", type=float, default=10.0, help="seconds for LINE's workers to finish")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--only", choices=["line", "alexa"], default=None)
    parser.add_argument("--tree", default="", help="serve and import another checkout (before/after)")
    parser.add_argument("--json", dest="json_out", default="")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    work = Path(tempfile.mkdtemp(prefix="bench-fuzz-"))
    figures: dict[str, Any] = {}
    if args.tree:
        rng = random.Random(args.seed + 1)
        figures.update(fuzz_line(args, work, [alexa_body(random.Random(rng.random() + i), datetime.now(UTC), SKILL_ID)
                                              for i in range(args.requests)]))
    else:
        if args.only in (None, "line"):
            figures.update(fuzz_line(args, work))
        if args.only in (None, "alexa"):
            figures["alexa"] = fuzz_alexa(args, work)
    for channel, f in figures.items():
        print(f"{channel}: {f['requests']} mutated signed requests in {f['seconds']} s; statuses {f['statuses']}; "
              f"5xx {f['5xx']}; transport errors {f['transport_errors']}; tracebacks {f['tracebacks']}"
              + (f" {f['traceback_kinds']}" if f.get("traceback_kinds") else ""))
    if args.json_out:
        Path(args.json_out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json_out).write_text(json.dumps(figures, indent=2, ensure_ascii=False))
    ok = all(f["5xx"] == 0 and f["tracebacks"] == 0 and f["transport_errors"] == 0 for f in figures.values())
    print("result:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
