"""``concierge staff add|list|remove|password``: console accounts from the command line.

The first account is made here (the console has no sign-up page). Passwords are read from
standard input with ``--password-stdin`` (first line) or asked for twice without echo;
they never appear in the process list or the shell history.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import click

from bot.config import ConfigError, Settings
from bot.state import StateError
from bot.web.staff.accounts import ROLES, AccountError, Accounts, parse_houses
from bot.web.staff.audit import AuditLog


def _open() -> tuple[Settings, Accounts, AuditLog]:
    from bot.state import database_for

    try:
        settings = Settings.from_env()
        db = database_for(settings)
    except (ConfigError, StateError) as exc:
        raise click.ClickException(str(exc)) from None
    return settings, Accounts(db), AuditLog(db)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    value: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return value


def _known_houses(settings: Settings) -> set[str]:
    from ingest.knowledge import load_knowledge

    knowledge, _ = load_knowledge(settings.knowledge)
    return set(knowledge.houses)


@click.group("staff")
def staff() -> None:
    """Staff console accounts (the console is served under /staff/ by `concierge serve`)."""


@staff.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), default=None,
              help="admin (also manages accounts) or staff; default: admin for the first account, else staff.")
@click.option("--houses", default="", help="Comma-separated house ids this account is limited to (default: all).")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
def add(name: str, role: str | None, houses: str, password_stdin: bool) -> None:
    """Create the account NAME."""
    settings, accounts, audit = _open()
    wanted = parse_houses(houses)
    unknown = sorted(set(wanted) - _known_houses(settings))
    if unknown:
        raise click.ClickException(f"unknown house(s): {', '.join(unknown)}")
    if accounts.get(name) is not None:
        raise click.ClickException(f"an account named {name!r} already exists")
    role = role or ("admin" if not accounts.list() else "staff")
    try:
        account = accounts.add(name, _password(password_stdin), role, wanted)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    audit.record("cli", "account_add", account.name, role)
    scope = ", ".join(account.houses) if account.houses else "all houses"
    click.echo(f"added {account.name} ({account.role}, {scope})")


@staff.command("list")
def list_accounts() -> None:
    """List the accounts: name, role, houses, created."""
    _, accounts, _ = _open()
    rows = accounts.list()
    if not rows:
        click.echo("no accounts yet: concierge staff add NAME --role admin")
        return
    for a in rows:
        created = datetime.fromtimestamp(a.created_at, UTC).strftime("%Y-%m-%d")
        click.echo(f"{a.name}\t{a.role}\t{','.join(a.houses) or '*'}\t{created}")


@staff.command("remove")
@click.argument("name")
def remove(name: str) -> None:
    """Remove the account NAME (its open sessions end at once)."""
    _, accounts, audit = _open()
    if not accounts.remove(name):
        raise click.ClickException(f"no account named {name!r}")
    audit.record("cli", "account_remove", name)
    click.echo(f"removed {name}")


@staff.command("password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
def password(name: str, password_stdin: bool) -> None:
    """Set a new password for NAME (its open sessions end)."""
    _, accounts, audit = _open()
    if accounts.get(name) is None:
        raise click.ClickException(f"no account named {name!r}")
    try:
        accounts.set_password(name, _password(password_stdin))
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    audit.record("cli", "password_reset", name)
    click.echo(f"password of {name} changed")
