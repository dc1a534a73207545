"""The Questions page: what stayers asked that the bot could not answer well, per house,
and what staff did about each (answered with an FAQ entry, the answer was right, ignore).

The questions come from the shared question log (:class:`bot.state.QuestionLog`); an action
is stored by house and the question's normalised text, so the same question asked again
later is the same question. A question is hidden once acted on, unless it is asked again
after the action.
"""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from bot.state import Database, QuestionLog
from bot.web.staff.tables import staff_question_actions

ACTIONS = ("answered", "right", "ignored")


def text_key(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())


@dataclass(frozen=True)
class LoggedQuestion:
    house_id: str
    text: str
    count: int
    last_asked: float
    kind: str  # abstain | low | down
    answer: str  # the answer given ("" when the log does not keep it)


class QuestionActions:
    def __init__(self, db: Database, *, clock: Callable[[], float] = time.time):
        self.db = db
        self._clock = clock

    def record(self, house_id: str, text: str, action: str, actor: str) -> None:
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}")
        with self.db.write() as conn:
            conn.execute(staff_question_actions.insert().values(house_id=house_id, text_key=text_key(text),
                                                                action=action, actor=actor, at=self._clock()))

    def latest(self) -> dict[tuple[str, str], tuple[str, float]]:
        """(house, text key) -> (last action, when)."""
        a = staff_question_actions.c
        out: dict[tuple[str, str], tuple[str, float]] = {}
        with self.db.read() as conn:
            for house, key, action, at in conn.execute(select(a.house_id, a.text_key, a.action, a.at).order_by(a.at)):
                out[(house, key)] = (action, float(at))
        return out


def logged_questions(log: QuestionLog, days: int, limit: int = 500) -> list[LoggedQuestion]:
    """Every logged question of the last ``days`` days, most asked first."""
    return [LoggedQuestion(q.house_id, q.text, q.count, q.last_asked, "abstain", "")
            for q in log.unanswered(days, limit)]


def open_questions(log: QuestionLog, actions: QuestionActions, days: int,
                   may_see: Callable[[str], bool]) -> list[LoggedQuestion]:
    done = actions.latest()
    out = []
    for q in logged_questions(log, days):
        if not may_see(q.house_id):
            continue
        acted = done.get((q.house_id, text_key(q.text)))
        if acted is not None and acted[1] >= q.last_asked:
            continue
        out.append(q)
    return out
