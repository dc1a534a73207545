"""Load on one host with embedded storage vs two hosts on PostgreSQL + a Chroma server (not a test).

Each of N concurrent clients is a LINE group: it posts a signed webhook (a question that
mentions the bot) to a host, waits until the reply (or a push) for that event reaches the
fake LINE API (tests/fakes/line_api.py), then asks the next question; for S seconds.
Clients alternate between the hosts (as a load balancer would). Reports answers/s, time
from the post to the reply at the fake API (p50/p95), and events lost (acknowledged, never
answered) or duplicated (answered twice), for:

* ``embedded``: one `concierge serve` with the defaults (SQLite state, embedded Chroma);
* ``two-hosts``: two `concierge serve` processes with their own store and data folders,
  sharing a real PostgreSQL 15 (state + published snapshot) and a real `chroma run`.

Usage:  .venv/bin/python bench/bench_two_hosts.py [--seconds 60] [--clients 20] [--mode both] [--rounds 3]
                                                  [--workers 1] [--threads 8] [--json FILE]
Target (two-hosts issue): two-hosts gives 0 lost, 0 duplicated and answers/s within 20 % of embedded.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from chromaserver import ChromaServer  # noqa: E402 - tests/ is put on the path above
from pgserver import PostgresServer, find_bindir  # noqa: E402

from fakes.line_api import PUSH, REPLY, FakeLineAPI  # noqa: E402
from fakes.line_harness import SECRET, TOKEN, body_of, group_mention, sign  # noqa: E402
from fakes.serve_process import ServeProcess  # noqa: E402

QUESTIONS = ["Wi-Fiのパスワードは？", "What is the wifi password?", "チェックアウトは何時？", "暖房の使い方は？",
             "灯油がなくなったら？", "When is check-out?", "次のバスは？", "ごみはどこに出す？",
             "How do I use the heater?", "鍵はどこ？", "明日のごみは？", "電池は何ごみ？"]


class RecordingLineAPI(FakeLineAPI):
    """The fake LINE API, also noting when each event's first answer arrived."""

    def __init__(self, access_token: str):
        super().__init__(access_token=access_token)
        self.arrivals: dict[str, list[float]] = {}
        self.cond = threading.Condition()

    def _respond(self, method: str, path: str, headers: dict[str, str], body: Any, *rest: Any) -> Any:
        result = super()._respond(method, path, headers, body, *rest)
        delivered = getattr(rest[0], "delivered", False) if rest else result[0] == 200
        if delivered and path in (REPLY, PUSH) and isinstance(body, dict):
            key = str(body.get("replyToken") if path == REPLY else body.get("to"))
            with self.cond:
                self.arrivals.setdefault(key, []).append(time.monotonic())
                self.cond.notify_all()
        return result

    def wait(self, keys: tuple[str, str], timeout: float, since: float = 0.0) -> float | None:
        """When the first answer for ``keys`` (reply token, group) arrived after ``since``."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                got = [t for k in keys for t in self.arrivals.get(k, []) if t >= since]
                if got:
                    return min(got)
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.cond.wait(left)

    def count(self, keys: tuple[str, ...]) -> int:
        with self.cond:
            return sum(len(self.arrivals.get(k, [])) for k in keys)


@dataclass
class Sent:
    token: str
    group: str
    host: int
    at: float
    acked: bool = False
    answered_at: float | None = None


@dataclass
class Run:
    name: str
    sent: list[Sent] = field(default_factory=list)
    seconds: float = 0.0
    errors: int = 0


def post(port: int, body: bytes) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("POST", "/line/webhook", body=body,
                     headers={"Content-Type": "application/json", "X-Line-Signature": sign(body)})
        resp = conn.getresponse()
        resp.read()
        return resp.status
    finally:
        conn.close()


def load(name: str, api: RecordingLineAPI, ports: list[int], clients: int, seconds: float) -> Run:
    run = Run(name)
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    pick = itertools.count()

    def client(n: int) -> None:
        group = "C" + secrets.token_hex(16)
        i = 0
        while time.monotonic() < stop_at:
            event = group_mention(QUESTIONS[(n * 7 + i) % len(QUESTIONS)], group_id=group)
            host = next(pick) % len(ports)
            s = Sent(event["replyToken"], group, host, time.monotonic())
            try:
                s.acked = post(ports[host], body_of(event)) == 200
            except OSError:
                s.acked = False
            with lock:
                run.sent.append(s)
                if not s.acked:
                    run.errors += 1
            if s.acked:  # one event in flight per group: a push to it after s.at is this event's
                s.answered_at = api.wait((s.token, group), 30, since=s.at)
            i += 1

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    run.seconds = time.monotonic() - started
    return run


def figures(run: Run, api: RecordingLineAPI, drain: float = 30.0) -> dict[str, Any]:
    acked = [s for s in run.sent if s.acked]
    deadline = time.monotonic() + drain
    while time.monotonic() < deadline and any(api.count((s.token, s.group)) == 0 for s in acked):
        time.sleep(0.2)
    delivered = {s.token: api.count((s.token,)) for s in acked}
    # pushes go to the group: a client's group has one event in flight at a time, so a push
    # is the answer of the event that has no reply
    pushes = {s.group: len(api.arrivals.get(s.group, [])) for s in acked}
    by_group: dict[str, list[Sent]] = {}
    for s in acked:
        by_group.setdefault(s.group, []).append(s)
    lost = duplicated = 0
    for group, items in by_group.items():
        unreplied = sum(1 for s in items if delivered[s.token] == 0)
        lost += max(0, unreplied - pushes[group])
        duplicated += sum(max(0, delivered[s.token] - 1) for s in items) + max(0, pushes[group] - unreplied)
    latency = [(s.answered_at - s.at) * 1000 for s in acked if s.answered_at is not None]
    answered = sum(1 for s in acked if s.answered_at is not None)
    q = statistics.quantiles(latency, n=100) if len(latency) >= 2 else [float("nan")] * 99
    return {
        "mode": run.name,
        "seconds": round(run.seconds, 1),
        "events_sent": len(run.sent),
        "acknowledged": len(acked),
        "not_acknowledged": run.errors,
        "answers": answered,
        "answers_per_s": round(answered / run.seconds, 1) if run.seconds else 0.0,
        "reply_ms_p50": round(q[49], 0),
        "reply_ms_p95": round(q[94], 0),
        "lost": lost,
        "duplicated": duplicated,
        "per_host": [sum(1 for s in acked if s.host == h) for h in sorted({s.host for s in acked})],
    }


def base_env(api: FakeLineAPI) -> dict[str, str]:
    return {"LINE_CHANNEL_SECRET": SECRET, "LINE_CHANNEL_ACCESS_TOKEN": TOKEN, "LINE_API_BASE_URL": api.base_url,
            "CONCIERGE_JMA_BASE_URL": "http://127.0.0.1:9", "CONCIERGE_OPENMETEO_BASE_URL": "http://127.0.0.1:9",
            "CONCIERGE_MORNING_TIME": "off", "CONCIERGE_LOG_LEVEL": "warning"}


def warm(api: RecordingLineAPI, ports: list[int]) -> None:
    for port in ports:
        for question in QUESTIONS[:4]:
            event = group_mention(question, group_id="C" + secrets.token_hex(16))
            assert post(port, body_of(event)) == 200
            api.wait((event["replyToken"], event["source"]["groupId"]), 60)


def run_embedded(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    with RecordingLineAPI(TOKEN) as api:
        env = {**base_env(api), "CONCIERGE_KNOWLEDGE": str(ROOT / "knowledge"),
               "CONCIERGE_STORE": str(work / "e-store"), "CONCIERGE_DATA": str(work / "e-data")}
        host = ServeProcess(env, workers=args.workers, threads=args.threads).start(wait=240)
        try:
            warm(api, [host.port])
            run = load("embedded (1 process, SQLite + embedded Chroma)", api, [host.port], args.clients,
                       args.seconds)
            return figures(run, api)
        finally:
            host.stop()


def start(stack: ExitStack, host: ServeProcess) -> ServeProcess:
    host.start(wait=240)
    stack.callback(host.stop)
    return host


def run_two_hosts(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    bindir = find_bindir()
    if bindir is None:
        raise SystemExit("PostgreSQL binaries not found (apt-get install postgresql)")
    with ExitStack() as stack:
        pg = stack.enter_context(PostgresServer(bindir))
        chroma = stack.enter_context(ChromaServer())
        api = stack.enter_context(RecordingLineAPI(TOKEN))
        common = {**base_env(api), **chroma.env(), "CONCIERGE_STATE_URL": pg.url(pg.create_database("bench"))}
        (work / "b-knowledge").mkdir(exist_ok=True)
        a = start(stack, ServeProcess({**common, "CONCIERGE_KNOWLEDGE": str(ROOT / "knowledge"),
                                              "CONCIERGE_STORE": str(work / "a-store"),
                                              "CONCIERGE_DATA": str(work / "a-data")},
                                             workers=args.workers, threads=args.threads))
        b = start(stack, ServeProcess({**common, "CONCIERGE_KNOWLEDGE": str(work / "b-knowledge"),
                                              "CONCIERGE_STORE": str(work / "b-store"),
                                              "CONCIERGE_DATA": str(work / "b-data")},
                                             workers=args.workers, threads=args.threads))
        warm(api, [a.port, b.port])
        run = load("two hosts (2 processes, PostgreSQL + chroma run)", api, [a.port, b.port], args.clients,
                   args.seconds)
        return figures(run, api)


def median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The rounds of one mode: medians of the rates and latencies, sums of the counts."""
    out = dict(runs[len(runs) // 2])
    for key in ("answers_per_s", "reply_ms_p50", "reply_ms_p95"):
        out[key] = statistics.median(r[key] for r in runs)
    for key in ("events_sent", "acknowledged", "answers", "lost", "duplicated", "not_acknowledged"):
        out[key] = sum(r[key] for r in runs)
    out["rounds"] = len(runs)
    out["answers_per_s_each"] = [r["answers_per_s"] for r in runs]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--workers", type=int, default=1, help="gunicorn workers per host")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--mode", choices=("embedded", "two-hosts", "both"), default="both")
    parser.add_argument("--rounds", type=int, default=1,
                        help="with --mode both: alternate the two modes this many times (a shared machine's "
                             "load varies; the medians are compared)")
    parser.add_argument("--json", dest="json_out", default="")
    args = parser.parse_args(argv)
    runners = {"embedded": run_embedded, "two-hosts": run_two_hosts}
    modes = ["embedded", "two-hosts"] if args.mode == "both" else [args.mode]
    rounds: dict[str, list[dict[str, Any]]] = {m: [] for m in modes}
    for r in range(args.rounds):
        for mode in (modes if r % 2 == 0 else modes[::-1]):
            work = Path(tempfile.mkdtemp(prefix="bench-two-hosts-"))
            try:
                got = runners[mode](args, work)
            finally:
                shutil.rmtree(work, ignore_errors=True)
            rounds[mode].append(got)
            print(f"round {r + 1} {mode}: {got['answers_per_s']} answers/s, p50 {got['reply_ms_p50']:.0f} ms, "
                  f"p95 {got['reply_ms_p95']:.0f} ms, lost {got['lost']}, duplicated {got['duplicated']}", flush=True)
    results = [median_of(runs) for runs in rounds.values()]
    keys = ["rounds", "events_sent", "acknowledged", "answers", "answers_per_s", "answers_per_s_each",
            "reply_ms_p50", "reply_ms_p95", "lost", "duplicated", "per_host"]
    print(f"{args.clients} concurrent signed LINE clients for {args.seconds:.0f} s, "
          f"{args.workers} worker(s) x {args.threads} threads per host")
    print(f"{'':22}" + "".join(f"{r['mode'][:34]:>36}" for r in results))
    for k in keys:
        print(f"{k:22}" + "".join(f"{r[k]!s:>36}" for r in results))
    ok = all(r["lost"] == 0 and r["duplicated"] == 0 for r in results)
    if len(results) == 2:
        ratio = results[1]["answers_per_s"] / results[0]["answers_per_s"] if results[0]["answers_per_s"] else 0
        print(f"two hosts / embedded answers per second: {ratio:.2f} (target >= 0.80)")
        ok = ok and ratio >= 0.8
    print("result:", "PASS" if ok else "FAIL")
    if args.json_out:
        Path(args.json_out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json_out).write_text(json.dumps(results, indent=1, ensure_ascii=False))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
