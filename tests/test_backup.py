"""Data at rest: the store is owner-only, and `concierge backup` / `restore` move a machine.

Store files are 0600 and folders 0700 (Chroma's SQLite file, the records, the manifest,
the timetable index). A backup of the knowledge folder, the published snapshot and the
state database, restored into an empty machine folder, answers as the original did and
keeps the state.
"""

from __future__ import annotations

import json
import shutil
import stat
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.config import Settings
from bot.engine.contract import Answer, Question
from bot.engine.engine import Engine
from bot.state import QuestionLog, database_for
from ingest.retrieval.store import read_manifest
from tests.conftest import SAMPLE_KNOWLEDGE

NOW = datetime.fromisoformat("2026-12-03T19:00:00+09:00")
QUESTIONS = ("Wi-Fiのパスワードは？", "次のバスは？", "明日のごみは？")
LOST_QUESTION = "サウナはありますか"


def modes(root: Path) -> dict[str, int]:
    return {p.relative_to(root).as_posix() or ".": stat.S_IMODE(p.stat().st_mode)
            for p in [root, *root.rglob("*")] if not p.is_symlink()}


def not_private(root: Path) -> dict[str, str]:
    return {rel: oct(mode) for rel, mode in modes(root).items()
            if mode != (0o700 if (root / rel).is_dir() else 0o600)}


@pytest.fixture(scope="module")
def machine(tmp_path_factory: pytest.TempPathFactory, embeddings: Any) -> tuple[Settings, Engine]:
    root = tmp_path_factory.mktemp("machine1")
    shutil.copytree(SAMPLE_KNOWLEDGE, root / "knowledge")
    settings = Settings(knowledge=root / "knowledge", store=root / "store", data=root / "data")
    engine = Engine.open(settings.engine_config(), embeddings=embeddings)
    db = database_for(settings)
    QuestionLog(db).record(channel="line", house_id="hakka-house", day=date.today().isoformat(),
                           text=LOST_QUESTION, answer=Answer("?", "ja", "retrieval", 0.1, abstained=True))
    db.dispose()
    return settings, engine


def env_of(settings: Settings) -> dict[str, str]:
    return {"CONCIERGE_KNOWLEDGE": str(settings.knowledge), "CONCIERGE_STORE": str(settings.store_dir),
            "CONCIERGE_DATA": str(settings.data_dir), "CONCIERGE_STATE_URL": settings.state_url}


def answers(engine: Engine) -> list[dict[str, Any]]:
    return [engine.answer(Question(text=q, house_id="", now=NOW)).to_json() for q in QUESTIONS]


def test_every_store_file_is_0600_and_every_folder_0700(machine: tuple[Settings, Engine]) -> None:
    store = machine[0].store_dir
    names = set(modes(store))
    assert {"chroma/chroma.sqlite3", "manifest.json", "transit/kitami.sqlite"} <= names
    assert any(n.startswith("chunks-") for n in names)
    assert not_private(store) == {}


def test_a_store_made_with_open_modes_is_tightened_when_the_engine_starts(
        machine: tuple[Settings, Engine], tmp_path: Path, embeddings: Any) -> None:
    settings = machine[0].with_(store=tmp_path / "store")
    shutil.copytree(machine[0].store_dir, settings.store_dir)
    for p in [settings.store_dir, *settings.store_dir.rglob("*")]:
        p.chmod(0o755 if p.is_dir() else 0o644)
    Engine.open(settings.engine_config(), embeddings=embeddings)
    assert not_private(settings.store_dir) == {}


def test_a_backup_restored_into_an_empty_machine_answers_and_keeps_the_state(
        machine: tuple[Settings, Engine], tmp_path: Path, embeddings: Any) -> None:
    settings, engine = machine
    runner = CliRunner()
    saved = runner.invoke(cli, ["backup", str(tmp_path / "backup")], env=env_of(settings))
    assert saved.exit_code == 0, saved.output
    assert not_private(tmp_path / "backup") == {}
    meta = json.loads((tmp_path / "backup" / "backup.json").read_text())
    assert meta["state"]["kind"] == "sqlite" and "bot-state.sqlite3" in meta["state"]["files"]

    empty = tmp_path / "machine2"
    new = Settings(knowledge=empty / "knowledge", store=empty / "store", data=empty / "data")
    restored = runner.invoke(cli, ["restore", str(tmp_path / "backup")], env=env_of(new))
    assert restored.exit_code == 0, restored.output
    assert read_manifest(new.store_dir) == read_manifest(settings.store_dir)  # served as it is, not re-made
    again = Engine.open(new.engine_config(), embeddings=embeddings)
    assert read_manifest(new.store_dir) == read_manifest(settings.store_dir)
    assert answers(again) == answers(engine)
    db = database_for(new)
    try:
        assert LOST_QUESTION in [q.text for q in QuestionLog(db).unanswered(30)]
    finally:
        db.dispose()
    assert not_private(new.store_dir) == {} and not_private(new.data_dir) == {}


def test_restore_refuses_to_write_over_a_machine_in_use(machine: tuple[Settings, Engine], tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["backup", str(tmp_path / "b")], env=env_of(machine[0])).exit_code == 0
    got = runner.invoke(cli, ["restore", str(tmp_path / "b")], env=env_of(machine[0]))
    assert got.exit_code != 0 and "not empty" in got.output and "--force" in got.output


def test_a_postgresql_state_and_a_chroma_server_are_left_to_their_own_tools(
        machine: tuple[Settings, Engine], tmp_path: Path) -> None:
    env = {**env_of(machine[0]), "CONCIERGE_STATE_URL": "postgresql://concierge@127.0.0.1:9/concierge",
           "CHROMA_HOST": "127.0.0.1"}
    got = CliRunner().invoke(cli, ["backup", str(tmp_path / "b")], env=env)
    assert got.exit_code == 0, got.output
    assert "pg_dump" in got.output and "Chroma server" in got.output
    assert (tmp_path / "b" / "store" / "manifest.json").is_file() and not (tmp_path / "b" / "state").exists()
