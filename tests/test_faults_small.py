"""A small, fast version of bench/bench_faults.py: load through faults loses nothing.

The whole app in this process (LINE with its durable queue, Alexa, the real engine over a
real `chroma run` server), LINE's API replaced by the fake, a few closed-loop clients of
each channel. Short phases: the LINE API answering 500, 429 and late; the Chroma server
stopped and started; three publishes. Then: no acknowledged event lost or answered twice,
and no question answered at baseline told "I don't know" (an outage is said honestly).
The benchmark adds gunicorn workers, a SIGKILL and ten publishes, for minutes.
"""

# Fixtures are imported from the harness; pytest parameters redefine the imported names.
# ruff: noqa: F811

from __future__ import annotations

import argparse
import shutil
import threading
import time
from pathlib import Path
from typing import Any

from bench.bench_faults import Bench, report
from fakes.line_api import PUSH, REPLY, FakeLineAPI
from fakes.line_harness import RunningApp, fake_api, line_api_server, line_settings  # noqa: F401 (fixtures)
from tests.chromaserver import ChromaServer
from tests.conftest import SAMPLE_KNOWLEDGE

PHASE = 3.0


def test_faults_under_load_lose_nothing_and_turn_into_no_wrong_answer(
        tmp_path: Path, fake_api: FakeLineAPI, embeddings: Any) -> None:
    from bot.app import create_app
    from bot.engine.engine import Engine

    shutil.copytree(SAMPLE_KNOWLEDGE, tmp_path / "knowledge")
    args = argparse.Namespace(seed=1, line_wait=3.0)
    bench = Bench(args)
    fake_api.listeners.append(bench.delivered)
    with ChromaServer() as chroma:
        settings = line_settings(tmp_path, fake_api, knowledge=tmp_path / "knowledge", chroma_host="127.0.0.1",
                                 chroma_port=chroma.port, alexa_verify_requests=False)
        engine = Engine.open(settings.engine_config(), embeddings=embeddings)
        running = RunningApp(create_app(settings, engine)).fast()
        bench.port = running.server.server_port
        clients = [threading.Thread(target=bench.line_client, args=(n,), daemon=True) for n in range(3)]
        clients += [threading.Thread(target=bench.alexa_client, args=(n,), daemon=True) for n in range(2)]
        try:
            for t in clients:
                t.start()
            for phase in ("baseline", "line-500", "line-429", "line-hang", "chroma-restart", "publishes"):
                bench.phase = phase
                if phase == "line-500":
                    fake_api.server_error(REPLY)
                    fake_api.server_error(PUSH)
                elif phase == "line-429":
                    fake_api.rate_limit(REPLY, retry_after=0.2)
                elif phase == "line-hang":
                    fake_api.hang(REPLY, seconds=2.0)
                elif phase == "chroma-restart":
                    chroma.stop()
                    time.sleep(1.5)
                    chroma.start()
                elif phase == "publishes":
                    notes = tmp_path / "knowledge" / "houses" / "hakka-house" / "notes.md"
                    for i in range(3):
                        notes.write_text(f"# Notes\n\n## Publish {i}\n\nChanged by publish {i}.\n", encoding="utf-8")
                        assert engine.reload().ok
                time.sleep(PHASE)
                fake_api.clear_faults()
            bench.stop.set()
            for t in clients:
                t.join(30)
            assert running.line.workers.drain(60), "answers still pending"
            time.sleep(0.5)
        finally:
            bench.stop.set()
            running.stop()
    figures = report(bench, ["baseline", "line-500", "line-429", "line-hang", "chroma-restart", "publishes"], [],
                     tmp_path / "no-server.log")
    total = figures["total"]
    assert total["line_acked"] > 10 and total["alexa_requests"] > 10
    assert (total["lost"], total["duplicated"], total["idk_by_fault"]) == (0, 0, 0), figures["problem_events"]
    assert total["alexa_statuses"].get("5xx", 0) == 0
