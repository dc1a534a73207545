"""Every worker of every process serves a new snapshot within 5 s of a publish.

A publish (``concierge ingest``, ``/reload`` from the staff group, the staff console) is
made by one process; the others follow the published manifest (``Engine.refresh``, at
most once a second). Checked end to end: `concierge serve` with two gunicorn workers, and
two `concierge serve` processes sharing one store folder and a real Chroma server. A
failed ingest changes nothing anywhere.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from fakes.alexa_envelope import encode, envelope
from fakes.serve_process import ServeProcess
from tests.chromaserver import ChromaServer
from tests.conftest import ROOT, SAMPLE_KNOWLEDGE

OLD, NEW = "mint-kitami-2026", "snow-owl-7731"
FOLLOW_TARGET = 5.0
MANUALS = ("houses/hakka-house/manual.ja.md", "houses/hakka-house/manual.en.md")


def ask_wifi(server: ServeProcess) -> str:
    body = encode(envelope("AskQuestionIntent", slots={"query": "Wi-Fiのパスワード"}))
    status, raw = server.request("POST", "/alexa", body, {"Content-Type": "application/json"})
    assert status == 200, raw[:300]
    return str(json.loads(raw)["response"]["card"]["content"])


def ingest(knowledge: Path, store: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", "ingest", "--knowledge", str(knowledge), "--store",
                           str(store)], cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=300)


def change_password(knowledge: Path, old: str, new: str) -> None:
    for rel in MANUALS:
        path = knowledge / rel
        path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


def seconds_until_all_new(servers: list[ServeProcess], asks_per_round: int = 8) -> float:
    """Ask every server repeatedly (connections land on either worker) until a whole round
    answers from the new snapshot; the time that took."""
    started = time.monotonic()
    while time.monotonic() - started < 30:
        answers = [ask_wifi(s) for s in servers for _ in range(asks_per_round)]
        if all(NEW in a for a in answers):
            return time.monotonic() - started
        time.sleep(0.2)
    raise AssertionError(f"still answering from the old snapshot after 30 s: {answers[:2]}")


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    shutil.copytree(SAMPLE_KNOWLEDGE, tmp_path / "knowledge")
    return tmp_path


def serve_env(folder: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    return {"CONCIERGE_KNOWLEDGE": str(folder / "knowledge"), "CONCIERGE_STORE": str(folder / "store"),
            "CONCIERGE_DATA": str(folder / "data"), "ALEXA_VERIFY_REQUESTS": "false",
            "CONCIERGE_JMA_BASE_URL": "http://127.0.0.1:9", **(extra or {})}


def test_two_gunicorn_workers_ignore_a_failed_ingest_and_serve_a_publish_within_5_seconds(folder: Path) -> None:
    knowledge = folder / "knowledge"
    house_yaml = knowledge / "houses" / "hakka-house" / "house.yaml"
    valid = house_yaml.read_text(encoding="utf-8")
    with ServeProcess(serve_env(folder), workers=2, threads=4) as server:
        assert all(OLD in ask_wifi(server) for _ in range(8))
        change_password(knowledge, OLD, NEW)
        house_yaml.write_text(valid + "\n  : [broken\n", encoding="utf-8")
        assert ingest(knowledge, folder / "store", {}).returncode != 0
        time.sleep(2.5)  # more than two follow intervals
        assert all(OLD in ask_wifi(server) for _ in range(8))

        house_yaml.write_text(valid, encoding="utf-8")
        done = ingest(knowledge, folder / "store", {})
        assert done.returncode == 0, done.stderr
        assert seconds_until_all_new([server]) < FOLLOW_TARGET


@pytest.fixture()
def chroma() -> Iterator[ChromaServer]:
    with ChromaServer() as server:
        yield server


def test_two_serve_processes_sharing_a_chroma_server_serve_a_publish_within_5_seconds(
        folder: Path, chroma: ChromaServer) -> None:
    env = serve_env(folder, chroma.env())
    first = ServeProcess(env, threads=4).start()
    try:
        with ServeProcess({**env, "CONCIERGE_DATA": str(folder / "data2")}, threads=4) as second:
            assert OLD in ask_wifi(first) and OLD in ask_wifi(second)
            change_password(folder / "knowledge", OLD, NEW)
            done = ingest(folder / "knowledge", folder / "store", chroma.env())
            assert done.returncode == 0, done.stderr
            assert seconds_until_all_new([first, second], asks_per_round=4) < FOLLOW_TARGET
    finally:
        first.stop()
