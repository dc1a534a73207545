"""`concierge`: the one front door (ingest, validate, ask, chat, eval, serve, line, alexa, staff).

Each command parses options, builds the core object and turns domain errors (invalid
knowledge, unknown house, bad settings) into a clear message and a non-zero exit status,
never a traceback.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from bot.config import ConfigError, Settings, log_settings

if TYPE_CHECKING:
    from bot.backup import Report
    from bot.engine.engine import Engine

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
F = TypeVar("F", bound=Callable[..., Any])


def _fail(message: str) -> click.ClickException:
    return click.ClickException(message)


def knowledge_options(f: F) -> F:
    f = click.option("--store", type=click.Path(file_okay=False, path_type=Path), default=None,
                     help="Index folder (default: CONCIERGE_STORE, else "
                          "<knowledge parent>/.concierge-store/<name>).")(f)
    f = click.option("--knowledge", type=click.Path(file_okay=False, path_type=Path), default=None,
                     help="Knowledge folder (default: CONCIERGE_KNOWLEDGE, else the bundled sample).")(f)
    return f


def settings_from(knowledge: Path | None, store: Path | None, **extra: Any) -> Settings:
    try:
        s = Settings.from_env(knowledge=knowledge, store=store, **extra)
    except ConfigError as exc:
        raise _fail(str(exc)) from None
    if not Path(s.knowledge).is_dir():
        raise _fail(f"knowledge folder not found: {s.knowledge}")
    return s


def open_engine(settings: Settings) -> Engine:
    from bot.engine.engine import Engine
    from bot.retrieval.generate import LLMConfigError
    from ingest.problems import KnowledgeError
    from ingest.retrieval.embeddings import EmbeddingError

    try:
        return Engine.open(settings.engine_config())
    except KnowledgeError as exc:
        raise _fail("the knowledge folder is invalid and no previous index exists:\n" + str(exc)) from None
    except (EmbeddingError, LLMConfigError) as exc:
        raise _fail(str(exc)) from None


def parse_now(value: str | None, tz: Any = None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise _fail(f"--now {value!r} is not an ISO 8601 date-time (e.g. 2026-12-03T19:00:00+09:00)") from None


class LazyGroup(click.Group):
    """A group whose subcommand groups are imported when used (click's lazy-loading
    pattern, with plain import statements in loader functions): ``concierge ask`` need not
    import Flask and the LINE and Alexa SDKs."""

    def __init__(self, *args: Any, lazy: dict[str, Callable[[], click.Command]] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.lazy = lazy or {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.lazy])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        loader = self.lazy.get(cmd_name)
        return loader() if loader is not None else super().get_command(ctx, cmd_name)


def _serve() -> click.Command:
    from bot.serve import serve

    return serve


def _line() -> click.Command:
    from bot.line.cli import line

    return line


def _alexa() -> click.Command:
    from skills.alexa.cli import alexa

    return alexa


def _staff() -> click.Command:
    from bot.web.staff.cli import staff

    return staff


def _state() -> click.Command:
    from bot.state.cli import state

    return state


# serve, line, alexa, staff and state live with their own modules.
@click.group(cls=LazyGroup, lazy={"serve": _serve, "line": _line, "alexa": _alexa, "staff": _staff, "state": _state})
@click.option("-v", "--verbose", is_flag=True, help="Log progress to stderr.")
def cli(verbose: bool) -> None:
    """stay-concierge: answers stayers' questions from the house's knowledge folder."""
    from bot.observability.logs import configure_logging

    fmt, level = log_settings()
    # Commands print their results; their own logs show from WARNING unless -v or a level is set.
    configure_logging(fmt, "info" if verbose else ("warning" if level == "info" else level))


@cli.command()
@knowledge_options
def validate(knowledge: Path | None, store: Path | None) -> None:
    """Check every file of the knowledge folder; print problems as path:line: message,
    then warnings (unfilled template lines, assumed languages), files it does not read,
    and each file's language."""
    from ingest.problems import KnowledgeError
    from ingest.validate import scan_knowledge

    s = settings_from(knowledge, store)
    try:
        scan = scan_knowledge(s.knowledge)
    except KnowledgeError as exc:
        for p in exc.problems:
            click.echo(str(p))
        raise SystemExit(1) from None
    for p in scan.problems:
        click.echo(str(p))
    for w in scan.warnings:
        click.echo(f"{w.path}:{w.line}: warning: {w.message}")
    for n in scan.notices:  # "memo.txt: ignored": staff expect every file they drop to count
        click.echo(f"notice: {n}")
    for d in scan.decisions:
        click.echo(f"language: {d}")
    if scan.problems:
        raise SystemExit(1)
    click.echo(f"ok: {s.knowledge}")


