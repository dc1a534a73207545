"""The question log shared by every channel (LINE, Alexa, the staff console reads it): what
staff need to find wrong answers.

* **Every answer is counted** per day, house, channel, intent and outcome
  (``answer_counts``): :data:`ANSWERED`, :data:`LOW_CONFIDENCE`, :data:`ABSTAINED`,
  :data:`UNAVAILABLE` (a dependency was down: the engine's ``unavailable`` intent) or
  :data:`ERROR` (the channel caught an exception).
* **The question's text is kept** (``question_log``) only for abstentions and
  low-confidence answers, the ones a person should look at: an answer is low-confidence
  when the engine's ``Answer.confidence`` is below :data:`LOW_CONFIDENCE_BELOW`. An
  ``unavailable`` answer is never filed: the knowledge was not at fault.
* **A 👍/👎 on an answer** (LINE's quick replies under answers from the documents): such an
  answer is kept with its text and the answer given (``rateable``), so that the postback,
  which carries only the row's id, can reach it. A 👎 files it for staff like an abstention;
  one that got no 👎 is dropped after :data:`FEEDBACK_WINDOW_SECONDS`.

Privacy: texts are purged after ``settings.question_log_days``; a text is tied to a chat
only through an opaque ``group_key`` (LINE's salted group hash) so that a group leaving
deletes its questions. No user id, name, device id or raw chat id is ever stored here.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Column, Connection, Float, Index, Integer, Table, Text, case, delete, func, or_, select, update

from bot.state.db import Database, StateError
from bot.state.schema import metadata

if TYPE_CHECKING:
    from bot.engine.contract import Answer, Question

log = logging.getLogger(__name__)

ANSWERED = "answered"
LOW_CONFIDENCE = "low_confidence"
ABSTAINED = "abstained"
UNAVAILABLE = "unavailable"
ERROR = "error"
OUTCOMES = (ANSWERED, LOW_CONFIDENCE, ABSTAINED, UNAVAILABLE, ERROR)
#: Outcomes whose question text is kept for staff.
KEPT = (ABSTAINED, LOW_CONFIDENCE)
#: An answer given with ``Answer.confidence`` below this is filed for review. The retrieval
#: confidence is the abstention model's P(answer) (the engine abstains below 0.5), so this
#: flags the answers it barely gave; computed answers say 0.9-1.0 unless unsure.
LOW_CONFIDENCE_BELOW = 0.7
#: Intents that are not about the knowledge (an empty or over-long question).
NOT_QUESTIONS = ("invalid",)
#: Intent of the engine's answer while a dependency is down (``bot.engine.outage.UNAVAILABLE``).
UNAVAILABLE_INTENT = "unavailable"
#: Answers from the house's documents (retrieval, curated FAQ): the ones stayers may rate.
RATED_INTENTS = ("retrieval", "faq")
UP, DOWN = "up", "down"
#: A rated answer that got no 👎 is kept this long (quick replies vanish at the next message).
FEEDBACK_WINDOW_SECONDS = 2 * 86400
#: The answer given is kept up to this many characters (the staff page shows it).
MAX_ANSWER_CHARS = 2000

answer_counts = Table(
    "answer_counts",
    metadata,
    Column("day", Text, primary_key=True),
    Column("house_id", Text, primary_key=True),
    Column("channel", Text, primary_key=True),
    Column("intent", Text, primary_key=True),
    Column("outcome", Text, primary_key=True),
    Column("count", Integer, nullable=False, server_default="0"),
)

#: Events already counted (LINE's webhookEventId): a worker that dies after answering but
#: before saving its outbox answers the event again; the second count is not made.
logged_events = Table(
    "logged_events",
    metadata,
    Column("event_key", Text, primary_key=True),
    Column("question_id", Integer),  # the kept row, for the 👍/👎 the retried reply carries
    Column("logged_at", Float, nullable=False),
)

question_log = Table(
    "question_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("channel", Text, nullable=False),
    Column("house_id", Text, nullable=False),
    Column("group_key", Text),
    Column("text", Text, nullable=False),
    Column("intent", Text, nullable=False),
    Column("outcome", Text, nullable=False),
    Column("confidence", Float, nullable=False),
    Column("asked_at", Float, nullable=False),
    Column("answer", Text),  # the answer given (migration staff_0002)
    Column("feedback", Text),  # UP or DOWN from the stayer
    Column("feedback_at", Float),
    Index("ix_question_log_asked_at", "asked_at"),
    Index("ix_question_log_group_key", "group_key"),
)


def outcome_of(answer: Answer | None) -> str:
    """The outcome of one engine call; ``None`` means it raised."""
    if answer is None:
        return ERROR
    if answer.intent == UNAVAILABLE_INTENT:
        return UNAVAILABLE
    if answer.abstained:
        return ABSTAINED
    if answer.intent not in NOT_QUESTIONS and answer.confidence < LOW_CONFIDENCE_BELOW:
        return LOW_CONFIDENCE
    return ANSWERED


def rateable(answer: Answer | None) -> bool:
    """True for an answer from the house's documents that a stayer may rate with 👍/👎."""
    return answer is not None and not answer.abstained and answer.intent in RATED_INTENTS


