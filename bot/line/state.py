"""The bot's own small state, in one SQLite file under ``settings.data_dir``.

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
* **Webhook event ids** (not user data) dedupe redeliveries for a few days.
* **The question log** keeps only questions the engine abstained on (text, house, time), for
  ``/unanswered``, plus the salted group hash so that ``leave`` can delete a group's questions.
  Answered questions are only counted per day and house, for ``/stats``. Everything is
  purged after ``settings.question_log_days``.
* **Escalation marks and morning claims** (group hash + time) rate-limit pushes to the staff
  group and make the morning message at-most-once per group and day across processes.

No LINE user id, display name or profile field is ever written here.

Each call opens its own short-lived connection: the file is shared by gunicorn workers,
the in-app scheduler and the ``concierge line`` commands, and WAL mode plus a busy timeout
makes that safe without a server.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from bot.config import Settings

Clock = Callable[[], float]

#: File name inside ``settings.data_dir``.
STATE_FILE = "bot-state.sqlite3"
#: Alphabet of bind codes: no 0/O, 1/I/L, so a code read aloud or retyped survives.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
#: How long webhook event ids are remembered; LINE redelivers within hours, not days.
DEDUPE_SECONDS = 3 * 24 * 3600

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS groups (
    group_key TEXT PRIMARY KEY,
    house_id TEXT NOT NULL,
    bound_at REAL NOT NULL,
    lang TEXT NOT NULL DEFAULT 'ja',
    morning INTEGER NOT NULL DEFAULT 0,
    sealed_id TEXT
);
CREATE TABLE IF NOT EXISTS bind_codes (
    code_hash TEXT PRIMARY KEY,
    house_id TEXT NOT NULL,
    expires_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS seen_events (event_id TEXT PRIMARY KEY, seen_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS unanswered (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    group_key TEXT,
    house_id TEXT NOT NULL,
    text TEXT NOT NULL,
    asked_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS unanswered_asked ON unanswered (asked_at);
CREATE TABLE IF NOT EXISTS daily_counts (
    day TEXT NOT NULL,
    house_id TEXT NOT NULL,
    asked INTEGER NOT NULL DEFAULT 0,
    abstained INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, house_id)
);
CREATE TABLE IF NOT EXISTS escalations (group_key TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS escalations_at ON escalations (at);
CREATE TABLE IF NOT EXISTS morning_sent (
    group_key TEXT NOT NULL,
    day TEXT NOT NULL,
    PRIMARY KEY (group_key, day)
);
"""


@dataclass(frozen=True)
class Binding:
    """A bound group as the handlers see it (no raw id)."""

    group_key: str
    house_id: str
    lang: str
    morning: bool
    bound_at: float


@dataclass(frozen=True)
class MorningTarget:
    """An opted-in group whose id could be decrypted, ready for one push."""

    group_key: str
    chat_id: str
    house_id: str
    lang: str


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


@dataclass(frozen=True)
class EscalationPolicy:
    """At most ``per_group`` staff pushes per group and ``overall`` in total per window."""

    per_group: int = 3
    overall: int = 20
    window_seconds: float = 3600.0


class StateError(RuntimeError):
    """The state file cannot be used (e.g. the data folder is not writable)."""


def normalize_code(raw: str) -> str:
    """Upper-case and drop separators (the alphabet has no look-alikes to map)."""
    return "".join(ch for ch in raw.upper() if ch.isascii() and ch.isalnum())


def format_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