@cli.command()
@knowledge_options
def ingest(knowledge: Path | None, store: Path | None) -> None:
    """Validate, then embed what changed into the index (the old index serves on failure)."""
    from bot.engine.engine import run_ingest
    from ingest.retrieval.embeddings import EmbeddingError, make_embeddings

    s = settings_from(knowledge, store)
    try:
        emb = make_embeddings(s.embedding)
    except EmbeddingError as exc:
        raise _fail(str(exc)) from None
    report = run_ingest(s.engine_config(), emb)
    for n in report.notices:
        click.echo(f"notice: {n}", err=True)
    if not report.ok:
        for p in report.problems:
            click.echo(str(p), err=True)
        raise _fail(f"{len(report.problems)} problem(s); nothing was changed, the previous index keeps serving")
    click.echo(report.summary())
    click.echo(f"store: {s.store_dir}")


def _answer_json(engine: Engine, text: str, house: str | None, now: datetime | None) -> dict[str, Any]:
    from bot.engine.contract import Question
    from ingest.knowledge import UnknownHouse

    try:
        now = now or datetime.now(engine.timezone)
        return engine.answer(Question(text=text, house_id=house or "", now=now)).to_json()
    except UnknownHouse as exc:
        raise _fail(str(exc)) from None


@cli.command()
@click.argument("question", required=False)
@knowledge_options
@click.option("--house", default=None, help="House id (default: CONCIERGE_DEFAULT_HOUSE or site.yaml's default_house).")
@click.option("--now", default=None, help="ISO 8601 moment of the question (default: now).")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
@click.option("--batch", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help='JSONL file of {"id","q","house","now"}; writes one JSON answer per line.')
def ask(question: str | None, knowledge: Path | None, store: Path | None, house: str | None,
        now: str | None, as_json: bool, batch: Path | None) -> None:
    """Answer one QUESTION (or a --batch file), as a stayer would be answered."""
    if batch is None and question is None:
        raise _fail("give a QUESTION or --batch FILE")
    s = settings_from(knowledge, store)
    engine = open_engine(s)
    if batch is not None:
        _ask_batch(engine, batch, house, parse_now(now))
        return
    out = _answer_json(engine, question or "", house, parse_now(now))
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False))
        return
    click.echo(out["answer"])
    for src in out["sources"][:1]:
        click.echo(f"  ({src['path']} › {src['heading']}, confidence {out['confidence']:.2f})")


def _ask_batch(engine: Engine, path: Path, house: str | None, now: datetime | None) -> None:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(f"cannot read {path}: {exc}") from None
    failed = 0
    for n, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            item = json.loads(raw)
            q_now = parse_now(item.get("now")) if item.get("now") else now
            out = {"id": item.get("id"), **_answer_json(engine, str(item["q"]), item.get("house") or house, q_now)}
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            failed += 1
            out = {"id": None, "error": f"{path}:{n}: expected a JSON object with \"q\" ({exc.__class__.__name__})"}
        except click.ClickException as exc:
            failed += 1
            out = {"id": item.get("id") if isinstance(item, dict) else None, "error": f"{path}:{n}: {exc.message}"}
        click.echo(json.dumps(out, ensure_ascii=False))
    if failed:
        raise SystemExit(1)