@dataclass(frozen=True)
class Logged:
    """What :meth:`QuestionLog.log` did: the outcome, and the kept row's id (None: not kept)."""

    outcome: str
    question_id: int | None = None


@dataclass(frozen=True)
class UnansweredQuestion:
    """A kept question text (the same text in one house counted once)."""

    text: str
    house_id: str
    count: int
    last_asked: float
    outcome: str = ABSTAINED  # ABSTAINED, or LOW_CONFIDENCE when every ask got an unsure answer
    channels: str = ""  # "alexa", "line" or "alexa,line"


@dataclass(frozen=True)
class HouseCounts:
    house_id: str
    asked: int
    abstained: int
    low_confidence: int = 0
    unavailable: int = 0
    errors: int = 0

    @property
    def down(self) -> int:
        """Questions that got "cannot look this up now" or an error: not the knowledge's fault."""
        return self.unavailable + self.errors


@dataclass(frozen=True)
class OutcomeCount:
    house_id: str
    channel: str
    intent: str
    outcome: str
    count: int


def first_day(today: str, days: int) -> str:
    return (datetime.fromisoformat(today) - timedelta(days=days - 1)).date().isoformat()


class QuestionLog:
    """Typed access to the question log; one per process, shared by the channels."""

    def __init__(self, db: Database, *, clock: Callable[[], float] = time.time):
        self.db = db
        self._clock = clock
        self._warned_at = 0.0

    # -- writing --------------------------------------------------------------------------

    def record(self, *, channel: str, house_id: str, day: str, text: str, answer: Answer | None,
               group_key: str | None = None) -> str:
        """Count one answer (``None``: the engine raised); keep the text when staff should see it.

        Returns the outcome.
        """
        return self.log(channel=channel, house_id=house_id, day=day, text=text, answer=answer,
                        group_key=group_key).outcome

    def log(self, *, channel: str, house_id: str, day: str, text: str, answer: Answer | None,
            group_key: str | None = None, rated: bool = False, event_key: str | None = None) -> Logged:
        """:meth:`record`, also keeping an answer the channel offers 👍/👎 on (``rated``);
        the returned ``question_id`` is what the channel's feedback must carry. With
        ``event_key``, an event logged before (answered again after a crash) is not counted
        again and gets the same ``question_id``."""
        outcome = outcome_of(answer)
        intent = answer.intent if answer is not None else ERROR
        question_id: int | None = None
        key = event_key[:200] if event_key is not None else None
        with self.db.write() as conn:
            if key is not None:
                first = conn.execute(self.db.insert(logged_events).values(
                    event_key=key, logged_at=self._clock()).on_conflict_do_nothing())
                if first.rowcount == 0:
                    before = conn.execute(select(logged_events.c.question_id)
                                          .where(logged_events.c.event_key == key)).scalar()
                    return Logged(outcome, int(before) if before is not None else None)
            ins = self.db.insert(answer_counts).values(day=day, house_id=house_id, channel=channel,
                                                       intent=intent[:40], outcome=outcome, count=1)
            conn.execute(ins.on_conflict_do_update(
                index_elements=[answer_counts.c.day, answer_counts.c.house_id, answer_counts.c.channel,
                                answer_counts.c.intent, answer_counts.c.outcome],
                set_={"count": answer_counts.c.count + 1},
            ))
            keep = outcome in KEPT or (rated and outcome == ANSWERED)
            if keep and text.strip() and answer is not None:
                result = conn.execute(question_log.insert().values(
                    channel=channel, house_id=house_id, group_key=group_key, text=text, intent=intent[:40],
                    outcome=outcome, confidence=float(answer.confidence), asked_at=self._clock(),
                    answer=answer.text[:MAX_ANSWER_CHARS]))
                pk = result.inserted_primary_key
                question_id = int(pk[0]) if pk else None
                if key is not None and question_id is not None:
                    conn.execute(update(logged_events).where(logged_events.c.event_key == key)
                                 .values(question_id=question_id))
        return Logged(outcome, question_id)

    def rate(self, question_id: int, feedback: str, group_key: str | None) -> bool:
        """A stayer's 👍 (UP) or 👎 (DOWN) on a kept answer; False when the row is gone or
        belongs to another chat (the postback's id is checked against where it came from)."""
        if feedback not in (UP, DOWN):
            raise ValueError(f"feedback must be {UP!r} or {DOWN!r}, not {feedback!r}")
        t = question_log.c
        same_chat = t.group_key.is_(None) if group_key is None else t.group_key == group_key
        with self.db.write() as conn:
            return conn.execute(update(question_log).where(t.id == question_id, same_chat)
                                .values(feedback=feedback, feedback_at=self._clock())).rowcount > 0

    def downvotes(self, days: int) -> dict[str, int]:
        """Per house, the answers that got a 👎 in the last ``days`` days."""
        t = question_log.c
        since = self._clock() - days * 86400
        query = (select(t.house_id, func.count()).where(t.feedback == DOWN, t.feedback_at >= since)
                 .group_by(t.house_id))
        with self.db.read() as conn:
            return {r[0]: int(r[1]) for r in conn.execute(query)}

    def recorder(self, channel: str) -> Callable[[Question, Answer | None], None]:
        """``record`` for a channel that has a :class:`Question` at hand (Alexa). It never
        raises: a log that cannot be written must not cost the stayer the answer."""

        def record(question: Question, answer: Answer | None) -> None:
            try:
                self.record(channel=channel, house_id=question.house_id, day=question.now.date().isoformat(),
                            text=question.text, answer=answer)
            except StateError as exc:
                now = time.monotonic()
                if now - self._warned_at > 60:
                    self._warned_at = now
                    log.warning("question log not written (%s): %s", channel, exc)

        return record

    # -- reading --------------------------------------------------------------------------

    def unanswered(self, days: int, limit: int = 20,
                   outcomes: Iterable[str] = KEPT) -> list[UnansweredQuestion]:
        """Recent kept questions, the same text in a house counted once, most frequent first.

        ``outcome`` of a row is ABSTAINED when any ask of that text was abstained on.
        """
        t = question_log.c
        since = self._clock() - days * 86400
        count = func.count()
        last = func.max(t.asked_at)
        abstentions = func.sum(case((t.outcome == ABSTAINED, 1), else_=0))
        query = (
            select(func.min(t.text), t.house_id, count, last, abstentions, func.min(t.channel), func.max(t.channel))
            .where(t.asked_at >= since, t.outcome.in_(list(outcomes)))
            .group_by(func.lower(func.trim(t.text)), t.house_id)
            .order_by(count.desc(), last.desc())
            .limit(limit)
        )
        with self.db.read() as conn:
            rows = conn.execute(query).all()
        return [
            UnansweredQuestion(r[0], r[1], int(r[2]), float(r[3]), ABSTAINED if int(r[4] or 0) else LOW_CONFIDENCE,
                               r[5] if r[5] == r[6] else f"{r[5]},{r[6]}")
            for r in rows
        ]

    def breakdown(self, days: int, today: str) -> list[OutcomeCount]:
        """Counts per house, channel, intent and outcome over the last ``days`` days."""
        c = answer_counts.c
        query = (
            select(c.house_id, c.channel, c.intent, c.outcome, func.sum(c.count))
            .where(c.day >= first_day(today, days))
            .group_by(c.house_id, c.channel, c.intent, c.outcome)
            .order_by(c.house_id, c.channel, c.intent, c.outcome)
        )
        with self.db.read() as conn:
            return [OutcomeCount(r[0], r[1], r[2], r[3], int(r[4])) for r in conn.execute(query)]

    def counts(self, days: int, today: str) -> list[HouseCounts]:
        """Per house: questions asked, and how many were abstained, unsure, unavailable, errors."""
        per: dict[str, dict[str, int]] = {}
        for row in self.breakdown(days, today):
            house = per.setdefault(row.house_id, dict.fromkeys(OUTCOMES, 0))
            house[row.outcome] = house.get(row.outcome, 0) + row.count
        return [HouseCounts(h, sum(o.values()), o[ABSTAINED], o[LOW_CONFIDENCE], o[UNAVAILABLE], o[ERROR])
                for h, o in sorted(per.items())]

    def logged(self, days: int) -> int:
        """How many question texts are kept from the last ``days`` days."""
        since = self._clock() - days * 86400
        t = question_log.c
        with self.db.read() as conn:
            return int(conn.execute(
                select(func.count()).select_from(question_log)
                .where(t.asked_at >= since, or_(t.outcome.in_(KEPT), t.feedback == DOWN))
            ).scalar_one())

    # -- deleting -------------------------------------------------------------------------

    def forget_group(self, conn: Connection, group_key: str) -> None:
        """Delete a group's questions (inside the caller's transaction, e.g. ``leave``)."""
        conn.execute(delete(question_log).where(question_log.c.group_key == group_key))

    def purge(self, conn: Connection, days: int, today: str) -> None:
        """Drop texts and counts older than the retention (inside the caller's transaction)."""
        t = question_log.c
        now = self._clock()
        conn.execute(delete(question_log).where(t.asked_at < now - days * 86400))
        conn.execute(delete(question_log).where(  # rated answers nobody turned down
            t.outcome == ANSWERED, or_(t.feedback.is_(None), t.feedback != DOWN),
            t.asked_at < now - FEEDBACK_WINDOW_SECONDS))
        conn.execute(delete(answer_counts).where(answer_counts.c.day < first_day(today, days + 1)))
        conn.execute(delete(logged_events).where(logged_events.c.logged_at < now - 2 * 86400))  # LINE retries for less

