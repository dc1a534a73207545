"""``concierge line ...``: the staff's LINE tools (bind codes, the morning message for cron).

Registered by ``bot.cli`` as the ``line`` group. Each command builds its own settings from
the environment (plus the folder options below) and maps domain errors to ClickException.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import click

from bot.config import ConfigError, Settings
from bot.line.state import BotState, StateError

_folder = click.Path(file_okay=False, path_type=Path)


def _folder_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--knowledge/--store/--data, each defaulting to its environment variable."""
    func = click.option("--data", type=_folder, envvar="CONCIERGE_DATA",
                        help="Bot state folder (bindings, question log).")(func)
    func = click.option("--store", type=_folder, envvar="CONCIERGE_STORE", help="Index folder.")(func)
    func = click.option("--knowledge", type=_folder, envvar="CONCIERGE_KNOWLEDGE",
                        help="Knowledge folder.")(func)
    return func


def _settings(knowledge: Path | None, store: Path | None, data: Path | None) -> Settings:
    try:
        return Settings.from_env(knowledge=knowledge, store=store, data=data)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def _state(settings: Settings) -> BotState:
    try:
        return BotState.open(settings)
    except StateError as exc:
        raise click.ClickException(str(exc)) from None


@click.group("line")
def line() -> None:
    """LINE group-chat tools: bind codes and the morning message."""


@line.command("bind-code")
@click.argument("house_id")
@click.option("--ttl-hours", type=click.IntRange(1, 24 * 30), default=72, show_default=True,
              help="How long the code can be used.")
@_folder_options
def bind_code(house_id: str, ttl_hours: int, knowledge: Path | None, store: Path | None,
              data: Path | None) -> None:
    """Print a one-time code that links a LINE group to HOUSE_ID.

    Someone in the group then posts "bind CODE", mentioning the bot. Only the code goes to
    stdout, so scripts can capture it; the instructions go to stderr.
    """
    from ingest.knowledge import load_knowledge
    from ingest.problems import KnowledgeError

    settings = _settings(knowledge, store, data)
    try:
        model, _problems = load_knowledge(settings.knowledge)
    except KnowledgeError as exc:
        raise click.ClickException(str(exc)) from None
    if house_id not in model.houses:
        known = ", ".join(sorted(model.houses)) or "none"
        raise click.ClickException(f"unknown house {house_id!r} (known houses: {known})")
    code = _state(settings).issue_bind_code(house_id, timedelta(hours=ttl_hours))
    click.echo(code)
    click.echo(
        f'In the stay\'s LINE group, post "bind {code}" mentioning the bot. '
        f"The code works once, within {ttl_hours} hours.",
        err=True,
    )


@line.command("morning")
@_folder_options
def morning(knowledge: Path | None, store: Path | None, data: Path | None) -> None:
    """Send today's morning message now to every opted-in group (for cron).

    Also applies the retention (old questions, dedupe ids, expired codes are deleted).

    Safe to run more than once a day, and next to the in-app scheduler: each group gets the
    message at most once a day. Set CONCIERGE_MORNING_TIME=off when cron is the scheduler.
    Exits 1 when a push failed.
    """
    from bot.engine.engine import Engine
    from bot.line.client import LineClient
    from bot.line.morning import daily_run

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = _settings(knowledge, store, data)
    if not settings.line_channel_secret or not settings.line_channel_access_token:
        raise click.ClickException("LINE_CHANNEL_SECRET and LINE_CHANNEL_ACCESS_TOKEN must be set")
    state = _state(settings)
    engine = Engine.open(settings.engine_config())
    client = LineClient(settings)
    try:
        tz = engine.houses.timezone
        report = daily_run(engine, state, client, datetime.now(tz), settings.question_log_days)
    finally:
        client.close()
    click.echo(report.summary())
    if report.failed:
        raise SystemExit(1)
