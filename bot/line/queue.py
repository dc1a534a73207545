"""The durable LINE delivery queue: a table in the state database (``line_events``).

Why a table and not a task queue (huey, dramatiq): the webhook must know, before it answers
200, that the event is stored *and* whether it was seen before; a table gives both in one
transaction in the database the bot already has (SQLite on one machine, PostgreSQL for
several hosts), with no broker or consumer process to run, back up and secure. The delivery
itself needs more than "retry the task": a reply token that expires, a push fallback, an
outbox whose accepted items must never be re-sent, and payloads that hold chat ids and so
must be sealed and deleted when done. Those live in the row.

Life of a row:

* ``enqueue`` (webhook, before the 200): ``pending``, payload sealed. A second copy of the
  same event (a redelivery, or twice in one body) finds the row and adds nothing, unless the
  row had been given up (``failed``), which a redelivery revives. "The same event" is the
  same ``webhookEventId`` *and* content (``digest``): a different event under a reused id
  gets a key of its own.
* ``claim`` (a worker thread of any process): takes a lease (``lease_owner``,
  ``lease_until``) and counts an attempt. A process that dies leaves its lease to expire,
  after which another process takes the event over. Live workers renew their leases.
* ``save_outbox`` before sending anything; ``advance`` after each accepted send;
  ``finish`` (``done``) when LINE accepted everything; ``retry_later`` with a time before
  which nobody claims it; ``give_up`` (``failed``) past the delivery bound.
* ``reply_doubt`` says whether the reply token may already have been used by an attempt
  whose result nobody saw: NULL after ``save_outbox`` (a process killed mid-send leaves it
  so), 1 after a timeout or a 5xx, 0 after a refusal that proves nothing arrived (429).
* Finished rows keep only the key, status and times (no payload, no outbox) for
  ``DEDUPE_SECONDS`` (purged by :meth:`BotState.purge`), so a late redelivery of a done
  event is still recognised.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select, update

from bot.line.events import content_digest, event_key
from bot.line.outbox import Send
from bot.line.state import Sealer
from bot.line.tables import line_events
from bot.state import Database

log = logging.getLogger(__name__)

PENDING, DONE, FAILED = "pending", "done", "failed"


def event_kind(raw: dict[str, Any]) -> str:
    kind = str(raw.get("type") or "?")[:40]
    message = raw.get("message")
    if kind == "message" and isinstance(message, dict):
        kind += "/" + str(message.get("type") or "?")[:20]
    return kind


@dataclass(frozen=True)
class QueuedEvent:
    """A claimed event. ``raw`` is None when its payload could not be unsealed."""

    id: int
    key: str
    kind: str
    received_at: float
    attempts: int
    raw: dict[str, Any] | None
    outbox: list[Send] | None
    sent: int
    reply_doubt: bool = False  # the send at ``sent`` may have used the reply token already


class EventQueue:
    """Typed access to ``line_events``; every method is one short transaction."""

    def __init__(self, db: Database, sealer: Sealer, *, clock: Callable[[], float] = time.time):
        self.db = db
        self.sealer = sealer
        self._clock = clock

    # -- the webhook side -----------------------------------------------------------------

    def enqueue(self, events: Sequence[dict[str, Any]], received_at: float | None = None) -> int:
        """Store every event of one webhook body; returns how many were new (or revived)."""
        if not events:
            return 0
        now = self._clock() if received_at is None else received_at
        added = 0
        with self.db.write() as conn:
            for raw in events:
                added += self._enqueue_one(conn, raw, now)
        return added

    def _enqueue_one(self, conn: Connection, raw: dict[str, Any], now: float) -> int:
        c = line_events.c
        key, digest = event_key(raw), content_digest(raw)
        for _ in range(2):
            row = {"event_key": key, "digest": digest, "kind": event_kind(raw), "status": PENDING,
                   "received_at": now, "not_before": now, "payload": self._seal(raw, key)}
            if conn.execute(self.db.insert(line_events).values(**row).on_conflict_do_nothing()).rowcount > 0:
                return 1
            seen = conn.execute(select(c.digest, c.status).where(c.event_key == key)).first()
            if seen is not None and seen.digest not in (None, digest) and "#" not in key:
                key = f"{key}#{digest[:16]}"  # another event under a reused id: a key of its own
                continue
            if seen is not None and seen.status == FAILED:  # a redelivery revives a given-up event
                return conn.execute(
                    update(line_events).where(c.event_key == key, c.status == FAILED)
                    .values(status=PENDING, received_at=now, not_before=now, attempts=0, payload=row["payload"],
                            outbox=None, sent=0, reply_doubt=None, lease_owner=None, lease_until=None,
                            finished_at=None)).rowcount
            return 0
        return 0

    # -- the worker side ------------------------------------------------------------------

    def _claimable(self, now: float) -> Any:
        c = line_events.c
        return and_(c.status == PENDING, c.not_before <= now, or_(c.lease_until.is_(None), c.lease_until < now))

    def claim(self, owner: str, lease_seconds: float, limit: int = 1) -> list[QueuedEvent]:
        """Lease up to ``limit`` events that are due and not leased by a live worker."""
        now = self._clock()
        c = line_events.c
        with self.db.read() as conn:  # cheap check first: an idle poll takes no write lock
            if conn.execute(select(c.id).where(self._claimable(now)).limit(1)).first() is None:
                return []
        with self.db.write() as conn:
            ids = [r[0] for r in conn.execute(
                select(c.id).where(self._claimable(now)).order_by(c.id).limit(limit)
                .with_for_update(skip_locked=True))]
            if not ids:
                return []
            conn.execute(update(line_events).where(c.id.in_(ids), self._claimable(now))
                         .values(lease_owner=owner, lease_until=now + lease_seconds, attempts=c.attempts + 1))
            rows = conn.execute(select(c.id, c.event_key, c.kind, c.received_at, c.attempts, c.payload, c.outbox,
                                       c.sent, c.reply_doubt).where(c.id.in_(ids), c.lease_owner == owner)
                                .order_by(c.id)).all()
        return [self._loaded(r) for r in rows]

    def renew(self, owner: str, lease_seconds: float) -> int:
        """Extend every lease ``owner`` holds (the heartbeat of a live process)."""
        c = line_events.c
        with self.db.write() as conn:
            result = conn.execute(update(line_events).where(c.lease_owner == owner, c.status == PENDING)
                                  .values(lease_until=self._clock() + lease_seconds))
            return int(result.rowcount)

    def release(self, owner: str) -> int:
        """Hand back leases of events whose delivery has not started (a graceful shutdown)."""
        c = line_events.c
        with self.db.write() as conn:
            result = conn.execute(update(line_events)
                                  .where(c.lease_owner == owner, c.status == PENDING, c.outbox.is_(None))
                                  .values(lease_owner=None, lease_until=None, attempts=c.attempts - 1))
            return int(result.rowcount)

    def save_outbox(self, event: QueuedEvent, owner: str, sends: Sequence[Send]) -> bool:
        """Store what is to be sent, before the first send."""
        sealed = self._seal([s.to_json() for s in sends], event.key)
        return self._update(event, owner, outbox=sealed, sent=0, reply_doubt=None)

    def advance(self, event: QueuedEvent, owner: str, sent: int) -> bool:
        """Record that the first ``sent`` sends were accepted by LINE."""
        return self._update(event, owner, sent=sent, reply_doubt=None)

    def finish(self, event: QueuedEvent, owner: str) -> bool:
        return self._close(event, owner, DONE, None)

    def give_up(self, event: QueuedEvent, owner: str, error: str) -> bool:
        return self._close(event, owner, FAILED, error)

    def retry_later(self, event: QueuedEvent, owner: str, delay: float, error: str, *,
                    reply_doubt: bool = True) -> bool:
        """Let the lease go; nobody claims the event for ``delay`` seconds."""
        return self._update(event, owner, not_before=self._clock() + delay, lease_owner=None, lease_until=None,
                            last_error=error[:200], reply_doubt=1 if reply_doubt else 0)

    # -- inspection and retention ---------------------------------------------------------

    def pending(self) -> int:
        with self.db.read() as conn:
            return int(conn.execute(select(func.count()).select_from(line_events)
                                    .where(line_events.c.status == PENDING)).scalar_one())

    def status(self, key: str) -> str | None:
        with self.db.read() as conn:
            row = conn.execute(select(line_events.c.status).where(line_events.c.event_key == key)).first()
        return None if row is None else str(row[0])

    # -- plumbing -------------------------------------------------------------------------

    def _update(self, event: QueuedEvent, owner: str, **values: Any) -> bool:
        c = line_events.c
        with self.db.write() as conn:
            result = conn.execute(update(line_events)
                                  .where(c.id == event.id, c.lease_owner == owner, c.status == PENDING)
                                  .values(**values))
        if result.rowcount == 0:
            log.warning("lost the lease on a %s event (another worker took it over)", event.kind)
        return result.rowcount > 0

    def _close(self, event: QueuedEvent, owner: str, status: str, error: str | None) -> bool:
        return self._update(event, owner, status=status, payload=None, outbox=None, lease_owner=None,
                            lease_until=None, finished_at=self._clock(),
                            last_error=None if error is None else error[:200])

    def _seal(self, value: Any, key: str) -> str:
        sealed = self.sealer.seal(json.dumps(value, ensure_ascii=False, separators=(",", ":")), key)
        if sealed is None:
            raise ValueError("the delivery queue needs LINE_CHANNEL_SECRET to seal events")
        return sealed

    def _open(self, sealed: str | None, key: str) -> Any:
        if not sealed:
            return None
        text = self.sealer.open(sealed, key)
        return None if text is None else json.loads(text)

    def _loaded(self, row: Any) -> QueuedEvent:
        event_id, key, kind, received_at, attempts, payload, outbox, sent, doubt = row
        raw = self._open(payload, key)
        sends = self._open(outbox, key)
        return QueuedEvent(int(event_id), str(key), str(kind), float(received_at), int(attempts),
                           raw if isinstance(raw, dict) else None,
                           [Send.from_json(s) for s in sends] if isinstance(sends, list) else None, int(sent),
                           reply_doubt=outbox is not None and doubt != 0)
