"""The state database's migrations form one line: whoever adds a revision (the state, LINE
or staff console engineer) revises the single head, so alembic never sees two heads.
Databases made while the staff console's first revision was a branch are brought onto it."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from bot.state import open_database
from bot.state.db import database_url
from bot.state.migrate import MIGRATIONS, alembic_config, current_revisions, head_revisions, upgrade


def test_alembic_sees_a_single_head() -> None:
    heads = head_revisions()
    assert len(heads) == 1, (
        f"the migrations have {len(heads)} heads ({', '.join(sorted(heads))}): a new revision must revise the "
        "current head (down_revision = the revision nothing else revises yet)")


def test_every_shipped_revision_is_on_the_line_to_the_head() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    on_line = {r.revision for r in script.walk_revisions()}
    files = {p.name for p in (MIGRATIONS / "versions").glob("*.py") if p.name != "__init__.py"}
    assert len(on_line) == len(files)
    [head] = head_revisions()
    assert on_line == {r.revision for r in script.iterate_revisions(head, "base")}


def test_a_database_migrated_while_the_staff_revision_was_a_branch_is_brought_to_the_head(tmp_path: Path) -> None:
    db = open_database(database_url("", tmp_path), migrate=False)
    cfg = alembic_config(db)
    with db.write() as conn:  # both heads as they stood before the line was joined
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0004")
        command.upgrade(cfg, "staff_0001")
    assert current_revisions(db) == {"0004", "staff_0001"}
    assert upgrade(db) is True
    assert current_revisions(db) == head_revisions()
    with db.read() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("question_log")}
    assert {"answer", "feedback", "feedback_at"} <= columns
    db.dispose()
