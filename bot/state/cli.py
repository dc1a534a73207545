"""``concierge state ...``: the state database's own commands (migrations run by themselves at
start-up; these are for operators who want to do it explicitly, e.g. before a rolling upgrade)."""

from __future__ import annotations

import click

from bot.config import ConfigError, Settings
from bot.state import Database, StateError, database_for
from bot.state.db import redacted
from bot.state.migrate import current_revisions, describe, head_revisions, upgrade


def _open(migrate: bool) -> Database:
    try:
        return database_for(Settings.from_env(), migrate=migrate)
    except (ConfigError, StateError) as exc:
        raise click.ClickException(str(exc)) from None


@click.group("state")
def state() -> None:
    """The bot's state database (CONCIERGE_STATE_URL, else SQLite in CONCIERGE_DATA)."""


@state.command("upgrade")
def upgrade_command() -> None:
    """Migrate the state database to the current schema (idempotent)."""
    db = _open(migrate=False)
    try:
        changed = upgrade(db)
        click.echo(f"{redacted(db.url)}: {'migrated to' if changed else 'already at'} "
                   f"{describe(current_revisions(db))}")
    except StateError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        db.dispose()


@state.command("current")
def current_command() -> None:
    """Print the schema revision of the state database and the revision this version needs."""
    db = _open(migrate=False)
    try:
        click.echo(f"{redacted(db.url)}: {describe(current_revisions(db))} "
                   f"(this version: {describe(head_revisions())})")
    except StateError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        db.dispose()
