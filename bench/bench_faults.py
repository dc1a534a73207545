"""Fault benchmark (not a test): load through faults, then count what was lost.

Bounded and loopback only. `concierge serve` (2 gunicorn workers) answers from a real
`chroma run` server; LINE's API is the fake (tests/fakes/line_api.py). Closed-loop clients
keep asking answerable questions the whole time: LINE group members (a signed webhook
each, waiting until the answer reaches the fake API) and Alexa speakers (AskQuestionIntent).
Phases, in order, each ``--phase-seconds`` long:

  baseline        nothing wrong (decides which questions are answerable)
  line-500        the LINE API answers 500 to replies and pushes
  line-429        the LINE API answers 429 with Retry-After: 1
  line-hang       the LINE API answers 15 s late (the message is delivered)
  worker-kill     one gunicorn worker is SIGKILLed (gunicorn starts another)
  chroma-restart  the Chroma server is stopped for ``--chroma-down`` seconds, then started
  publishes       10 publishes (an ingest that changes one file) spread over the phase

Then the clients stop and late answers have ``--drain`` seconds to arrive. Reported, per
phase and in total: LINE events sent / acknowledged / lost (acknowledged, never answered) /
duplicated (answered twice); answers "I don't know" to a question answered at baseline
(a fault turned into a wrong answer); honest "cannot look this up right now" answers;
error replies; Alexa requests, 5xx and dropped connections. Targets: 0 lost, 0 duplicated,
0 "I don't know" caused by a fault.

Usage:  .venv/bin/python bench/bench_faults.py [--phase-seconds 20] [--line-clients 8]
        [--alexa-clients 4] [--json out.json]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from chromaserver import ChromaServer  # noqa: E402

import bot.engine.outage  # noqa: E402, F401 - registers engine.unavailable
import bot.line.texts  # noqa: E402, F401 - registers line.error
import skills.alexa.speech  # noqa: E402, F401 - registers alexa.error
from bot.serve import DEFAULT_THREADS  # noqa: E402
from fakes.alexa_envelope import encode, envelope  # noqa: E402
from fakes.line_api import PUSH, REPLY, FakeLineAPI, Recorded  # noqa: E402
from fakes.line_harness import TOKEN, body_of, group_mention, sign  # noqa: E402
from fakes.serve_process import bench_env, free_port, terminate, wait_healthy  # noqa: E402
from text.phrases import phrase  # noqa: E402

PHASES = ("baseline", "line-500", "line-429", "line-hang", "worker-kill", "chroma-restart", "publishes")
QUESTIONS = [
    "Wi-Fiのパスワードは？", "What is the wifi password?", "チェックアウトは何時？", "暖房の使い方は？",
    "灯油がなくなったら？", "When is check-out?", "How do I use the heater?", "鍵はどこ？",
    "明日のごみは？", "電池は何ごみ？", "次のバスは？", "ストーブの使い方を教えて",
]
LANGS = ("ja", "en", "zh", "ko")
#: The clients' group ids start so; pushes elsewhere (a staff group's escalations) are not answers.
GROUP_PREFIX = "Cbench"


def texts_of(key: str, **values: str) -> tuple[str, ...]:
    marker = "\x00"
    return tuple(phrase(key, lang, **{k: marker for k in values}).split(marker)[0][:24] for lang in LANGS)


IDK = texts_of("abstain")
UNAVAILABLE = texts_of("engine.unavailable", who="")


def classify(text: str) -> str:
    if any(t and t in text for t in UNAVAILABLE):
        return "unavailable"
    if any(t and t in text for t in IDK):
        return "idk"
    if any(t and t in text for t in ERROR_TEXTS):
        return "error"
    return "answer"


def _error_texts() -> tuple[str, ...]:
    out = []
    for key in ("line.error", "alexa.error"):
        for lang in LANGS:
            try:
                out.append(phrase(key, lang)[:24])
            except KeyError:
                pass
    return tuple(out)


ERROR_TEXTS = _error_texts()


@dataclass
class Event:
    token: str
    group: str
    question: str
    phase: str
    sent_at: float
    status: int = 0
    answers: list[str] = field(default_factory=list)
    via: list[str] = field(default_factory=list)  # "reply"/"push" and when (s after sending)
    done: threading.Event = field(default_factory=threading.Event)


@dataclass
class Bench:
    args: argparse.Namespace
    port: int = 0
    phase: str = "starting"
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    events: dict[str, Event] = field(default_factory=dict)
    by_group: dict[str, list[Event]] = field(default_factory=lambda: defaultdict(list))
    extra_pushes: Counter[str] = field(default_factory=Counter)
    alexa: Counter[tuple[str, str]] = field(default_factory=Counter)
    alexa_answers: list[tuple[str, str, str]] = field(default_factory=list)  # phase, question, kind
    alexa_idk: list[tuple[str, str, str]] = field(default_factory=list)  # phase, question, card
    phase_log: list[tuple[str, float]] = field(default_factory=list)

    # -- the fake LINE API's deliveries ---------------------------------------------------
    def delivered(self, record: Recorded) -> None:
        body = record.json if isinstance(record.json, dict) else {}
        text = " ".join(str(m.get("text", "")) for m in body.get("messages", []) if isinstance(m, dict))
        with self.lock:
            if record.path == REPLY:
                event = self.events.get(str(body.get("replyToken")))
            elif record.path == PUSH:
                to = str(body.get("to"))
                owners = self.by_group.get(to, [])
                event = owners[0] if owners else None
                if event is None:
                    if to.startswith(GROUP_PREFIX):
                        self.extra_pushes[to] += 1
                    return
            else:
                return
            if event is not None:
                event.answers.append(text)
                event.via.append(f"{record.path.rsplit('/', 1)[-1]}@{record.at - event.sent_at:.1f}s")
                event.done.set()

    # -- clients ----------------------------------------------------------------------------
    def line_client(self, n: int) -> None:
        rng = random.Random(self.args.seed * 100 + n)
        seq = 0
        while not self.stop.is_set():
            # A group per event: a push names only its chat, so this tells exactly which
            # event an answer belongs to (a reply carries its token anyway).
            seq += 1
            group = f"{GROUP_PREFIX}{n:03d}{seq:026d}"
            question = rng.choice(QUESTIONS)
            event_json = group_mention(question, group_id=group)
            body = body_of(event_json)
            event = Event(event_json["replyToken"], group, question, self.phase, time.monotonic())
            with self.lock:
                self.events[event.token] = event
                self.by_group[group].append(event)
            for _ in range(3):  # LINE redelivers a webhook that got no 200
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                    conn.request("POST", "/line/webhook", body=body,
                                 headers={"Content-Type": "application/json", "X-Line-Signature": sign(body)})
                    resp = conn.getresponse()
                    resp.read()
                    conn.close()
                    event.status = resp.status
                    if resp.status == 200:
                        break
                except (OSError, http.client.HTTPException):
                    event.status = -1
                time.sleep(0.5)
            if event.status == 200:  # wait a little for the answer, but keep asking during faults
                event.done.wait(self.args.line_wait)

    def alexa_client(self, n: int) -> None:
        rng = random.Random(self.args.seed * 1000 + n)
        while not self.stop.is_set():
            question = rng.choice(QUESTIONS)
            phase = self.phase
            body = encode(envelope("AskQuestionIntent", slots={"query": question},
                                   locale="en-US" if question.isascii() else "ja-JP",
                                   device_id=f"amzn1.ask.device.FAULT{n}"))
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                conn.request("POST", "/alexa", body=body, headers={"Content-Type": "application/json"})
                resp = conn.getresponse()
                raw = resp.read()
                conn.close()
            except (OSError, http.client.HTTPException):
                with self.lock:
                    self.alexa[(phase, "dropped")] += 1
                time.sleep(0.2)
                continue
            with self.lock:
                self.alexa[(phase, str(resp.status // 100) + "xx")] += 1
            if resp.status == 200:
                response = json.loads(raw).get("response", {})
                card = response.get("card", {}).get("content", "") + " " + \
                    str(response.get("outputSpeech", {}).get("ssml", ""))
                with self.lock:
                    self.alexa_answers.append((phase, question, classify(card)))
                    if classify(card) == "idk":
                        self.alexa_idk.append((phase, question, card[:120]))
            time.sleep(0.05)


def gunicorn_workers(master: int) -> list[int]:
    try:
        text = Path(f"/proc/{master}/task/{master}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def publish_loop(bench: Bench, settings: Any, embeddings: Any, count: int, seconds: float,
                 tree: Path | None, env: dict[str, str]) -> list[float]:
    """``count`` publishes spread over ``seconds``: each changes one file and ingests (in
    this process, as `concierge ingest` does; with ``--tree``, that checkout's command)."""
    notes = Path(settings.knowledge) / "houses" / "hakka-house" / "bench-notes.md"
    took: list[float] = []
    for i in range(count):
        started = time.monotonic()
        notes.write_text(f"# Bench notes\n\n## Publish {i}\n\nThis page was changed by publish {i}.\n",
                         encoding="utf-8")
        if tree is None:
            from bot.engine.engine import run_ingest

            ok = run_ingest(settings.engine_config(), embeddings).ok
        else:
            ok = subprocess.run([sys.executable, "-m", "bot", "ingest"], cwd=tree, env=env,
                                capture_output=True).returncode == 0
        took.append(time.monotonic() - started)
        if not ok:
            print(f"  publish {i} failed", file=sys.stderr)
        time.sleep(max(0.0, seconds / count - (time.monotonic() - started)))
    return took


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--phase-seconds", type=float, default=20.0)
    parser.add_argument("--line-clients", type=int, default=8)
    parser.add_argument("--alexa-clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=DEFAULT_THREADS, help="as `concierge serve`")
    parser.add_argument("--chroma-down", type=float, default=8.0)
    parser.add_argument("--publishes", type=int, default=10)
    parser.add_argument("--line-wait", type=float, default=3.0,
                        help="a LINE client waits this long for its answer before asking again")
    parser.add_argument("--drain", type=float, default=120.0)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--phases", default=",".join(PHASES))
    parser.add_argument("--tree", default="", help="serve another checkout (e.g. `git archive` of an older "
                        "commit) for a before/after comparison")
    parser.add_argument("--json", dest="json_out", default="")
    args = parser.parse_args(argv)
    phases = [p for p in args.phases.split(",") if p]

    from bot.config import Settings
    from ingest.retrieval.embeddings import make_embeddings

    work = Path(tempfile.mkdtemp(prefix="bench-faults-"))
    shutil.copytree(ROOT / "knowledge", work / "knowledge")
    bench = Bench(args)
    chroma = ChromaServer().start()
    api = FakeLineAPI(access_token=TOKEN).start()
    api.listeners.append(bench.delivered)
    bench.port = free_port()
    settings = Settings(knowledge=work / "knowledge", store=work / "store", chroma_host="127.0.0.1",
                        chroma_port=chroma.port)
    env = bench_env(work / "knowledge", work / "store", work / "data", api.base_url, **chroma.env(),
                    ALEXA_VERIFY_REQUESTS="false")
    tree = Path(args.tree).resolve() if args.tree else None
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    code = (f"from bot.serve import serve; serve.main(['--port', '{bench.port}', '--workers', '{args.workers}', "
            f"'--threads', '{args.threads}'])")
    log_path = work / "server.log"
    log_file = open(log_path, "wb")  # noqa: SIM115 - the server writes it until the end
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=tree or ROOT, env=env, stdout=log_file,
                            stderr=subprocess.STDOUT, start_new_session=True)
    publish_times: list[float] = []
    try:
        wait_healthy(bench.port, proc)
        embeddings = make_embeddings(settings.embedding) if "publishes" in phases and tree is None else None
        clients = [threading.Thread(target=bench.line_client, args=(n,), daemon=True)
                   for n in range(args.line_clients)]
        clients += [threading.Thread(target=bench.alexa_client, args=(n,), daemon=True)
                    for n in range(args.alexa_clients)]
        for t in clients:
            t.start()
        for name in phases:
            bench.phase = name
            bench.phase_log.append((name, time.monotonic()))
            print(f"phase {name}", file=sys.stderr, flush=True)
            end = time.monotonic() + args.phase_seconds
            if name == "line-500":
                api.server_error(REPLY)
                api.server_error(PUSH)
            elif name == "line-429":
                api.rate_limit(REPLY, retry_after=1)
                api.rate_limit(PUSH, retry_after=1)
            elif name == "line-hang":
                api.hang(REPLY, seconds=15)
                api.hang(PUSH, seconds=15)
            elif name == "worker-kill":
                workers = gunicorn_workers(proc.pid)
                if workers:
                    os.kill(workers[0], signal.SIGKILL)
            elif name == "chroma-restart":
                chroma.stop()
                time.sleep(args.chroma_down)
                chroma.start()
            elif name == "publishes":
                publish_times = publish_loop(bench, settings, embeddings, args.publishes, args.phase_seconds,
                                             tree, env)
            time.sleep(max(0.0, end - time.monotonic()))
            api.clear_faults()
        bench.phase = "drain"
        bench.stop.set()
        deadline = time.monotonic() + args.drain
        while time.monotonic() < deadline:
            with bench.lock:
                waiting = [e for e in bench.events.values() if e.status == 200 and not e.answers]
            if not waiting:
                break
            time.sleep(0.5)
        time.sleep(3.0)  # a duplicate would arrive now
    finally:
        terminate(proc, 60)
        log_file.close()
        api.stop()
        chroma.close()
    figures = report(bench, phases, publish_times, log_path)
    if args.json_out:
        Path(args.json_out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json_out).write_text(json.dumps(figures, indent=2, ensure_ascii=False))
    total = figures["total"]
    ok = total["lost"] == 0 and total["duplicated"] == 0 and total["idk_by_fault"] == 0
    print("result:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


def report(bench: Bench, phases: list[str], publish_times: list[float], log_path: Path) -> dict[str, Any]:
    events = list(bench.events.values())
    # Answerable: answered at baseline on the same channel (Alexa asks in the question's language).
    line_ok = {e.question for e in events if e.phase == "baseline" and e.answers
               and classify(e.answers[0]) == "answer"}
    alexa_ok = {q for p, q, kind in bench.alexa_answers if p == "baseline" and kind == "answer"}
    rows: dict[str, Any] = {}
    for name in [*phases, "total"]:
        mine = [e for e in events if name == "total" or e.phase == name]
        acked = [e for e in mine if e.status == 200]
        kinds = Counter(classify(e.answers[0]) for e in acked if e.answers)
        idk = sum(1 for e in acked if e.answers and classify(e.answers[0]) == "idk" and e.question in line_ok)
        answers = [(q, k) for p, q, k in bench.alexa_answers if name == "total" or p == name]
        alexa_idk = sum(1 for q, k in answers if k == "idk" and q in alexa_ok)
        statuses = {k[1]: v for k, v in bench.alexa.items() if name == "total" or k[0] == name}
        if name == "total":
            statuses = dict(Counter(k[1] for k in bench.alexa.elements()))
        alexa_errors = sum(1 for _, k in answers if k == "error")
        rows[name] = {
            "line_sent": len(mine), "line_acked": len(acked), "line_not_acked": len(mine) - len(acked),
            "lost": sum(1 for e in acked if not e.answers),
            "duplicated": sum(len(e.answers) - 1 for e in acked if len(e.answers) > 1),
            "line_unavailable": kinds.get("unavailable", 0), "line_errors": kinds.get("error", 0),
            "alexa_requests": sum(statuses.values()), "alexa_statuses": statuses,
            "alexa_unavailable": sum(1 for _, k in answers if k == "unavailable"),
            "alexa_error_replies": alexa_errors,
            "idk_by_fault": 0 if name == "baseline" else idk + alexa_idk,
        }
    rows["total"]["duplicated"] += sum(bench.extra_pushes.values())
    rows["total"]["idk_by_fault"] = sum(r["idk_by_fault"] for n, r in rows.items() if n != "total")
    log = log_path.read_text(errors="replace") if log_path.exists() else ""
    figures = {"phases": rows, "total": rows["total"], "publish_seconds": [round(t, 2) for t in publish_times],
               "server_tracebacks": log.count("Traceback (most recent call last)"), "server_log": str(log_path),
               "answerable_at_baseline": {"line": sorted(line_ok), "alexa": sorted(alexa_ok)},
               "problem_events": [{"phase": e.phase, "group": e.group, "token": e.token, "question": e.question,
                                   "status": e.status, "via": e.via, "answers": [a[:80] for a in e.answers]}
                                  for e in events if e.status == 200 and len(e.answers) != 1],
               "extra_pushes": dict(bench.extra_pushes),
               "alexa_idk": [list(x) for x in bench.alexa_idk if x[1] in alexa_ok],
               "line_idk": [[e.phase, e.question, e.answers[0][:120]] for e in events
                            if e.answers and classify(e.answers[0]) == "idk" and e.question in line_ok]}
    print(f"{'phase':15} {'LINE sent':>9} {'acked':>6} {'lost':>5} {'dup':>4} {'unavail':>7} {'errors':>6} "
          f"{'Alexa':>6} {'A-unav':>6} {'A-err':>5} {'IDK-by-fault':>12}  Alexa statuses")
    for name, r in rows.items():
        print(f"{name:15} {r['line_sent']:9d} {r['line_acked']:6d} {r['lost']:5d} {r['duplicated']:4d} "
              f"{r['line_unavailable']:7d} {r['line_errors']:6d} {r['alexa_requests']:6d} {r['alexa_unavailable']:6d} "
              f"{r['alexa_error_replies']:5d} {r['idk_by_fault']:12d}  {r['alexa_statuses']}")
    if publish_times:
        print(f"publishes: {len(publish_times)}, each {min(publish_times):.1f}-{max(publish_times):.1f} s")
    print(f"server tracebacks: {figures['server_tracebacks']}; log: {log_path}")
    return figures



if __name__ == "__main__":
    raise SystemExit(main())
