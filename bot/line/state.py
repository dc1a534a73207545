"""The LINE channel's state: bindings, bind codes, dedupe, escalation marks, morning claims.

What is kept, and why (privacy design, see also docs in the LINE issue):

* **Group bindings** (which house a LINE group or room belongs to) are keyed by a *salted
  hash* of the group id, never the raw id. The salt is random per installation and lives in
  the same file, so rotating the channel secret does not unbind every group.
* **The raw group id** is needed for exactly one thing the bot does outside a webhook: the
  morning push. It is therefore stored only for groups that opted in (``morning on``),
  encrypted with AES-GCM under a key derived from ``LINE_CHANNEL_SECRET`` (the hash of the
  group is the associated data, so a ciphertext cannot be moved to another row). It is
  cleared on ``morning off`` and deleted with the binding on ``leave``. If the secret is
  rotated, old ciphertexts stop decrypting; the next message in the group re-stores it.
* **One-time bind codes** are stored as SHA-256 hashes with an expiry; redeeming deletes them.
  A code may carry the stay's **check-out date**; the binding it makes keeps it, and the day
  after check-out the group is forgotten like on ``leave`` (binding, sealed id, questions,
  marks) by the daily purge, so the bot does not outlive the stay.
* **The delivery queue** (``line_events``, :mod:`bot.line.queue`) holds each acknowledged
  webhook event until LINE accepted its answer. The event and the answer to send contain
  chat ids and the question, so both are sealed with the same AES-GCM key (the event key as
  associated data) and deleted when the event is done or given up; what stays, for a few
  days to recognise redeliveries, is the event id, its type, status and times.
* **The question log** (shared with Alexa, :mod:`bot.state.questions`) counts every answer by
  house, intent and outcome and keeps the text of abstained and low-confidence questions
  only, for ``/unanswered``, with the salted group hash so that ``leave`` can delete a
  group's questions; an answer offered with 👍/👎 is kept (with the answer given) for two
  days in case of a 👎. Everything is purged after ``settings.question_log_days``.
* **Escalation marks and morning claims** (group hash + time) rate-limit pushes to the staff
  group and make the morning message at-most-once per group and day across processes.

No LINE user id, display name or profile field is ever written here.

The tables are declared in :mod:`bot.line.tables` on the shared state database
(:mod:`bot.state`: SQLite under ``settings.data_dir`` by default, PostgreSQL with
``CONCIERGE_STATE_URL``), which every gunicorn worker, the in-app scheduler and the
``concierge line`` commands share through their own connection pools.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Connection, delete, func, select, update

from bot.config import Settings
from bot.line.tables import bind_codes, escalations, groups, line_events, morning_sent
from bot.state import Database, QuestionLog, StateError, database_for, meta_value
from bot.state.db import STATE_FILE
from bot.state.questions import HouseCounts, Logged, UnansweredQuestion

if TYPE_CHECKING:
    from bot.engine.contract import Answer

__all__ = ["STATE_FILE", "Binding", "BotState", "EscalationPolicy", "HouseCounts", "MorningTarget", "StateError",
           "Stats", "UnansweredQuestion"]

log = logging.getLogger(__name__)

Clock = Callable[[], float]

#: Alphabet of bind codes: no 0/O, 1/I/L, so a code read aloud or retyped survives.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
#: How long finished webhook events are remembered; LINE redelivers within hours, not days.
DEDUPE_SECONDS = 3 * 24 * 3600


@dataclass(frozen=True)
class Binding:
    """A bound group as the handlers see it (no raw id)."""

    group_key: str
    house_id: str
    lang: str
    morning: bool
    bound_at: float
    checkout: str | None = None  # ISO date: forgotten the day after


@dataclass(frozen=True)
class MorningTarget:
    """An opted-in group whose id could be decrypted, ready for one push."""

    group_key: str
    chat_id: str
    house_id: str
    lang: str


@dataclass(frozen=True)
class Stats:
    """What ``/stats`` shows: aggregate counts only."""

    days: int
    houses: list[HouseCounts]
    bound_groups: int
    morning_groups: int
    unanswered_logged: int

    @property
    def asked(self) -> int:
        return sum(h.asked for h in self.houses)

    @property
    def abstained(self) -> int:
        return sum(h.abstained for h in self.houses)

    @property
    def low_confidence(self) -> int:
        return sum(h.low_confidence for h in self.houses)

    @property
    def down(self) -> int:
        """Unavailable (a dependency was down) plus errors."""
        return sum(h.down for h in self.houses)


@dataclass(frozen=True)
class EscalationPolicy:
    """At most ``per_group`` staff pushes per group and ``overall`` in total per window."""

    per_group: int = 3
    overall: int = 20
    window_seconds: float = 3600.0


def normalize_code(raw: str) -> str:
    """Upper-case and drop separators (the alphabet has no look-alikes to map)."""
    return "".join(ch for ch in raw.upper() if ch.isascii() and ch.isalnum())


def format_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


class Sealer:
    """AES-GCM around a group id, keyed from the channel secret (see module docstring)."""

    def __init__(self, channel_secret: str):
        self._aead = (
            AESGCM(hmac.new(channel_secret.encode(), b"stay-concierge/group-id/v1", hashlib.sha256).digest())
            if channel_secret
            else None
        )

    @property
    def usable(self) -> bool:
        return self._aead is not None

    def seal(self, chat_id: str, group_key: str) -> str | None:
        if self._aead is None:
            return None
        nonce = os.urandom(12)
        ct = self._aead.encrypt(nonce, chat_id.encode(), group_key.encode())
        return base64.b64encode(nonce + ct).decode()

    def open(self, sealed: str, group_key: str) -> str | None:
        if self._aead is None:
            return None
        try:
            raw = base64.b64decode(sealed)
            return self._aead.decrypt(raw[:12], raw[12:], group_key.encode()).decode()
        except (InvalidTag, ValueError):
            return None


class BotState:
    """Typed access to the LINE state. Safe to share between threads and processes."""

    def __init__(self, db: Database, channel_secret: str = "", *, clock: Clock | None = None):
        self.db = db
        self.sealer = Sealer(channel_secret)
        self._clock = clock or time.time
        self.questions = QuestionLog(db, clock=self._clock)
        self._salt = bytes.fromhex(meta_value(db, "salt", lambda: secrets.token_hex(32)))

    @classmethod
    def open(cls, settings: Settings, *, clock: Clock | None = None, db: Database | None = None) -> BotState:
        """The state of ``settings`` (migrated to the current schema), or on a shared ``db``."""
        return cls(db or database_for(settings), settings.line_channel_secret, clock=clock)

    def group_key(self, chat_id: str) -> str:
        """Salted hash of a LINE group/room id: the only form in which ids are keyed."""
        return hmac.new(self._salt, chat_id.encode(), hashlib.sha256).hexdigest()

    # -- bind codes -----------------------------------------------------------------------

    def issue_bind_code(self, house_id: str, ttl: timedelta = timedelta(hours=72),
                        checkout: date | None = None) -> str:
        """A fresh one-time code for ``house_id``, shown as ``XXXX-XXXX``; the binding it makes
        ends after ``checkout`` (the stay's last day) when given."""
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        now = self._clock()
        with self.db.write() as conn:
            conn.execute(delete(bind_codes).where(bind_codes.c.expires_at < now))
            conn.execute(bind_codes.insert().values(code_hash=_code_hash(code), house_id=house_id,
                                                    expires_at=now + ttl.total_seconds(),
                                                    checkout=checkout.isoformat() if checkout else None))
        return format_code(code)

    def redeem_bind_code(self, raw_code: str, chat_id: str) -> str | None:
        """Bind the group to the code's house and burn the code; None if unknown or expired."""
        code_hash = _code_hash(normalize_code(raw_code))
        now = self._clock()
        key = self.group_key(chat_id)
        with self.db.write() as conn:
            row = conn.execute(select(bind_codes.c.house_id, bind_codes.c.expires_at, bind_codes.c.checkout)
                               .where(bind_codes.c.code_hash == code_hash)).first()
            if row is None:
                return None
            conn.execute(delete(bind_codes).where(bind_codes.c.code_hash == code_hash))
            house_id, expires_at, checkout = row
            if expires_at < now:
                return None
            ins = self.db.insert(groups).values(group_key=key, house_id=house_id, bound_at=now, checkout=checkout)
            conn.execute(ins.on_conflict_do_update(
                index_elements=[groups.c.group_key],
                set_={"house_id": ins.excluded.house_id, "bound_at": ins.excluded.bound_at,
                      "checkout": ins.excluded.checkout}))
        return str(house_id)

    # -- bindings -------------------------------------------------------------------------

    def bind(self, chat_id: str, house_id: str) -> None:
        """Bind without a code: for the default house of a single-house site (``morning on``)."""
        ins = self.db.insert(groups).values(group_key=self.group_key(chat_id), house_id=house_id,
                                            bound_at=self._clock())
        with self.db.write() as conn:
            conn.execute(ins.on_conflict_do_update(index_elements=[groups.c.group_key],
                                                   set_={"house_id": ins.excluded.house_id}))

    def binding(self, chat_id: str) -> Binding | None:
        key = self.group_key(chat_id)
        g = groups.c
        with self.db.read() as conn:
            row = conn.execute(select(g.house_id, g.lang, g.morning, g.bound_at, g.checkout)
                               .where(g.group_key == key)).first()
        if row is None:
            return None
        return Binding(key, row[0], row[1], bool(row[2]), float(row[3]), row[4])

    def remember_lang(self, chat_id: str, lang: str) -> None:
        """Keep the language the group last asked in, for the morning message.

        For opted-in groups the sealed id is refreshed too, so a rotated channel secret heals
        itself at the next message.
        """
        key = self.group_key(chat_id)
        with self.db.write() as conn:
            row = conn.execute(select(groups.c.morning).where(groups.c.group_key == key)).first()
            if row is None:
                return
            sealed = self.sealer.seal(chat_id, key) if row[0] else None
            values: dict[str, Any] = {"lang": lang}
            if sealed:
                values["sealed_id"] = sealed
            conn.execute(update(groups).where(groups.c.group_key == key).values(**values))

    def set_morning(self, chat_id: str, on: bool, lang: str | None = None) -> bool:
        """Opt a bound group in or out; False when the group is not bound (or cannot be sealed)."""
        key = self.group_key(chat_id)
        sealed = self.sealer.seal(chat_id, key) if on else None
        if on and sealed is None:
            return False
        values: dict[str, Any] = {"morning": 1 if on else 0, "sealed_id": sealed}
        if lang is not None:
            values["lang"] = lang
        with self.db.write() as conn:
            result = conn.execute(update(groups).where(groups.c.group_key == key).values(**values))
            return result.rowcount > 0

    def morning_targets(self) -> tuple[list[MorningTarget], int]:
        """Opted-in groups with a usable id, and how many could not be decrypted."""
        g = groups.c
        with self.db.read() as conn:
            rows = conn.execute(select(g.group_key, g.house_id, g.lang, g.sealed_id).where(g.morning == 1)).all()
        out: list[MorningTarget] = []
        unreadable = 0
        for key, house_id, lang, sealed in rows:
            chat_id = self.sealer.open(sealed, key) if sealed else None
            if chat_id is None:
                unreadable += 1
                continue
            out.append(MorningTarget(key, chat_id, house_id, lang))
        return out, unreadable

    def claim_morning(self, group_key: str, day: str) -> bool:
        """True exactly once per group and day, whichever process asks first."""
        with self.db.write() as conn:
            result = conn.execute(self.db.insert(morning_sent).values(group_key=group_key, day=day)
                                  .on_conflict_do_nothing())
            return result.rowcount > 0

    def release_morning(self, group_key: str, day: str) -> None:
        """Undo a claim whose push failed, so a later run may try again."""
        with self.db.write() as conn:
            conn.execute(delete(morning_sent).where(morning_sent.c.group_key == group_key,
                                                    morning_sent.c.day == day))

    def forget_group(self, chat_id: str) -> None:
        """Delete everything tied to a group: binding, sealed id, questions, marks (``leave``)."""
        key = self.group_key(chat_id)
        with self.db.write() as conn:
            for table in (groups, escalations, morning_sent):
                conn.execute(delete(table).where(table.c.group_key == key))
            self.questions.forget_group(conn, key)

    def bindings(self) -> list[Binding]:
        """Every bound group (salted hash, house, language, morning, since): the staff console's list."""
        g = groups.c
        with self.db.read() as conn:
            rows = conn.execute(select(g.group_key, g.house_id, g.lang, g.morning, g.bound_at, g.checkout)
                                .order_by(g.bound_at.desc())).all()
        return [Binding(r[0], r[1], r[2], bool(r[3]), float(r[4]), r[5]) for r in rows]

    def forget_group_key(self, group_key: str) -> bool:
        """:meth:`forget_group` by the group's hash (the staff console never sees raw ids)."""
        with self.db.write() as conn:
            return self._forget_key(conn, group_key)

    def _forget_key(self, conn: Connection, group_key: str) -> bool:
        found = conn.execute(delete(groups).where(groups.c.group_key == group_key)).rowcount > 0
        for table in (escalations, morning_sent):
            conn.execute(delete(table).where(table.c.group_key == group_key))
        self.questions.forget_group(conn, group_key)
        return found

    def forget_checked_out(self, today: str) -> int:
        """Forget every group whose stay's check-out date is before ``today`` (site date)."""
        with self.db.write() as conn:
            keys = conn.execute(select(groups.c.group_key)
                                .where(groups.c.checkout.is_not(None), groups.c.checkout < today)).scalars().all()
            for key in keys:
                self._forget_key(conn, key)
        if keys:
            log.info("forgot %d group(s) whose stay ended", len(keys))
        return len(keys)

    # -- question log and counts ----------------------------------------------------------

    def log_answer(self, *, house_id: str, day: str, text: str, answer: Answer | None,
                   chat_id: str | None = None, rated: bool = False, event_key: str | None = None) -> Logged | None:
        """Count a LINE answer (``None``: the engine raised) in the shared question log, keeping
        the text of abstained and low-confidence ones (and of ``rated`` ones, which carry
        👍/👎) tied to the group's hash (forgotten on ``leave``). Returns what was logged
        (the outcome, the kept row's id); a log that cannot be written costs no answer."""
        try:
            return self.questions.log(channel="line", house_id=house_id, day=day, text=text, answer=answer,
                                      group_key=self.group_key(chat_id) if chat_id else None, rated=rated,
                                      event_key=event_key)
        except StateError as exc:
            log.warning("question log not written: %s", exc)
            return None

    def rate_answer(self, question_id: int, feedback: str, chat_id: str | None) -> bool:
        """A 👍/👎 postback from the chat ``chat_id`` (None: a 1:1 chat) on a logged answer."""
        try:
            return self.questions.rate(question_id, feedback, self.group_key(chat_id) if chat_id else None)
        except StateError as exc:
            log.warning("feedback not written: %s", exc)
            return False

    def unanswered(self, days: int, limit: int = 20) -> list[UnansweredQuestion]:
        """Recent abstained and low-confidence questions, the same text counted once, most
        frequent first (all channels)."""
        return self.questions.unanswered(days, limit)

    def stats(self, days: int, today: str) -> Stats:
        houses = self.questions.counts(days, today)
        with self.db.read() as conn:
            bound = conn.execute(select(func.count()).select_from(groups)).scalar_one()
            morning = conn.execute(select(func.count()).select_from(groups).where(groups.c.morning == 1)).scalar_one()
        return Stats(days, houses, int(bound), int(morning), self.questions.logged(days))

    # -- escalation -----------------------------------------------------------------------

    def allow_escalation(self, chat_id: str, policy: EscalationPolicy) -> bool:
        """Record an escalation if the policy allows one now; False when rate-limited."""
        key = self.group_key(chat_id)
        now = self._clock()
        since = now - policy.window_seconds
        e = escalations.c
        with self.db.write() as conn:
            mine = conn.execute(select(func.count()).select_from(escalations)
                                .where(e.group_key == key, e.at >= since)).scalar_one()
            total = conn.execute(select(func.count()).select_from(escalations).where(e.at >= since)).scalar_one()
            if mine >= policy.per_group or total >= policy.overall:
                return False
            conn.execute(escalations.insert().values(group_key=key, at=now))
            return True

    # -- retention ------------------------------------------------------------------------

    def purge(self, question_log_days: int, today: str) -> None:
        """Drop whatever is past its retention: called by the scheduler and on start-up."""
        now = self._clock()
        first_day = (datetime.fromisoformat(today) - timedelta(days=question_log_days)).date().isoformat()
        self.forget_checked_out(today)
        with self.db.write() as conn:
            self.questions.purge(conn, question_log_days, today)
            conn.execute(delete(line_events).where(line_events.c.status != "pending",
                                                   line_events.c.finished_at < now - DEDUPE_SECONDS))
            conn.execute(delete(bind_codes).where(bind_codes.c.expires_at < now))
            conn.execute(delete(escalations).where(escalations.c.at < now - 7 * 86400))
            conn.execute(delete(morning_sent).where(morning_sent.c.day < first_day))


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()
