"""Failures that say what they are: a dependency that is down is named, never hidden.

With a real `chroma run` server stopped and started again: stayers are told, in their
language, that the concierge cannot look this up right now (intent "unavailable", never
"I don't know"), /healthz answers 503 naming the vector store, one error is logged per
outage, and answers come back by themselves. The state database and the snapshot are
checked by /healthz too. A complete store on a read-only disk serves.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.engine.contract import Question
from bot.engine.engine import Engine
from bot.engine.outage import UNAVAILABLE, unavailable_answer
from tests.chromaserver import ChromaServer
from tests.conftest import ROOT, SAMPLE_KNOWLEDGE

NOW = datetime.fromisoformat("2026-12-03T19:00:00+09:00")
WIFI = {"ja": "Wi-Fiのパスワードは？", "en": "What is the Wi-Fi password?",
        "zh": "Wi-Fi密码是多少？", "ko": "와이파이 비밀번호가 뭐예요?"}


@dataclass
class Shared:
    chroma: ChromaServer
    engine: Engine
    settings: Settings


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory, embeddings: Any) -> Iterator[Shared]:
    """The sample knowledge served from a Chroma server, as several bot processes do."""
    root = tmp_path_factory.mktemp("chroma-down")
    shutil.copytree(SAMPLE_KNOWLEDGE, root / "knowledge")
    with ChromaServer() as chroma:
        settings = Settings(knowledge=root / "knowledge", store=root / "store", data=root / "data",
                            chroma_host="127.0.0.1", chroma_port=chroma.port)
        engine = Engine.open(settings.engine_config(), embeddings=embeddings)
        yield Shared(chroma, engine, settings)


def ask(engine: Engine, text: str) -> Any:
    return engine.answer(Question(text=text, house_id="", now=NOW))


@pytest.fixture()
def chroma_stopped(shared: Shared) -> Iterator[Shared]:
    assert ask(shared.engine, WIFI["ja"]).intent == "retrieval"
    shared.chroma.stop()
    try:
        yield shared
    finally:
        shared.chroma.start()


def test_with_the_vector_store_down_stayers_are_told_so_in_their_language(chroma_stopped: Shared) -> None:
    house = chroma_stopped.engine.house(None)
    for lang, text in WIFI.items():
        got = ask(chroma_stopped.engine, text)
        assert (got.intent, got.lang, got.abstained) == (UNAVAILABLE, lang, False)
        assert got.text == unavailable_answer(house, lang).text
        assert house.contacts[0].phone in got.text


def test_computed_answers_go_on_while_the_vector_store_is_down(chroma_stopped: Shared) -> None:
    assert ask(chroma_stopped.engine, "明日のごみは？").intent == "garbage_day"


def test_an_outage_is_logged_once_not_per_question(chroma_stopped: Shared, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        for _ in range(4):
            ask(chroma_stopped.engine, WIFI["en"])
        chroma_stopped.engine.health()
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "vector_store" in errors[0].getMessage()


def test_healthz_answers_503_naming_the_vector_store(chroma_stopped: Shared, tmp_path: Path) -> None:
    from bot.app import create_app

    client = create_app(chroma_stopped.settings.with_(data=tmp_path / "data"), chroma_stopped.engine).test_client()
    got = client.get("/healthz")
    assert got.status_code == 503
    deps = got.get_json()["dependencies"]
    assert deps["vector_store"]["up"] is False and "Chroma server" in deps["vector_store"]["reason"]
    assert deps["snapshot"] == {"up": True} and deps["state"] == {"up": True}


def test_answers_come_back_by_themselves_when_the_server_returns(shared: Shared,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    shared.chroma.stop()
    assert ask(shared.engine, WIFI["ja"]).intent == UNAVAILABLE
    shared.chroma.start()
    with caplog.at_level(logging.INFO):
        got = ask(shared.engine, WIFI["ja"])
    assert got.intent == "retrieval" and "mint-kitami-2026" in got.text
    assert shared.engine.health()["status"] == "ok"
    assert any("available again" in r.getMessage() for r in caplog.records)


def test_healthz_is_200_with_every_dependency_up(shared: Shared, tmp_path: Path) -> None:
    from bot.app import create_app

    client = create_app(shared.settings.with_(data=tmp_path / "data"), shared.engine).test_client()
    got = client.get("/healthz")
    assert got.status_code == 200
    assert {name: d["up"] for name, d in got.get_json()["dependencies"].items()} == {
        "vector_store": True, "snapshot": True, "state": True}


def test_healthz_names_a_state_database_that_cannot_be_reached(shared: Shared) -> None:
    from bot.engine.outage import Outages
    from bot.health import health_report
    from bot.state import open_database

    db = open_database("postgresql://concierge@127.0.0.1:9/concierge", migrate=False)  # nobody listens
    try:
        body, status = health_report(shared.engine, db, Outages())
    finally:
        db.dispose()
    assert status == 503 and body["dependencies"]["state"]["up"] is False


def test_healthz_names_a_missing_snapshot(tmp_path: Path, sample_engine: Engine) -> None:
    store = tmp_path / "store"
    shutil.copytree(sample_engine.store_dir, store)
    engine = Engine(sample_engine.config.__class__(**{**sample_engine.config.__dict__, "store_dir": store}),
                    sample_engine.embeddings)
    assert engine.health()["status"] == "ok"
    (store / "manifest.json").unlink()
    health = engine.health()
    assert health["status"] == "unavailable" and health["dependencies"]["snapshot"]["up"] is False


# -- a complete store on a read-only disk ---------------------------------------------------


def ask_batch(knowledge: Path, store: Path, questions: list[str], read_only: Path | None = None) -> list[Any]:
    """`concierge ask --batch` in a child process; with ``read_only`` that folder is mounted
    read-only for it (a private mount namespace as root, else the folder made read-only)."""
    batch = store.parent / "questions.jsonl"
    batch.write_text("".join(json.dumps({"id": str(i), "q": q, "now": NOW.isoformat()}) + "\n"
                             for i, q in enumerate(questions)), encoding="utf-8")
    cmd = [sys.executable, "-m", "bot", "ask", "--batch", str(batch), "--knowledge", str(knowledge),
           "--store", str(store)]
    if read_only is not None and os.geteuid() == 0:
        script = (f"mount --bind {read_only} {read_only} && mount -o remount,ro,bind {read_only} && "
                  f"touch {read_only}/.probe 2>/dev/null && exit 99; exec " + " ".join(f"'{c}'" for c in cmd))
        cmd = ["unshare", "-m", "sh", "-c", script]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr[-2000:]
    return [{k: v for k, v in json.loads(line).items() if k != "id"} for line in out.stdout.splitlines()]


@pytest.mark.skipif(os.geteuid() == 0 and shutil.which("unshare") is None, reason="needs unshare as root")
def test_a_complete_store_on_a_read_only_disk_answers(tmp_path: Path, embeddings: Any) -> None:
    root = tmp_path / "ro"
    shutil.copytree(SAMPLE_KNOWLEDGE, root / "knowledge")
    engine = Engine.open(Settings(knowledge=root / "knowledge", store=root / "store").engine_config(),
                         embeddings=embeddings)  # ingests while the disk is writable
    questions = [WIFI["ja"], "次のバスは？", "明日のごみは？"]
    expected = [engine.answer(Question(text=q, house_id="", now=NOW)).to_json() for q in questions]
    assert [a["intent"] for a in expected] == ["retrieval", "transit", "garbage_day"]
    if os.geteuid() != 0:
        for p in [root, *root.rglob("*")]:
            p.chmod(p.stat().st_mode & ~0o222)
    try:
        assert ask_batch(root / "knowledge", root / "store", questions, read_only=root) == expected
    finally:
        if os.geteuid() != 0:
            for p in [root, *root.rglob("*")]:
                p.chmod(p.stat().st_mode | 0o200)
