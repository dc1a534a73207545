"""Load test of the LINE webhook (not a test): signed requests against `concierge serve`.

Starts the fake LINE API (tests/fakes/line_api.py) and the real app under gunicorn on
127.0.0.1, then posts N signed webhook requests at concurrency C, built from LINE's payload
shapes: group messages mentioning the bot (questions the real engine answers), group
chatter the bot must ignore, and 1:1 questions. Reports:

* acknowledgement latency (request sent -> "OK" received): p50/p95/p99/max, the target
  being p95 <= 100 ms with 0 errors;
* answer latency (request sent -> reply received by the fake LINE API) for the questions,
  which the bot computes after acknowledging.

Usage:  .venv/bin/python bench/bench_line.py [--requests 500] [--concurrency 20]
Exit status 1 when there were errors or the p95 target was missed.
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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from fakes.line_api import PUSH, REPLY, FakeLineAPI  # noqa: E402 - tests/fakes is put on the path above
from fakes.line_harness import (  # noqa: E402
    TOKEN,
    body_of,
    direct_text,
    group_mention,
    group_text,
    sign,
)
from fakes.serve_process import bench_env, free_port, terminate, wait_healthy  # noqa: E402

QUESTIONS = [
    "Wi-Fiのパスワードは？", "What is the wifi password?", "チェックアウトは何時？", "暖房の使い方は？",
    "灯油がなくなったら？", "When is check-out?", "次のバスは？", "ごみはどこに出す？",
    "How do I use the heater?", "鍵はどこ？",
]
CHATTER = ["明日は何時に出る？", "了解です！", "夕飯どうする？", "写真ありがとう", "今日は寒いね"]


@dataclass
class Shot:
    kind: str  # "mention", "direct" or "chatter"
    body: bytes
    reply_token: str | None
    sent_at: float = 0.0
    ack_ms: float = 0.0
    status: int = 0
    error: str = ""


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def build_shots(n: int, addressed_share: float, seed: int) -> list[Shot]:
    rng = random.Random(seed)
    shots: list[Shot] = []
    for i in range(n):
        roll = rng.random()
        group = f"Cbench{i % 25:027d}"  # 25 groups
        if roll < addressed_share * 0.7:
            event = group_mention(rng.choice(QUESTIONS), group_id=group)
            kind = "mention"
        elif roll < addressed_share:
            event = direct_text(rng.choice(QUESTIONS))
            kind = "direct"
        else:
            event = group_text(rng.choice(CHATTER), group_id=group)
            kind = "chatter"
        shots.append(Shot(kind, body_of(event), event.get("replyToken") if kind != "chatter" else None))
    return shots


class Poster(threading.local):
    """One keep-alive connection per client thread, like a real load balancer would hold."""

    def __init__(self, port: int):
        self.port = port
        self.conn: http.client.HTTPConnection | None = None

    def post(self, shot: Shot) -> None:
        headers = {"Content-Type": "application/json; charset=utf-8", "X-Line-Signature": sign(shot.body)}
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            shot.sent_at = time.monotonic()
            try:
                self.conn.request("POST", "/line/webhook", body=shot.body, headers=headers)
                resp = self.conn.getresponse()
                text = resp.read()
                shot.ack_ms = (time.monotonic() - shot.sent_at) * 1000
                shot.status = resp.status
                if resp.status != 200 or text != b"OK":
                    shot.error = f"HTTP {resp.status}: {text[:80]!r}"
                if resp.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                return
            except (OSError, http.client.HTTPException) as exc:
                self.conn.close()
                self.conn = None
                if attempt == 2:  # a dropped keep-alive is retried once on a fresh connection
                    shot.error = f"{type(exc).__name__}: {exc}"



def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--workers", type=int, default=1, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=8, help="gunicorn threads per worker")
    parser.add_argument("--addressed-share", type=float, default=0.5,
                        help="share of requests that are questions for the bot (the rest is chatter)")
    parser.add_argument("--knowledge", default=str(ROOT / "knowledge"))
    parser.add_argument("--store", default="", help="index folder (default: a fresh temporary one)")
    parser.add_argument("--target-p95-ms", type=float, default=100.0)
    parser.add_argument("--rate", type=float, default=0.0,
                        help="requests per second (0: as fast as the clients go); a paced run "
                             "measures acknowledgements while answers are being computed")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--json", dest="json_out", default="", help="also write the figures here")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="bench-line-"))
    port = free_port()
    with FakeLineAPI(access_token=TOKEN) as api:
        env = bench_env(args.knowledge, args.store or work / "store", work / "data", api.base_url)
        code = (f"from bot.serve import serve; serve.main(['--port', '{port}', "
                f"'--workers', '{args.workers}', '--threads', '{args.threads}'])")
        log_path = work / "server.log"
        with open(log_path, "wb") as log_file:
            proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env,
                                    stdout=log_file, stderr=subprocess.STDOUT)
            try:
                t0 = time.monotonic()
                wait_healthy(port, proc, 180)
                startup = time.monotonic() - t0
                shots = build_shots(args.requests, args.addressed_share, args.seed)
                # warm-up outside the measurement: first request per worker, bot-info lookup
                Poster(port).post(build_shots(1, 1.0, 999)[0])
                time.sleep(1.0)
                api.reset()
                poster = Poster(port)
                started = time.monotonic()

                def fire(indexed: tuple[int, Shot]) -> None:
                    if args.rate > 0:  # paced: request i leaves at i / rate
                        time.sleep(max(0.0, started + indexed[0] / args.rate - time.monotonic()))
                    poster.post(indexed[1])

                with ThreadPoolExecutor(args.concurrency) as pool:
                    list(pool.map(fire, enumerate(shots)))
                wall = time.monotonic() - started
                expected = [s for s in shots if s.reply_token]
                drain_deadline = time.monotonic() + 120
                while time.monotonic() < drain_deadline:
                    if len(api.calls(REPLY)) + len(api.calls(PUSH)) >= len(expected):
                        break
                    time.sleep(0.1)
                drained = time.monotonic() - started
            finally:
                terminate(proc)

    if not args.store:  # keep only the server log
        shutil.rmtree(work / "store", ignore_errors=True)
    shutil.rmtree(work / "data", ignore_errors=True)
    acks = [s.ack_ms for s in shots if not s.error]
    errors = [s for s in shots if s.error]
    tokens = {s.reply_token for s in expected}
    replies = {r.json.get("replyToken"): r.at for r in api.calls(REPLY)
               if isinstance(r.json, dict) and r.json.get("replyToken") in tokens}
    answer_ms = [(replies[s.reply_token] - s.sent_at) * 1000 for s in expected if s.reply_token in replies]
    kinds = {k: sum(1 for s in shots if s.kind == k) for k in ("mention", "direct", "chatter")}
    figures: dict[str, Any] = {
        "requests": len(shots),
        "concurrency": args.concurrency,
        "gunicorn": f"{args.workers} worker(s) x {args.threads} threads (gthread)",
        "mix": kinds,
        "errors": len(errors),
        "ack_ms": {"p50": percentile(acks, 50), "p95": percentile(acks, 95), "p99": percentile(acks, 99),
                   "max": max(acks) if acks else float("nan"), "mean": statistics.fmean(acks) if acks else 0},
        "throughput_rps": len(shots) / wall if wall else 0.0,
        "answers_expected": len(expected),
        "replies_received": len(replies),
        "pushes_received": len(api.calls(PUSH)),
        "answer_ms": {"p50": percentile(answer_ms, 50), "p95": percentile(answer_ms, 95),
                      "max": max(answer_ms) if answer_ms else float("nan")},
        "all_answered_after_s": drained,
        "server_startup_s": startup,
        "server_log": str(log_path),
    }
    pace = f", paced at {args.rate:g}/s" if args.rate > 0 else ""
    print(f"LINE webhook load test: {figures['requests']} signed requests, concurrency {args.concurrency}"
          f"{pace}, {figures['gunicorn']}")
    print(f"  mix: {kinds['mention']} group mentions, {kinds['direct']} 1:1 questions, "
          f"{kinds['chatter']} group chatter (ignored)")
    print(f"  errors: {len(errors)}")
    for shot in errors[:5]:
        print(f"    {shot.kind}: {shot.error}")
    a = figures["ack_ms"]
    print(f"  acknowledgement latency ms: p50 {a['p50']:.1f}  p95 {a['p95']:.1f}  p99 {a['p99']:.1f}  "
          f"max {a['max']:.1f}  (target p95 <= {args.target_p95_ms:.0f})")
    print(f"  throughput: {figures['throughput_rps']:.0f} requests/s")
    b = figures["answer_ms"]
    print(f"  answers: {len(replies)}/{len(expected)} replied, {figures['pushes_received']} pushed; "
          f"answer latency ms p50 {b['p50']:.0f}  p95 {b['p95']:.0f}  max {b['max']:.0f}; "
          f"all answered {drained:.1f} s after the first request")
    print(f"  server start-up (incl. ingest check): {startup:.1f} s; log: {log_path}")
    if args.json_out:
        Path(args.json_out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json_out).write_text(json.dumps(figures, indent=2, ensure_ascii=False))
    ok = not errors and a["p95"] <= args.target_p95_ms
    print("  result:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
