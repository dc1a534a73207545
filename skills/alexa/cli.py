"""``concierge alexa ...``: the operator's Alexa tools (registered by ``bot.cli``).

``concierge alexa package --endpoint https://HOST/alexa --out DIR`` writes the skill
package ``ask deploy`` uploads (see ``skills.alexa.package``). Errors are one line and
exit with status 2.
"""

from __future__ import annotations

from pathlib import Path

import click

from bot.config import ConfigError, Settings

_folder = click.Path(file_okay=False, path_type=Path)


class _Failure(click.ClickException):
    exit_code = 2


@click.group("alexa")
def alexa() -> None:
    """The Alexa skill: build the package the ASK CLI deploys."""


@alexa.command("package")
@click.option("--endpoint", required=True, metavar="URL",
              help="The skill endpoint Alexa calls: https://<host>/alexa (port 443).")
@click.option("--out", required=True, type=click.Path(path_type=Path), metavar="DIR",
              help="Folder to write ask-resources.json and skill-package/ into (created if missing).")
@click.option("--certificate", type=click.Choice(["trusted", "wildcard", "self-signed"]),
              default="trusted", show_default=True,
              help="The endpoint's TLS certificate: from a trusted CA for the host, a wildcard one, "
                   "or self-signed (development only).")
@click.option("--knowledge", type=_folder, default=None,
              help="Knowledge folder whose GTFS stops become bus destinations "
                   "(default: CONCIERGE_KNOWLEDGE, else the bundled sample).")
@click.option("--store", type=_folder, default=None,
              help="Index folder, accepted like the other commands; the package reads the feeds "
                   "themselves and leaves the index alone.")
def package(endpoint: str, out: Path, certificate: str, knowledge: Path | None, store: Path | None) -> None:
    """Write the skill package for `ask deploy` (ASK CLI v2) into DIR.

    Then: cd DIR && ask deploy.
    """
    from skills.alexa.package import PackageError, build_package

    try:
        settings = Settings.from_env(knowledge=knowledge, store=store)
    except ConfigError as exc:
        raise _Failure(str(exc)) from None
    cert = {"trusted": "Trusted", "wildcard": "Wildcard", "self-signed": "SelfSigned"}[certificate]
    try:
        report = build_package(Path(settings.knowledge), endpoint, out, cert)
    except PackageError as exc:
        raise _Failure(str(exc)) from None
    for notice in report.notices:
        click.echo(f"notice: {notice}", err=True)
    click.echo(report.summary())
    click.echo(f"next: cd {out} && ask deploy", err=True)
