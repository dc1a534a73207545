"""The LINE channel's tables, declared on the shared state metadata (``bot.state.schema``).

What each holds and why is described in :mod:`bot.line.state`; the migrations that create
them are in ``bot/state/migrations/versions``.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, Index, Integer, Table, Text

from bot.state.schema import metadata

#: A bound group, keyed by the salted hash of its id; ``sealed_id`` only while morning is on.
groups = Table(
    "groups",
    metadata,
    Column("group_key", Text, primary_key=True),
    Column("house_id", Text, nullable=False),
    Column("bound_at", Float, nullable=False),
    Column("lang", Text, nullable=False, server_default="ja"),
    Column("morning", Integer, nullable=False, server_default="0"),
    Column("sealed_id", Text),
    Column("checkout", Text),  # the stay's check-out date (ISO); the group is forgotten after it
)

#: One-time bind codes, as SHA-256 hashes.
bind_codes = Table(
    "bind_codes",
    metadata,
    Column("code_hash", Text, primary_key=True),
    Column("house_id", Text, nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("checkout", Text),  # passed on to the binding the code makes
)

#: The durable delivery queue: every acknowledged webhook event, from the moment the webhook
#: answers 200 until LINE has accepted its answer (see :mod:`bot.line.queue`). ``event_key``
#: (``webhookEventId``, or a hash of an older payload without one) also dedupes redeliveries.
#: ``payload`` and ``outbox`` are sealed (AES-GCM) and cleared when the event is finished.
line_events = Table(
    "line_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_key", Text, nullable=False, unique=True),
    Column("digest", Text),
    Column("kind", Text, nullable=False),
    Column("status", Text, nullable=False, server_default="pending"),
    Column("received_at", Float, nullable=False),
    Column("not_before", Float, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("lease_owner", Text),
    Column("lease_until", Float),
    Column("payload", Text),
    Column("outbox", Text),
    Column("sent", Integer, nullable=False, server_default="0"),
    Column("reply_doubt", Integer),
    Column("last_error", Text),
    Column("finished_at", Float),
    Index("ix_line_events_status_not_before", "status", "not_before"),
)

#: Pushes of unanswered questions to the staff group, for the rate limit.
escalations = Table(
    "escalations",
    metadata,
    Column("group_key", Text, nullable=False),
    Column("at", Float, nullable=False),
    Index("escalations_at", "at"),
)

#: Which group got the morning message on which day (at most once, across processes).
morning_sent = Table(
    "morning_sent",
    metadata,
    Column("group_key", Text, primary_key=True),
    Column("day", Text, primary_key=True),
)
