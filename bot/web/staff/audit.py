"""The audit log: who changed, published or forgot what, and when (shown to admins)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from bot.state import Database
from bot.web.staff.tables import staff_audit


@dataclass(frozen=True)
class AuditEntry:
    at: float
    actor: str
    action: str
    target: str
    detail: str


class AuditLog:
    def __init__(self, db: Database, *, clock: Callable[[], float] = time.time):
        self.db = db
        self._clock = clock

    def record(self, actor: str, action: str, target: str = "", detail: str = "") -> None:
        with self.db.write() as conn:
            conn.execute(staff_audit.insert().values(at=self._clock(), actor=actor, action=action,
                                                     target=target[:500], detail=detail[:2000]))

    def recent(self, limit: int = 200, action: str | None = None) -> list[AuditEntry]:
        a = staff_audit.c
        query = select(a.at, a.actor, a.action, a.target, a.detail).order_by(a.at.desc(), a.id.desc()).limit(limit)
        if action:
            query = query.where(a.action == action)
        with self.db.read() as conn:
            return [AuditEntry(float(r[0]), r[1], r[2], r[3], r[4]) for r in conn.execute(query)]
