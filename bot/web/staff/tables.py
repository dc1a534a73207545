"""The staff console's tables, declared on the shared state metadata (``bot.state.schema``).

They live in the same database as LINE's state (SQLite by default, PostgreSQL with
``CONCIERGE_STATE_URL``), so every worker and every host sees the same accounts, drafts,
publish progress and audit log. Migration: ``bot/state/migrations/versions/0100_staff_console.py``.

Times are Unix seconds as ``Float`` (the state layer's convention). Nothing here holds a
stayer's identity: question actions are keyed by house and the question's normalised text.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, Index, Integer, Table, Text

from bot.state.schema import metadata

#: Console accounts. ``houses`` is "" for every house, else comma-separated house ids.
#: ``session_token`` is part of the login session: rotating it (password reset, removal)
#: ends every open session of the account.
staff_accounts = Table(
    "staff_accounts",
    metadata,
    Column("name", Text, primary_key=True),
    Column("role", Text, nullable=False),
    Column("houses", Text, nullable=False, server_default=""),
    Column("password_hash", Text, nullable=False),
    Column("session_token", Text, nullable=False),
    Column("created_at", Float, nullable=False),
)

#: Failed logins (by account name and by client address), for the rate limit.
staff_login_failures = Table(
    "staff_login_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", Text, nullable=False),
    Column("at", Float, nullable=False),
    Index("staff_login_failures_key_at", "key", "at"),
)

#: Who changed, published or forgot what, and when.
staff_audit = Table(
    "staff_audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", Float, nullable=False),
    Column("actor", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("target", Text, nullable=False, server_default=""),
    Column("detail", Text, nullable=False, server_default=""),
    Index("staff_audit_at", "at"),
)

#: What staff did about a logged question: answered (an FAQ entry), right, ignored.
staff_question_actions = Table(
    "staff_question_actions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("house_id", Text, nullable=False),
    Column("text_key", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("actor", Text, nullable=False),
    Column("at", Float, nullable=False),
    Index("staff_question_actions_key", "house_id", "text_key"),
)

#: Saved edits that failed validation: kept here, never in the knowledge folder.
staff_drafts = Table(
    "staff_drafts",
    metadata,
    Column("path", Text, primary_key=True),
    Column("content", Text, nullable=False),
    Column("problems", Text, nullable=False, server_default=""),
    Column("actor", Text, nullable=False),
    Column("at", Float, nullable=False),
)

#: One row per publish: progress while it runs (any worker can show it), then the result.
staff_publishes = Table(
    "staff_publishes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("actor", Text, nullable=False),
    Column("started_at", Float, nullable=False),
    Column("heartbeat", Float, nullable=False),
    Column("finished_at", Float),
    Column("status", Text, nullable=False),  # running | ok | failed
    Column("done", Integer, nullable=False, server_default="0"),
    Column("total", Integer, nullable=False, server_default="0"),
    Column("result", Text, nullable=False, server_default=""),  # JSON: added/changed/removed/problems
)

#: The text of each file as last published, for the diff shown before the next publish.
staff_published_files = Table(
    "staff_published_files",
    metadata,
    Column("path", Text, primary_key=True),
    Column("hash", Text, nullable=False),
    Column("content", Text, nullable=False),
)
