"""The one SQLAlchemy ``MetaData`` every state table is declared on, and the tables every
channel shares.

Tables live beside the code that owns them (``bot/state/questions.py`` for the question log,
``bot/line/tables.py`` for LINE's) but all on :data:`metadata`, so that one alembic history
(``bot/state/migrations``) creates them and a test can compare the migrated database with
the declared tables. To add tables (e.g. the staff console's): declare them on
:data:`metadata` in your own module, import that module in ``bot/state/migrations/env.py``
(for ``alembic revision --autogenerate``) and in tests/test_state_schema.py, and add a
migration under ``bot/state/migrations/versions``.

Column conventions: times are Unix seconds as ``Float`` (one clock for SQLite and
PostgreSQL, compared across processes and hosts); days are ISO ``YYYY-MM-DD`` strings in
the site's time zone; no column holds a LINE user id, display name or raw group id.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy import Column, MetaData, Table, Text, select

if TYPE_CHECKING:
    from bot.state.db import Database

#: Constraint names are fixed by convention so that migrations can refer to them on both
#: SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

#: Installation-wide values (e.g. the salt of group hashes). Keys are fixed strings.
meta = Table(
    "meta",
    metadata,
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),
)


def meta_value(db: Database, key: str, make: Callable[[], str]) -> str:
    """The installation's value for ``key``, created with ``make()`` by whoever asks first."""
    with db.write() as conn:
        row = conn.execute(select(meta.c.value).where(meta.c.key == key)).first()
        if row is not None:
            return str(row[0])
        value = make()
        conn.execute(db.insert(meta).values(key=key, value=value).on_conflict_do_nothing())
        return str(conn.execute(select(meta.c.value).where(meta.c.key == key)).scalar_one())
