"""Alembic environment: runs on the connection that :func:`bot.state.migrate.upgrade`
opened (inside its transaction and lock), or on ``sqlalchemy.url`` when alembic's own
command line is used by a developer (``alembic -c bot/state/migrations/alembic.ini ...``).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

# Every module that declares tables, so that ``alembic revision --autogenerate`` sees them.
import bot.line.tables  # noqa: F401
import bot.state.questions  # noqa: F401
import bot.web.staff.tables  # noqa: F401
from bot.state.schema import metadata


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things: batch mode copies the table
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("set sqlalchemy.url (or use `concierge state upgrade`)")
    with create_engine(url).begin() as conn:
        run(conn)
