"""Delivery load benchmark (not a test): N concurrent clients mixing signed LINE webhooks and
Alexa requests for D seconds against `concierge serve`, with LINE's API replaced by the fake
(tests/fakes/line_api.py).

Loopback only and bounded. Each client is a group member asking the bot a question (a
signed webhook with a group mention, built from LINE's payload shapes), waiting until the
answer reaches the fake LINE API, then asking the next one. Reports:

* answers/s over the run;
* time until the reply reaches the fake API (webhook sent -> reply received): p50, p95, max;
* webhook acknowledgement latency (p50, p95) and non-200 acknowledgements;
* error replies (the "can't answer right now" / "cannot look this up" phrases);
* lost (acknowledged, never delivered by the end of a drain period) and duplicated
  (a reply token delivered twice, or any push: with a healthy API every answer is a reply);
* for the ``--alexa-clients`` (part of ``--clients``): responses, their time p50/p95 and
  error responses (not 200, or the error phrase). Amazon's signature cannot be produced
  here, so the server runs with ``ALEXA_VERIFY_REQUESTS=false`` (the skill id check stays).

Answers/s counts both channels: the issue's load target is on the mix.

Options: ``--postgres`` runs the state database on a throwaway PostgreSQL 15 (as the tests
do) instead of the embedded SQLite; ``--workers`` gunicorn processes; ``--tree DIR`` serves
another checkout (e.g. ``git archive`` of an older commit) for a before/after comparison.

Usage:  .venv/bin/python bench/bench_delivery.py [--clients 20] [--alexa-clients 6] [--seconds 60] [--json out.json]
Exit status 1 when anything was lost, duplicated or answered with an error.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

import skills.alexa.speech  # noqa: E402, F401 - registers alexa.error
from bot.serve import DEFAULT_THREADS  # noqa: E402
from fakes.alexa_envelope import encode, envelope  # noqa: E402
from fakes.line_api import PUSH, FakeLineAPI, Recorded  # noqa: E402
from fakes.line_harness import TOKEN, body_of, group_mention, sign  # noqa: E402
from fakes.serve_process import bench_env, free_port, terminate, wait_healthy  # noqa: E402
from text.phrases import phrase  # noqa: E402

QUESTIONS = [
    "Wi-Fiのパスワードは？", "What is the wifi password?", "チェックアウトは何時？", "暖房の使い方は？",
    "灯油がなくなったら？", "When is check-out?", "次のバスは？", "ごみはどこに出す？",
    "How do I use the heater?", "鍵はどこ？", "明日のごみは？", "電池は何ごみ？",
]
ERROR_PHRASES = ("error", "engine.unavailable", "alexa.error")
#: ``--stand-in``: the LINE blueprint alone, under the same embedded gunicorn as ``concierge serve``.
STAND_IN_SERVER = """
import sys
sys.path.insert(0, {tests!r})
from bot.config import Settings
from bot.serve import EmbeddedGunicorn, gunicorn_options

def load():
    from fakes.line_harness import StandInEngine, line_only_app
    app = line_only_app(StandInEngine(), Settings.from_env())
    app.add_url_rule('/healthz', 'healthz', lambda: 'ok')
    return app

