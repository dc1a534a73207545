"""Drafts: edits that failed validation, kept in the state database and never published.

A draft lives outside the knowledge folder, so ingest cannot see it; the editor opens the
draft (with its problems) instead of the file until it is saved valid or discarded.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, select

from bot.state import Database
from bot.web.staff.tables import staff_drafts


@dataclass(frozen=True)
class Draft:
    path: str
    content: str
    problems: list[str]
    actor: str
    at: float


class Drafts:
    def __init__(self, db: Database, *, clock: Callable[[], float] = time.time):
        self.db = db
        self._clock = clock

    def save(self, path: str, content: str, problems: list[str], actor: str) -> None:
        ins = self.db.insert(staff_drafts).values(path=path, content=content, problems="\n".join(problems),
                                                  actor=actor, at=self._clock())
        with self.db.write() as conn:
            conn.execute(ins.on_conflict_do_update(index_elements=[staff_drafts.c.path], set_={
                "content": ins.excluded.content, "problems": ins.excluded.problems,
                "actor": ins.excluded.actor, "at": ins.excluded.at}))

    def get(self, path: str) -> Draft | None:
        d = staff_drafts.c
        with self.db.read() as conn:
            row = conn.execute(select(d.path, d.content, d.problems, d.actor, d.at).where(d.path == path)).first()
        return _draft(row) if row else None

    def all(self) -> list[Draft]:
        d = staff_drafts.c
        with self.db.read() as conn:
            rows = conn.execute(select(d.path, d.content, d.problems, d.actor, d.at).order_by(d.path)).all()
        return [_draft(r) for r in rows]

    def discard(self, path: str) -> bool:
        with self.db.write() as conn:
            return conn.execute(delete(staff_drafts).where(staff_drafts.c.path == path)).rowcount > 0

    def move(self, path: str, new_path: str) -> None:
        draft = self.get(path)
        if draft is not None:
            self.discard(path)
            self.save(new_path, draft.content, draft.problems, draft.actor)


def _draft(row: tuple) -> Draft:  # type: ignore[type-arg]
    return Draft(row[0], row[1], [p for p in row[2].split("\n") if p], row[3], float(row[4]))