class _Sealer:
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
    """Typed access to the state file. Safe to share between threads and processes."""

    def __init__(self, path: Path, channel_secret: str = "", *, clock: Clock | None = None):
        self.path = Path(path)
        self._sealer = _Sealer(channel_secret)
        self._clock = clock or time.time
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._connect() as conn:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.executescript(_SCHEMA)
                conn.execute(
                    "INSERT OR IGNORE INTO meta (key, value) VALUES ('salt', ?)", (secrets.token_hex(32),)
                )
                self._salt = bytes.fromhex(
                    conn.execute("SELECT value FROM meta WHERE key = 'salt'").fetchone()[0]
                )
        except (OSError, sqlite3.Error) as exc:
            raise StateError(f"cannot open the bot state at {self.path}: {exc}") from exc

    @classmethod
    def open(cls, settings: Settings, *, clock: Clock | None = None) -> BotState:
        return cls(settings.data_dir / STATE_FILE, settings.line_channel_secret, clock=clock)

    # -- plumbing -------------------------------------------------------------------------

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=10.0, isolation_level=None)) as conn:
            conn.execute("PRAGMA busy_timeout=10000")
            conn.execute("PRAGMA synchronous=NORMAL")
            yield conn

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken up front so concurrent writers queue instead of failing."""
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def group_key(self, chat_id: str) -> str:
        """Salted hash of a LINE group/room id: the only form in which ids are keyed."""
        return hmac.new(self._salt, chat_id.encode(), hashlib.sha256).hexdigest()

    # -- bind codes -----------------------------------------------------------------------

    def issue_bind_code(self, house_id: str, ttl: timedelta = timedelta(hours=72)) -> str:
        """A fresh one-time code for ``house_id``, shown as ``XXXX-XXXX``."""
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        now = self._clock()
        with self._tx() as conn:
            conn.execute("DELETE FROM bind_codes WHERE expires_at < ?", (now,))
            conn.execute(
                "INSERT INTO bind_codes (code_hash, house_id, expires_at) VALUES (?, ?, ?)",
                (_code_hash(code), house_id, now + ttl.total_seconds()),
            )
        return format_code(code)

    def redeem_bind_code(self, raw_code: str, chat_id: str) -> str | None:
        """Bind the group to the code's house and burn the code; None if unknown or expired."""
        code_hash = _code_hash(normalize_code(raw_code))
        now = self._clock()
        key = self.group_key(chat_id)
        with self._tx() as conn:
            row = conn.execute(
                "SELECT house_id, expires_at FROM bind_codes WHERE code_hash = ?", (code_hash,)
            ).fetchone()
            if row is None:
                return None
            conn.execute("DELETE FROM bind_codes WHERE code_hash = ?", (code_hash,))
            house_id, expires_at = row
            if expires_at < now:
                return None
            conn.execute(
                "INSERT INTO groups (group_key, house_id, bound_at) VALUES (?, ?, ?) "
                "ON CONFLICT (group_key) DO UPDATE SET house_id = excluded.house_id, "
                "bound_at = excluded.bound_at",
                (key, house_id, now),
            )
        return str(house_id)

    # -- bindings -------------------------------------------------------------------------

    def bind(self, chat_id: str, house_id: str) -> None:
        """Bind without a code: for the default house of a single-house site (``morning on``)."""
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO groups (group_key, house_id, bound_at) VALUES (?, ?, ?) "
                "ON CONFLICT (group_key) DO UPDATE SET house_id = excluded.house_id",
                (self.group_key(chat_id), house_id, self._clock()),
            )

    def binding(self, chat_id: str) -> Binding | None:
        key = self.group_key(chat_id)
        with self._connect() as conn:
            row = conn.execute(
                "SELECT house_id, lang, morning, bound_at FROM groups WHERE group_key = ?", (key,)
            ).fetchone()
        if row is None:
            return None
        return Binding(key, row[0], row[1], bool(row[2]), row[3])

    def remember_lang(self, chat_id: str, lang: str) -> None:
        """Keep the language the group last asked in, for the morning message.

        For opted-in groups the sealed id is refreshed too, so a rotated channel secret heals
        itself at the next message.
        """
        key = self.group_key(chat_id)
        with self._tx() as conn:
            row = conn.execute("SELECT morning FROM groups WHERE group_key = ?", (key,)).fetchone()
            if row is None:
                return
            sealed = self._sealer.seal(chat_id, key) if row[0] else None
            if sealed:
                conn.execute(
                    "UPDATE groups SET lang = ?, sealed_id = ? WHERE group_key = ?", (lang, sealed, key)
                )
            else:
                conn.execute("UPDATE groups SET lang = ? WHERE group_key = ?", (lang, key))

    def set_morning(self, chat_id: str, on: bool, lang: str | None = None) -> bool:
        """Opt a bound group in or out; False when the group is not bound (or cannot be sealed)."""
        key = self.group_key(chat_id)
        sealed = self._sealer.seal(chat_id, key) if on else None
        if on and sealed is None:
            return False
        with self._tx() as conn:
            cur = conn.execute(
                "UPDATE groups SET morning = ?, sealed_id = ?, lang = COALESCE(?, lang) "
                "WHERE group_key = ?",
                (1 if on else 0, sealed, lang, key),
            )
            return cur.rowcount > 0

    def morning_targets(self) -> tuple[list[MorningTarget], int]:
        """Opted-in groups with a usable id, and how many could not be decrypted."""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT group_key, house_id, lang, sealed_id FROM groups WHERE morning = 1"
            ).fetchall()
        out: list[MorningTarget] = []
        unreadable = 0
        for key, house_id, lang, sealed in rows:
            chat_id = self._sealer.open(sealed, key) if sealed else None
            if chat_id is None:
                unreadable += 1
                continue
            out.append(MorningTarget(key, chat_id, house_id, lang))
        return out, unreadable

    def claim_morning(self, group_key: str, day: str) -> bool:
        """True exactly once per group and day, whichever process asks first."""
        with self._tx() as conn:
            cur = conn.execute(
                "INSERT OR IGNORE INTO morning_sent (group_key, day) VALUES (?, ?)", (group_key, day)
            )
            return cur.rowcount > 0

    def release_morning(self, group_key: str, day: str) -> None:
        """Undo a claim whose push failed, so a later run may try again."""
        with self._tx() as conn:
            conn.execute("DELETE FROM morning_sent WHERE group_key = ? AND day = ?", (group_key, day))

    def forget_group(self, chat_id: str) -> None:
        """Delete everything tied to a group: binding, sealed id, questions, marks (``leave``)."""
        key = self.group_key(chat_id)
        with self._tx() as conn:
            for table in ("groups", "unanswered", "escalations", "morning_sent"):
                conn.execute(f"DELETE FROM {table} WHERE group_key = ?", (key,))

    # -- webhook dedupe -------------------------------------------------------------------

    def first_delivery(self, event_id: str) -> bool:
        """True the first time an event id is seen; redeliveries and duplicates get False."""
        with self._tx() as conn:
            cur = conn.execute(
                "INSERT OR IGNORE INTO seen_events (event_id, seen_at) VALUES (?, ?)",
                (event_id, self._clock()),
            )
            return cur.rowcount > 0

    # -- question log and counts ----------------------------------------------------------

    def log_question(
        self, *, house_id: str, day: str, abstained: bool, text: str = "", chat_id: str | None = None
    ) -> None:
        """Count a question; keep its text only when the engine abstained (for ``/unanswered``)."""
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO daily_counts (day, house_id, asked, abstained) VALUES (?, ?, 1, ?) "
                "ON CONFLICT (day, house_id) DO UPDATE SET asked = asked + 1, "
                "abstained = abstained + excluded.abstained",
                (day, house_id, 1 if abstained else 0),
            )
            if abstained and text:
                conn.execute(
                    "INSERT INTO unanswered (group_key, house_id, text, asked_at) VALUES (?, ?, ?, ?)",
                    (self.group_key(chat_id) if chat_id else None, house_id, text, self._clock()),
                )

    def unanswered(self, days: int, limit: int = 20) -> list[UnansweredQuestion]:
        """Recent abstained questions, the same text counted once, most frequent first."""
        since = self._clock() - days * 86400
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT MIN(text), house_id, COUNT(*), MAX(asked_at) FROM unanswered "
                "WHERE asked_at >= ? GROUP BY lower(trim(text)), house_id "
                "ORDER BY COUNT(*) DESC, MAX(asked_at) DESC LIMIT ?",
                (since, limit),
            ).fetchall()
        return [UnansweredQuestion(r[0], r[1], r[2], r[3]) for r in rows]

    def stats(self, days: int, today: str) -> Stats:
        first_day = (datetime.fromisoformat(today) - timedelta(days=days - 1)).date().isoformat()
        since = self._clock() - days * 86400
        with self._connect() as conn:
            houses = [
                HouseCounts(r[0], r[1], r[2])
                for r in conn.execute(
                    "SELECT house_id, SUM(asked), SUM(abstained) FROM daily_counts WHERE day >= ? "
                    "GROUP BY house_id ORDER BY house_id",
                    (first_day,),
                )
            ]
            bound = conn.execute("SELECT COUNT(*) FROM groups").fetchone()[0]
            morning = conn.execute("SELECT COUNT(*) FROM groups WHERE morning = 1").fetchone()[0]
            logged = conn.execute(
                "SELECT COUNT(*) FROM unanswered WHERE asked_at >= ?", (since,)
            ).fetchone()[0]
        return Stats(days, houses, bound, morning, logged)

    # -- escalation -----------------------------------------------------------------------

    def allow_escalation(self, chat_id: str, policy: EscalationPolicy) -> bool:
        """Record an escalation if the policy allows one now; False when rate-limited."""
        key = self.group_key(chat_id)
        now = self._clock()
        since = now - policy.window_seconds
        with self._tx() as conn:
            mine = conn.execute(
                "SELECT COUNT(*) FROM escalations WHERE group_key = ? AND at >= ?", (key, since)
            ).fetchone()[0]
            total = conn.execute("SELECT COUNT(*) FROM escalations WHERE at >= ?", (since,)).fetchone()[0]
            if mine >= policy.per_group or total >= policy.overall:
                return False
            conn.execute("INSERT INTO escalations (group_key, at) VALUES (?, ?)", (key, now))
            return True

    # -- retention ------------------------------------------------------------------------

    def purge(self, question_log_days: int, today: str) -> None:
        """Drop whatever is past its retention: called by the scheduler and on start-up."""
        now = self._clock()
        cutoff = now - question_log_days * 86400
        first_day = (datetime.fromisoformat(today) - timedelta(days=question_log_days)).date().isoformat()
        with self._tx() as conn:
            conn.execute("DELETE FROM unanswered WHERE asked_at < ?", (cutoff,))
            conn.execute("DELETE FROM daily_counts WHERE day < ?", (first_day,))
            conn.execute("DELETE FROM seen_events WHERE seen_at < ?", (now - DEDUPE_SECONDS,))
            conn.execute("DELETE FROM bind_codes WHERE expires_at < ?", (now,))
            conn.execute("DELETE FROM escalations WHERE at < ?", (now - 7 * 86400,))
            conn.execute("DELETE FROM morning_sent WHERE day < ?", (first_day,))


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()
