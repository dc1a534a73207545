"""Schema migrations with alembic, shipped inside the package and run at start-up.

:func:`upgrade` is what ``concierge serve``, the ``concierge line`` commands and the app
call before using the state; ``concierge state upgrade`` runs it on its own. It is
idempotent (a database at the head revision costs one query) and safe when several
processes start at once: on PostgreSQL the migration holds a transaction-scoped advisory
lock, on SQLite the migration's ``BEGIN IMMEDIATE`` is the lock; whoever comes second finds
the head revision and does nothing.

Each feature adds its own revisions (``bot/state/migrations/versions``), all on one line:
a new revision revises the current single head, whoever writes it
(``tests/test_staff_migrations.py`` fails on a second head). The staff console's first
revision was a branch off ``0001``; ``staff_0002`` merged it back. Upgrading to "heads"
still works for a database that has both of those old heads.

A database made before migrations existed (the hand-written SQLite schema) is adopted by
the first revision, which creates only the tables that are missing.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import exc

from bot.state.db import Database, StateError, StateUnavailable

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: Any constant works; it only has to be the same in every process of an installation.
PG_LOCK_KEY = 72_435_011


def alembic_config(db: Database | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["database"] = db
    return cfg


def head_revisions() -> set[str]:
    """The revisions this version of the code needs: one head per feature branch."""
    heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    assert heads, "no migrations shipped"
    return heads


def current_revisions(db: Database) -> set[str]:
    with db.read() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def describe(revisions: set[str]) -> str:
    return ", ".join(sorted(revisions)) or "empty"


def upgrade(db: Database) -> bool:
    """Bring the schema to every head revision; True when something was migrated."""
    target = head_revisions()
    try:
        if current_revisions(db) == target:
            return False
        cfg = alembic_config(db)
        with db.write() as conn:
            if db.dialect == "postgresql":
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_LOCK_KEY})")
            cfg.attributes["connection"] = conn
            before = set(MigrationContext.configure(conn).get_current_heads())
            if before != target:
                command.upgrade(cfg, "heads")
        if before != target:
            log.info("state database %s migrated from %s to %s", db.describe(), describe(before), describe(target))
        return before != target
    except StateUnavailable:
        raise
    except (exc.SQLAlchemyError, OSError) as err:
        raise StateError(f"cannot migrate the state database {db.describe()}: {err}") from err