@cli.command()
@knowledge_options
@click.option("--house", default=None, help="House id.")
def chat(knowledge: Path | None, store: Path | None, house: str | None) -> None:
    """A terminal chat, for trying the concierge without LINE or Alexa."""
    s = settings_from(knowledge, store)
    engine = open_engine(s)
    h = engine.house(house) if house else engine.house(None)
    click.echo(f"stay-concierge: {h.name_in('ja')} ({h.id}). Ask anything; empty line or Ctrl-D to quit.")
    while True:
        try:
            line = input("> ")
        except (EOFError, KeyboardInterrupt):
            click.echo()
            break
        if not line.strip():
            break
        out = _answer_json(engine, line, h.id, None)
        click.echo(out["answer"])
        if out["sources"]:
            click.echo(click.style(f"  [{out['sources'][0]['path']} › {out['sources'][0]['heading']}]", dim=True))


@cli.command("eval")
@click.option("--questions", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="JSONL questions (schema of ../shared/eval/questions.dev.jsonl).")
@knowledge_options
@click.option("--kinds", default="", help="Comma-separated kinds to score (default: all).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--show-failures", is_flag=True, help="Print each failing question and answer.")
def eval_cmd(questions: Path, knowledge: Path | None, store: Path | None, kinds: str, as_json: bool,
             show_failures: bool) -> None:
    """Score answers: hit@1/hit@3/MRR, fact accuracy, abstain P/R, leaks; per kind and language."""
    from bot.evaluation import format_table, load_questions, run_eval, summarize

    try:
        items = load_questions(questions)
    except (OSError, ValueError) as exc:
        raise _fail(str(exc)) from None
    s = settings_from(knowledge, store)
    engine = open_engine(s)
    rows = run_eval(engine, items)
    summary = summarize(rows, {k for k in kinds.split(",") if k} or None)
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False, indent=1))
    else:
        click.echo(format_table(summary))
    if show_failures:
        by_id = {r.id: r for r in rows}
        for fid in summary["failures"]:
            r = by_id[fid]
            click.echo(f"\n--- {r.id} [{r.kind}/{r.lang}] {r.q}\n expect {r.expect}\n rank {r.rank} "
                       f"abstained={r.answer['abstained']} conf={r.answer['confidence']}\n "
                       f"top={r.ranked[:3]}\n answer: {r.answer['answer'][:300]}")


@cli.command("backup")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@knowledge_options
def backup_cmd(folder: Path, knowledge: Path | None, store: Path | None) -> None:
    """Save the knowledge folder, the published snapshot and the state database in FOLDER."""
    from bot.backup import BackupError, backup

    try:
        report = backup(settings_from(knowledge, store), folder)
    except BackupError as exc:
        raise _fail(str(exc)) from None
    _echo_parts(report)
    click.echo(f"backup: {report.folder}")


def _echo_parts(report: Report) -> None:
    """What a backup or restore put where (stdout), and its notes (stderr)."""
    for part, where in report.parts.items():
        click.echo(f"{part}: {where}")
    for note in report.notes:
        click.echo(f"note: {note}", err=True)


@cli.command("restore")
@click.argument("folder", type=click.Path(file_okay=False, exists=True, path_type=Path))
@knowledge_options
@click.option("--force", is_flag=True, help="Replace folders that are not empty.")
def restore_cmd(folder: Path, knowledge: Path | None, store: Path | None, force: bool) -> None:
    """Put a backup made by `concierge backup` where the settings say (an empty machine)."""
    from bot.backup import BackupError, restore

    try:
        s = Settings.from_env(knowledge=knowledge, store=store)
    except ConfigError as exc:
        raise _fail(str(exc)) from None
    try:
        report = restore(s, folder, force=force)
    except BackupError as exc:
        raise _fail(str(exc)) from None
    _echo_parts(report)


def main() -> None:
    try:
        cli(prog_name="concierge")
    except ConfigError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
