"""The question log shared by every channel: counts per day and house, and the text of the
questions the engine could not answer (for staff, to find what the knowledge is missing).

Privacy: a question's text is kept only when the engine abstained, for
``settings.question_log_days``; it is tied to a chat only through an opaque ``group_key``
(LINE's salted group hash) so that a group leaving deletes its questions. No user id, name
or raw chat id is ever stored here.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Column, Connection, Float, Index, Integer, Table, Text, delete, func, select

from bot.state.db import Database
from bot.state.schema import metadata

unanswered_table = Table(
    "unanswered",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("group_key", Text),
    Column("house_id", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("asked_at", Float, nullable=False),
    Index("unanswered_asked", "asked_at"),
)

daily_counts = Table(
    "daily_counts",
    metadata,
    Column("day", Text, primary_key=True),
    Column("house_id", Text, primary_key=True),
    Column("asked", Integer, nullable=False, server_default="0"),
    Column("abstained", Integer, nullable=False, server_default="0"),
)


@dataclass(frozen=True)
class UnansweredQuestion:
    text: str
    house_id: str
    count: int
    last_asked: float


@dataclass(frozen=True)
class HouseCounts:
    house_id: str
    asked: int
    abstained: int


def first_day(today: str, days: int) -> str:
    return (datetime.fromisoformat(today) - timedelta(days=days - 1)).date().isoformat()


class QuestionLog:
    """Typed access to the question log; one per process, shared by the channels."""

    def __init__(self, db: Database, *, clock: Callable[[], float] = time.time):
        self.db = db
        self._clock = clock

    def record(self, *, house_id: str, day: str, abstained: bool, text: str = "",
               group_key: str | None = None) -> None:
        """Count a question; keep its text only when the engine abstained."""
        with self.db.write() as conn:
            ins = self.db.insert(daily_counts).values(day=day, house_id=house_id, asked=1,
                                                      abstained=1 if abstained else 0)
            conn.execute(ins.on_conflict_do_update(
                index_elements=[daily_counts.c.day, daily_counts.c.house_id],
                set_={"asked": daily_counts.c.asked + 1,
                      "abstained": daily_counts.c.abstained + ins.excluded.abstained},
            ))
            if abstained and text:
                conn.execute(unanswered_table.insert().values(
                    group_key=group_key, house_id=house_id, text=text, asked_at=self._clock()))

    def unanswered(self, days: int, limit: int = 20) -> list[UnansweredQuestion]:
        """Recent abstained questions, the same text counted once, most frequent first."""
        t = unanswered_table
        since = self._clock() - days * 86400
        count = func.count()
        query = (
            select(func.min(t.c.text), t.c.house_id, count, func.max(t.c.asked_at))
            .where(t.c.asked_at >= since)
            .group_by(func.lower(func.trim(t.c.text)), t.c.house_id)
            .order_by(count.desc(), func.max(t.c.asked_at).desc())
            .limit(limit)
        )
        with self.db.read() as conn:
            rows = conn.execute(query).all()
        return [UnansweredQuestion(r[0], r[1], int(r[2]), float(r[3])) for r in rows]

    def counts(self, days: int, today: str) -> list[HouseCounts]:
        c = daily_counts
        query = (
            select(c.c.house_id, func.sum(c.c.asked), func.sum(c.c.abstained))
            .where(c.c.day >= first_day(today, days))
            .group_by(c.c.house_id)
            .order_by(c.c.house_id)
        )
        with self.db.read() as conn:
            return [HouseCounts(r[0], int(r[1]), int(r[2])) for r in conn.execute(query)]

    def logged(self, days: int) -> int:
        """How many question texts are kept from the last ``days`` days."""
        since = self._clock() - days * 86400
        with self.db.read() as conn:
            return int(conn.execute(
                select(func.count()).select_from(unanswered_table).where(unanswered_table.c.asked_at >= since)
            ).scalar_one())

    def forget_group(self, conn: Connection, group_key: str) -> None:
        """Delete a group's questions (inside the caller's transaction, e.g. ``leave``)."""
        conn.execute(delete(unanswered_table).where(unanswered_table.c.group_key == group_key))

    def purge(self, conn: Connection, days: int, today: str) -> None:
        """Drop questions and counts older than the retention (inside the caller's transaction)."""
        conn.execute(delete(unanswered_table).where(unanswered_table.c.asked_at < self._clock() - days * 86400))
        conn.execute(delete(daily_counts).where(daily_counts.c.day < first_day(today, days + 1)))
