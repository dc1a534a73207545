"""The Questions page: what stayers asked that the bot could not answer well, per house,
and what staff did about each (answered with an FAQ entry, the answer was right, ignore).

The questions come from the shared question log (``bot.state.questions.question_log``):
abstained and low-confidence answers, and answers a stayer turned down with 👎 on LINE,
each with the answer given and when; nothing about who asked. An action
is stored by house and the question's normalised text, so the same question asked again
later is the same question. A question is hidden once acted on, unless it is asked again
(or turned down again) after the action.
"""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace

from sqlalchemy import or_, select

from bot.state import Database
from bot.state.questions import ABSTAINED, DOWN, KEPT, question_log
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
    answer: str  # the answer given (the latest of that kind; "" for rows logged before it was kept)
    last_event: float = 0.0  # the latest ask or 👎: an action taken before it does not hide the row

    @property
    def changed_at(self) -> float:
        return max(self.last_asked, self.last_event)


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


#: Kinds in the order one wins over another when the same question was logged several times.
_RANK = {"down": 0, "abstain": 1, "low": 2}
#: Rows read per page view (the log holds ``question_log_days`` of abstained, unsure and 👎 answers).
MAX_ROWS = 5000


def _kind(outcome: str, feedback: str | None) -> str:
    if feedback == DOWN:
        return "down"
    return "abstain" if outcome == ABSTAINED else "low"


def logged_questions(days: int, db: Database, limit: int = 500, *, now: float | None = None) -> list[LoggedQuestion]:
    """Every question of the last ``days`` days that got "I don't know", an unsure answer or
    a 👎, the same text in a house counted once, most asked first."""
    t = question_log.c
    since = (time.time() if now is None else now) - days * 86400
    query = (select(t.house_id, t.text, t.outcome, t.answer, t.asked_at, t.feedback, t.feedback_at)
             .where(t.asked_at >= since, or_(t.outcome.in_(KEPT), t.feedback == DOWN))
             .order_by(t.asked_at.desc()).limit(MAX_ROWS))
    with db.read() as conn:
        rows = conn.execute(query).all()
    groups: dict[tuple[str, str], LoggedQuestion] = {}
    for house, text, outcome, answer, asked_at, feedback, feedback_at in rows:  # newest first
        kind = _kind(outcome, feedback)
        event = max(float(asked_at), float(feedback_at or 0.0))
        key = (house, text_key(text))
        seen = groups.get(key)
        if seen is None:
            groups[key] = LoggedQuestion(house, text, 1, float(asked_at), kind, answer or "", event)
            continue
        seen = replace(seen, count=seen.count + 1, last_event=max(seen.last_event, event))
        if _RANK[kind] < _RANK[seen.kind]:  # e.g. an older 👎 outranks a newer unsure answer
            seen = replace(seen, kind=kind, answer=answer or "")
        groups[key] = seen
    ranked = sorted(groups.values(), key=lambda q: (-q.count, -q.changed_at))
    return ranked[:limit]


def open_questions(db: Database, actions: QuestionActions, days: int,
                   may_see: Callable[[str], bool]) -> list[LoggedQuestion]:
    """The questions still waiting for staff: an action hides a question until it is asked
    (or turned down) again after the action."""
    done = actions.latest()
    out = []
    for q in logged_questions(days, db):
        if not may_see(q.house_id):
            continue
        acted = done.get((q.house_id, text_key(q.text)))
        if acted is not None and acted[1] >= q.changed_at:
            continue
        out.append(q)
    return out