EmbeddedGunicorn(load, gunicorn_options('127.0.0.1', {port}, {workers}, {threads}, False)).run()
"""


@dataclass
class Sent:
    token: str
    sent_at: float
    question: str = ""
    ack_ms: float = 0.0
    status: int = 0
    replies: list[Recorded] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)


@dataclass
class AlexaCall:
    status: int
    ms: float
    ended: float
    speech: str = ""


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))]


def error_texts() -> set[str]:
    out: set[str] = set()
    for key in ERROR_PHRASES:
        for lang in ("ja", "en", "zh", "ko"):
            try:
                out.add(phrase(key, lang, who="").split("{")[0][:20])
            except (KeyError, ValueError):
                continue
    from bot.line import texts

    for lang in ("ja", "en"):
        out.add(texts.say("error", lang)[:20])
    return {t for t in out if t}



def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--alexa-clients", type=int, default=6, help="how many of --clients ask through /alexa")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=DEFAULT_THREADS, help="as `concierge serve`")
    parser.add_argument("--answer-timeout", type=float, default=30.0, help="a client waits this long per answer")
    parser.add_argument("--drain", type=float, default=60.0, help="seconds to wait for late answers at the end")
    parser.add_argument("--knowledge", default=str(ROOT / "knowledge"))
    parser.add_argument("--store", default="", help="index folder (default: a fresh temporary one)")
    parser.add_argument("--postgres", action="store_true", help="state database on a throwaway PostgreSQL")
    parser.add_argument("--stand-in", action="store_true",
                        help="answer with the tests' instant stand-in engine: measures the webhook, queue and "
                             "delivery path alone")
    parser.add_argument("--tree", default="", help="serve another checkout of the project (a before/after run)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", dest="json_out", default="")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="bench-delivery-"))
    port = free_port()
    sent: dict[str, Sent] = {}
    lock = threading.Lock()
    pushes: list[Recorded] = []

    def on_delivered(record: Recorded) -> None:
        body = record.json if isinstance(record.json, dict) else {}
        if record.path == PUSH:
            with lock:
                pushes.append(record)
            return
        with lock:
            item = sent.get(str(body.get("replyToken")))
        if item is not None:
            item.replies.append(record)
            item.done.set()

    pg = None
    if args.postgres:
        from pgserver import PostgresServer, find_bindir

        bindir = find_bindir()
        if bindir is None:
            raise SystemExit("--postgres: no PostgreSQL binaries found")
        pg = PostgresServer(bindir).start()
    try:
        with FakeLineAPI(access_token=TOKEN) as api:
            api.listeners.append(on_delivered)
            env = bench_env(args.knowledge, args.store or work / "store", work / "data", api.base_url,
                            ALEXA_VERIFY_REQUESTS="false")
            if pg is not None:
                env["CONCIERGE_STATE_URL"] = pg.url(pg.create_database("bench"))
            tree = Path(args.tree).resolve() if args.tree else ROOT
            if args.tree:
                env["PYTHONPATH"] = str(tree)
            code = (f"from bot.serve import serve; serve.main(['--port', '{port}', "
                    f"'--workers', '{args.workers}', '--threads', '{args.threads}'])")
            if args.stand_in:
                code = STAND_IN_SERVER.format(tests=str(ROOT / "tests"), port=port, workers=args.workers,
                                              threads=args.threads)
            log_path = work / "server.log"
            with open(log_path, "wb") as log_file:
                proc = subprocess.Popen([sys.executable, "-c", code], cwd=tree, env=env, stdout=log_file,
                                        stderr=subprocess.STDOUT)
                try:
                    startup = wait_healthy(port, proc, 300)
                    figures = run(args, port, sent, lock)
                    # late answers still count: wait, then look
                    deadline = time.monotonic() + args.drain
                    while time.monotonic() < deadline and not all(s.done.is_set() for s in sent.values()
                                                                   if s.status == 200):
                        time.sleep(0.2)
                    time.sleep(1.0)  # a duplicate would arrive now
                finally:
                    terminate(proc)
    finally:
        if pg is not None:
            pg.close()

    acked = [s for s in sent.values() if s.status == 200]
    lost = [s for s in acked if not s.replies]
    duplicated = sum(len(s.replies) - 1 for s in acked if len(s.replies) > 1) + len(pushes)
    errors = error_texts()
    error_replies = sum(1 for s in acked for r in s.replies
                        if any(str(m.get("text", "")).startswith(tuple(errors)) for m in r.json.get("messages", [])))
    latency = [(s.replies[0].at - s.sent_at) * 1000 for s in acked if s.replies]
    acks = [s.ack_ms for s in sent.values() if s.status]
    alexa: list[AlexaCall] = figures.pop("alexa")
    alexa_ms = [c.ms for c in alexa if c.status == 200]
    alexa_errors = sum(1 for c in alexa if c.status != 200 or c.speech.startswith(tuple(errors)))
    alexa_in_run = sum(1 for c in alexa if c.status == 200 and c.ended <= figures["ended_at"])
    figures.update({
        "state": "postgresql" if args.postgres else "sqlite",
        "gunicorn": f"{args.workers} worker(s) x {args.threads} threads",
        "acknowledged": len(acked),
        "not_acknowledged": len(sent) - len(acked),
        "answers_per_s": (sum(1 for s in acked if s.replies and s.replies[0].at <= figures["ended_at"])
                          + alexa_in_run) / figures["wall_s"],
        "line_clients": args.clients - args.alexa_clients,
        "alexa_clients": args.alexa_clients,
        "alexa": {"responses": len(alexa_ms), "p50_ms": percentile(alexa_ms, 50),
                  "p95_ms": percentile(alexa_ms, 95), "error_responses": alexa_errors},
        "reply_ms": {"p50": percentile(latency, 50), "p95": percentile(latency, 95),
                     "max": max(latency) if latency else float("nan")},
        "ack_ms": {"p50": percentile(acks, 50), "p95": percentile(acks, 95),
                   "mean": statistics.fmean(acks) if acks else 0.0},
        "error_replies": error_replies,
        "lost": len(lost),
        "duplicated": duplicated,
        "server_startup_s": round(startup, 1),
        "server_log": str(log_path),
    })
    figures.pop("ended_at")
    r, a = figures["reply_ms"], figures["ack_ms"]
    engine = "stand-in engine (delivery path only)" if args.stand_in else "real engine"
    figures["engine"] = engine
    print(f"Delivery benchmark: {args.clients} clients ({args.alexa_clients} Alexa) x {args.seconds:.0f} s, "
          f"{figures['gunicorn']}, state on {figures['state']}, {engine}")
    print(f"  LINE events: {len(sent)} sent, {len(acked)} acknowledged, {figures['not_acknowledged']} not")
    print(f"  answers/s (LINE + Alexa): {figures['answers_per_s']:.1f}")
    print(f"  time until the reply reached LINE, ms: p50 {r['p50']:.0f}  p95 {r['p95']:.0f}  max {r['max']:.0f}")
    print(f"  webhook acknowledgement, ms: p50 {a['p50']:.1f}  p95 {a['p95']:.1f}")
    print(f"  error replies: {error_replies}   lost: {len(lost)}   duplicated: {duplicated}")
    al = figures["alexa"]
    print(f"  Alexa: {al['responses']} responses, ms p50 {al['p50_ms']:.0f}  p95 {al['p95_ms']:.0f}, "
          f"error responses {alexa_errors}")
    print(f"  server start-up {startup:.1f} s; log: {log_path}")
    if args.json_out:
        Path(args.json_out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json_out).write_text(json.dumps(figures, indent=2, ensure_ascii=False))
    if not args.store:
        shutil.rmtree(work / "store", ignore_errors=True)
    shutil.rmtree(work / "data", ignore_errors=True)
    ok = not lost and not duplicated and not error_replies and not alexa_errors and not figures["not_acknowledged"]
    print("  result:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


def run(args: argparse.Namespace, port: int, sent: dict[str, Sent], lock: threading.Lock) -> dict[str, Any]:
    """The closed loop: each client asks, waits for its answer (or the timeout), asks again."""
    stop_at = time.monotonic() + args.seconds
    started = time.monotonic()

    def client(n: int) -> None:
        rng = random.Random(args.seed * 1000 + n)
        group = f"Cbench{n:027d}"
        conn: http.client.HTTPConnection | None = None
        while time.monotonic() < stop_at:
            event = group_mention(rng.choice(QUESTIONS), group_id=group)
            body = body_of(event)
            item = Sent(event["replyToken"], time.monotonic(), event["message"]["text"])
            with lock:
                sent[item.token] = item
            for _attempt in (1, 2):  # a keep-alive the server closed meanwhile is retried once, like LINE would
                try:
                    if conn is None:
                        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                    conn.request("POST", "/line/webhook", body=body,
                                 headers={"Content-Type": "application/json", "X-Line-Signature": sign(body)})
                    resp = conn.getresponse()
                    resp.read()
                    item.status, item.ack_ms = resp.status, (time.monotonic() - item.sent_at) * 1000
                    break
                except (OSError, http.client.HTTPException):
                    if conn is not None:
                        conn.close()
                    conn = None
            if item.status == 200:
                item.done.wait(args.answer_timeout)

    alexa: list[AlexaCall] = []

    def alexa_client(n: int) -> None:
        rng = random.Random(args.seed * 7000 + n)
        while time.monotonic() < stop_at:
            question = rng.choice(QUESTIONS)
            body = encode(envelope("AskQuestionIntent", slots={"query": question},
                                   locale="en-US" if question.isascii() else "ja-JP",
                                   device_id=f"amzn1.ask.device.BENCH{n}"))
            t0 = time.monotonic()
            call = AlexaCall(0, 0.0, 0.0)
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=args.answer_timeout)
                conn.request("POST", "/alexa", body=body, headers={"Content-Type": "application/json"})
                resp = conn.getresponse()
                raw = resp.read()
                conn.close()
                call.status = resp.status
                if resp.status == 200:
                    call.speech = str(json.loads(raw).get("response", {}).get("outputSpeech", {}).get("ssml", ""))
                    call.speech = call.speech.removeprefix("<speak>")
            except (OSError, http.client.HTTPException, ValueError):
                call.status = -1
            call.ended = time.monotonic()
            call.ms = (call.ended - t0) * 1000
            with lock:
                alexa.append(call)

    n_line = max(0, args.clients - args.alexa_clients)
    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(n_line)]
    threads += [threading.Thread(target=alexa_client, args=(n,), daemon=True) for n in range(args.clients - n_line)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(args.seconds + args.answer_timeout + 15)
    ended = time.monotonic()
    return {"clients": args.clients, "wall_s": ended - started, "ended_at": ended, "alexa": alexa}


if __name__ == "__main__":
    raise SystemExit(main())
