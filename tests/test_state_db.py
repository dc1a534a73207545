"""The state database layer: one schema through SQLAlchemy and alembic on SQLite and on a real
PostgreSQL 15, private files, adoption of pre-migration files, and a database restart."""

# Fixtures are imported from statedb (shared without a conftest), so pytest
# parameters redefine the imported names on purpose.
# ruff: noqa: F811

from __future__ import annotations

import hashlib
import hmac
import os
import sqlite3
import stat
import threading
import time
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from pgserver import PostgresServer
from statedb import OpenState, postgres, state_db  # noqa: F401 (fixtures)

import bot.line.tables  # noqa: F401 (registers the LINE tables on the metadata)
import bot.state.questions  # noqa: F401
import bot.web.staff.tables  # noqa: F401
from bot.config import Settings
from bot.line.state import BotState
from bot.state import StateError, StateUnavailable, database_for, metadata, open_database
from bot.state.db import STATE_FILE, database_url
from bot.state.migrate import current_revisions, head_revisions, upgrade

GROUP = "Ca56f94637cc4347f90a25382909b24b9"

#: The hand-written schema of the state file before SQLAlchemy (commit 05b4613).
PRE_MIGRATION_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE groups (group_key TEXT PRIMARY KEY, house_id TEXT NOT NULL, bound_at REAL NOT NULL,
    lang TEXT NOT NULL DEFAULT 'ja', morning INTEGER NOT NULL DEFAULT 0, sealed_id TEXT);
CREATE TABLE bind_codes (code_hash TEXT PRIMARY KEY, house_id TEXT NOT NULL, expires_at REAL NOT NULL);
CREATE TABLE seen_events (event_id TEXT PRIMARY KEY, seen_at REAL NOT NULL);
CREATE TABLE unanswered (id INTEGER PRIMARY KEY AUTOINCREMENT, group_key TEXT, house_id TEXT NOT NULL,
    text TEXT NOT NULL, asked_at REAL NOT NULL);
CREATE INDEX unanswered_asked ON unanswered (asked_at);
CREATE TABLE daily_counts (day TEXT NOT NULL, house_id TEXT NOT NULL, asked INTEGER NOT NULL DEFAULT 0,
    abstained INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (day, house_id));
CREATE TABLE escalations (group_key TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX escalations_at ON escalations (at);
CREATE TABLE morning_sent (group_key TEXT NOT NULL, day TEXT NOT NULL, PRIMARY KEY (group_key, day));
"""


def test_the_migrated_database_matches_the_declared_tables(state_db: OpenState) -> None:
    db = state_db()
    with db.read() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    assert diff == []
    assert current_revisions(db) == head_revisions()


def test_migrating_again_or_from_many_processes_at_once_changes_nothing(state_db: OpenState) -> None:
    state_db("fresh", migrate=False)  # creates the (empty) database
    errors: list[BaseException] = []

    def start() -> None:
        try:
            db = state_db("fresh")
            BotState(db, "secret").bind(GROUP, "h")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    db = state_db("fresh")
    assert upgrade(db) is False
    with db.read() as conn:
        assert {r[0] for r in conn.exec_driver_sql("SELECT version_num FROM alembic_version")} == head_revisions()


def test_a_state_file_from_before_migrations_is_adopted_with_its_bindings(tmp_path: Path) -> None:
    path = tmp_path / "data" / STATE_FILE
    path.parent.mkdir()
    salt = "ab" * 32
    with sqlite3.connect(path) as conn:  # what the hand-written state layer wrote
        conn.executescript(PRE_MIGRATION_SCHEMA)
        conn.execute("INSERT INTO meta VALUES ('salt', ?)", (salt,))
        key = hmac.new(bytes.fromhex(salt), GROUP.encode(), hashlib.sha256).hexdigest()
        conn.execute("INSERT INTO groups (group_key, house_id, bound_at) VALUES (?, 'hakka-house', 1.0)", (key,))
        conn.execute("INSERT INTO unanswered (group_key, house_id, text, asked_at) VALUES (?, 'hakka-house', "
                     "'Where is the onsen?', ?)", (key, time.time()))
        conn.execute("INSERT INTO daily_counts VALUES ('2026-11-24', 'hakka-house', 5, 1)")
    state = BotState(open_database(database_url("", tmp_path / "data")), "secret")
    binding = state.binding(GROUP)
    assert binding is not None and binding.house_id == "hakka-house"
    assert [q.text for q in state.unanswered(30)] == ["Where is the onsen?"]
    stats = state.stats(7, "2026-11-24")
    assert (stats.asked, stats.abstained) == (5, 1)
    assert current_revisions(state.db) == head_revisions()


def test_the_state_file_and_its_folder_are_private(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    (data / STATE_FILE).touch(mode=0o644)
    db = database_for(Settings(data=data))
    BotState(db, "secret").bind(GROUP, "h")  # a write creates the -wal and -shm files
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in data.iterdir()}
    assert modes and set(modes.values()) == {0o600}, modes
    assert os.access(data / STATE_FILE, os.R_OK)


def test_the_state_url_setting_selects_postgresql_with_psycopg() -> None:
    settings = Settings.from_env({"CONCIERGE_STATE_URL": "postgresql://bot:pw@db:5432/concierge"})
    url = database_url(settings.state_url, settings.data_dir)
    assert (url.drivername, url.host, url.database) == ("postgresql+psycopg", "db", "concierge")
    assert database_url("", Path("/var/lib/x")).database == f"/var/lib/x/{STATE_FILE}"


def test_an_unsupported_state_url_is_a_clear_error() -> None:
    with pytest.raises(StateError, match="must be postgresql://"):
        database_url("mysql://u@h/db", Path("/tmp"))


def test_an_unreachable_postgresql_is_reported_as_unavailable_after_one_retry() -> None:
    from pgserver import free_port

    with pytest.raises(StateUnavailable, match="unavailable"):
        open_database(database_url(f"postgresql://postgres@127.0.0.1:{free_port()}/none", Path("/tmp")))


def test_a_postgresql_restart_does_not_break_later_calls(postgres: PostgresServer) -> None:
    db = open_database(database_url(postgres.url(postgres.create_database()), Path("/tmp")))
    try:
        state = BotState(db, "secret")
        state.bind(GROUP, "before")
        for _ in range(3):  # fill the pool with connections the restart will break
            assert state.binding(GROUP) is not None
        postgres.restart()
        state.bind(GROUP, "after")
        binding = state.binding(GROUP)
        assert binding is not None and binding.house_id == "after"
    finally:
        db.dispose()


def test_a_stopped_postgresql_gives_unavailable_and_service_resumes_when_it_is_back(
        postgres: PostgresServer) -> None:
    db = open_database(database_url(postgres.url(postgres.create_database()), Path("/tmp")))
    try:
        state = BotState(db, "secret")
        postgres.stop()
        try:
            with pytest.raises(StateUnavailable):
                state.bind(GROUP, "h")
        finally:
            postgres.start()
        state.bind(GROUP, "h")
        assert state.binding(GROUP) is not None
    finally:
        db.dispose()
