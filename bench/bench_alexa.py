"""Alexa benchmark (not a test): /alexa latency for the common intents, warm, over HTTP.

    .venv/bin/python bench/bench_alexa.py         # bundled knowledge, 60 requests per intent
    .venv/bin/python bench/bench_alexa.py -n 200 --live-weather

Builds the real app (``create_app``) with the real Engine on the knowledge folder (a
temporary index unless ``--store``), serves it on 127.0.0.1 with werkzeug's threaded
server, warms every intent, then times sequential POSTs. Target: p95 <= 300 ms.

Request signatures cannot be produced for Amazon's certificate, so verification is off
here; the skill id check stays on. Weather is pointed at a closed loopback port unless
``--live-weather`` (so the figures measure this program, not the provider; the provider
is cached for 30 minutes in production anyway).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from werkzeug.serving import make_server  # noqa: E402

from bot.app import create_app  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.engine.engine import Engine  # noqa: E402

SKILL_ID = "amzn1.ask.skill.bench"
TARGET_P95_MS = 300.0

#: (label, locale, intent or request type, slot sets cycled through)
CASES: list[tuple[str, str, str, list[dict[str, str]]]] = [
    ("launch", "ja-JP", "LaunchRequest", [{}]),
    ("briefing ja", "ja-JP", "MorningBriefingIntent", [{}]),
    ("briefing en", "en-US", "MorningBriefingIntent", [{}]),
    ("garbage tomorrow", "ja-JP", "GarbageDayIntent", [{"date": "TOMORROW"}, {"date": ""}]),
    ("garbage en", "en-US", "GarbageDayIntent", [{"date": "TOMORROW"}]),
    (
        "sorting",
        "ja-JP",
        "SortingIntent",
        [{"item": v} for v in ("ペットボトル", "乾電池", "スプレー缶", "生ごみ", "段ボール", "傘")],
    ),
    (
        "next bus airport",
        "ja-JP",
        "NextBusIntent",
        [{"destination": "空港"}, {"destination": "北見駅"}],
    ),
    ("next bus en", "en-US", "NextBusIntent", [{"destination": "the airport"}]),
    (
        "free question",
        "ja-JP",
        "AskQuestionIntent",
        [
            {"query": v}
            for v in (
                "Wi-Fiのパスワード",
                "チェックアウトの時間",
                "暖房の使い方",
                "近くの病院",
                "お風呂のお湯の出し方",
                "鍵をなくしたとき",
                "洗濯機の使い方",
                "駐車場",
            )
        ],
    ),
    (
        "free question en",
        "en-US",
        "AskQuestionIntent",
        [
            {"query": v}
            for v in (
                "how to use the heater",
                "the wifi password",
                "check out time",
                "the nearest hospital",
                "where to park",
                "the washing machine",
            )
        ],
    ),
    ("help", "ja-JP", "AMAZON.HelpIntent", [{}]),
]


def envelope(locale: str, kind: str, slots: dict[str, str], now: datetime) -> dict[str, Any]:
    """The JSON Alexa sends (the fields the skill reads, plus the usual envelope)."""
    request: dict[str, Any] = {
        "type": "LaunchRequest" if kind == "LaunchRequest" else "IntentRequest",
        "requestId": f"amzn1.echo-api.request.{uuid.uuid4()}",
        "timestamp": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "locale": locale,
    }
    if kind != "LaunchRequest":
        tomorrow = now.date().toordinal() + 1
        values = {
            k: (datetime.fromordinal(tomorrow).date().isoformat() if v == "TOMORROW" else v)
            for k, v in slots.items()
            if v
        }
        request["intent"] = {
            "name": kind,
            "confirmationStatus": "NONE",
            "slots": {
                k: {"name": k, "value": v, "confirmationStatus": "NONE"} for k, v in values.items()
            },
        }
    system = {
        "application": {"applicationId": SKILL_ID},
        "user": {"userId": "amzn1.ask.account.BENCH"},
        "device": {"deviceId": "amzn1.ask.device.BENCH", "supportedInterfaces": {}},
        "apiEndpoint": "https://api.fe.amazonalexa.com",
    }
    return {
        "version": "1.0",
        "session": {
            "new": True,
            "sessionId": f"amzn1.echo-api.session.{uuid.uuid4()}",
            "application": {"applicationId": SKILL_ID},
            "user": {"userId": "amzn1.ask.account.BENCH"},
        },
        "context": {"System": system},
        "request": request,
    }


def closed_port_url(path: str) -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=60, help="timed requests per intent (default 60)")
    ap.add_argument("--warmup", type=int, default=5, help="untimed requests per intent first")
    ap.add_argument(
        "--knowledge", type=Path, default=None, help="knowledge folder (default: bundled)"
    )
    ap.add_argument(
        "--store", type=Path, default=None, help="index folder (default: a temporary one)"
    )
    ap.add_argument("--live-weather", action="store_true", help="ask the real weather providers")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = ap.parse_args(argv)

    tmp = tempfile.TemporaryDirectory(prefix="bench-alexa-")
    overrides: dict[str, Any] = {
        "alexa_skill_id": SKILL_ID,
        "alexa_verify_requests": False,
        "store": args.store or Path(tmp.name) / "store",
    }
    if args.knowledge:
        overrides["knowledge"] = args.knowledge
    if not args.live_weather:
        overrides["jma_base_url"] = closed_port_url("/bosai/forecast/data/forecast")
        overrides["openmeteo_base_url"] = closed_port_url("/v1/forecast")
    settings = Settings.from_env({}, **overrides)

    t = time.perf_counter()
    engine = Engine.open(settings.engine_config())
    open_s = time.perf_counter() - t
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = create_app(settings, engine)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/alexa"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    now = datetime.now(engine.knowledge.timezone).replace(hour=7, minute=0, second=0, microsecond=0)

    def call(locale: str, kind: str, slots: dict[str, str]) -> float:
        body = json.dumps(envelope(locale, kind, slots, now), ensure_ascii=False).encode()
        req = urllib.request.Request(
            url, data=body, method="POST", headers={"Content-Type": "application/json"}
        )
        started = time.perf_counter()
        with opener.open(req, timeout=30) as resp:
            resp.read()
            if resp.status != 200:
                raise SystemExit(f"{kind}: HTTP {resp.status}")
        return (time.perf_counter() - started) * 1000

    for _, locale, kind, variants in CASES:
        for i in range(max(args.warmup, len(variants))):
            call(locale, kind, variants[i % len(variants)])

    rows: list[dict[str, Any]] = []
    every: list[float] = []
    for label, locale, kind, variants in CASES:
        times = [call(locale, kind, variants[i % len(variants)]) for i in range(args.n)]
        every += times
        rows.append(
            {
                "case": label,
                "intent": kind,
                "n": len(times),
                "p50_ms": statistics.median(times),
                "p95_ms": pct(times, 95),
                "max_ms": max(times),
            }
        )
    server.shutdown()

    print(
        f"/alexa latency, warm, sequential over HTTP ({os.cpu_count()} CPUs;"
        f" engine open {open_s:.1f} s; weather {'live' if args.live_weather else 'offline'};"
        " verification off)"
    )
    print(f"{'case':<20} {'intent':<24} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for r in rows:
        print(
            f"{r['case']:<20} {r['intent']:<24} {r['n']:>4}"
            f" {r['p50_ms']:>8.1f} {r['p95_ms']:>8.1f} {r['max_ms']:>8.1f}"
        )
    overall = {"p50_ms": statistics.median(every), "p95_ms": pct(every, 95), "max_ms": max(every)}
    verdict = "OK" if overall["p95_ms"] <= TARGET_P95_MS else "OVER TARGET"
    print(
        f"{'all':<20} {'':<24} {len(every):>4} {overall['p50_ms']:>8.1f} {overall['p95_ms']:>8.1f}"
        f" {overall['max_ms']:>8.1f}   target p95 <= {TARGET_P95_MS:.0f} ms: {verdict}"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"cases": rows, "all": overall}, indent=2) + "\n")
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
