"""Fixtures that give a test a fresh state database on SQLite and on a real PostgreSQL 15.

Import them into a test module (``from statedb import postgres, state_db  # noqa: F401``);
a test taking ``state_db`` then runs once per backend. ``state_db(name)`` opens (and
migrates) the database called ``name`` for this test: the same name twice gives two
independent connections to one database, as two processes would have.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pgserver import PostgresServer, find_bindir
from sqlalchemy import inspect, select, text

from bot.state import Database, metadata, open_database
from bot.state.db import STATE_FILE, database_url

BACKENDS = ["sqlite", "postgresql"]
OpenState = Callable[..., Database]


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    bindir = find_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL binaries not found under /usr/lib/postgresql/*/bin "
                    "(scripts/test.sh installs the postgresql package)")
    with PostgresServer(bindir) as server:
        yield server


@pytest.fixture(params=BACKENDS)
def state_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OpenState]:
    opened: list[Database] = []
    names: dict[str, str] = {}

    def open_state(name: str = "main", *, migrate: bool = True) -> Database:
        if request.param == "sqlite":
            url = database_url("", tmp_path / name)
        else:
            pg: PostgresServer = request.getfixturevalue("postgres")
            if name not in names:
                names[name] = pg.create_database()
            url = database_url(pg.url(names[name]), tmp_path)
        db = open_database(url, migrate=migrate)
        opened.append(db)
        return db

    open_state.backend = request.param  # type: ignore[attr-defined]
    yield open_state
    for db in opened:
        db.dispose()


def dump(db: Database) -> str:
    """Every row of every table as text (a portable ``iterdump``), to look for leaked ids."""
    lines = []
    with db.read() as conn:
        for name in inspect(conn).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{name}"')):
                lines.append(f"{name}: {tuple(row)}")
    return "\n".join(lines)


def count(db: Database, table: str, **where: object) -> int:
    t = metadata.tables[table]
    query = select(t)
    for column, value in where.items():
        query = query.where(t.c[column] == value)
    with db.read() as conn:
        return len(conn.execute(query).all())


__all__ = ["BACKENDS", "STATE_FILE", "OpenState", "count", "dump", "postgres", "state_db"]
