"""Baseline: the schema of the hand-written SQLite state file, now for SQLite and PostgreSQL.

A state file made before migrations existed already has these tables; they are adopted
(only missing tables are created), so an existing installation keeps its bindings.

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _missing(name: str) -> bool:
    return not sa.inspect(op.get_bind()).has_table(name)


def upgrade() -> None:
    if _missing("meta"):
        op.create_table(
            "meta",
            sa.Column("key", sa.Text, primary_key=True),
            sa.Column("value", sa.Text, nullable=False),
        )
    if _missing("groups"):
        op.create_table(
            "groups",
            sa.Column("group_key", sa.Text, primary_key=True),
            sa.Column("house_id", sa.Text, nullable=False),
            sa.Column("bound_at", sa.Float, nullable=False),
            sa.Column("lang", sa.Text, nullable=False, server_default="ja"),
            sa.Column("morning", sa.Integer, nullable=False, server_default="0"),
            sa.Column("sealed_id", sa.Text),
        )
    if _missing("bind_codes"):
        op.create_table(
            "bind_codes",
            sa.Column("code_hash", sa.Text, primary_key=True),
            sa.Column("house_id", sa.Text, nullable=False),
            sa.Column("expires_at", sa.Float, nullable=False),
        )
    if _missing("seen_events"):
        op.create_table(
            "seen_events",
            sa.Column("event_id", sa.Text, primary_key=True),
            sa.Column("seen_at", sa.Float, nullable=False),
        )
    if _missing("unanswered"):
        op.create_table(
            "unanswered",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("group_key", sa.Text),
            sa.Column("house_id", sa.Text, nullable=False),
            sa.Column("text", sa.Text, nullable=False),
            sa.Column("asked_at", sa.Float, nullable=False),
        )
        op.create_index("unanswered_asked", "unanswered", ["asked_at"])
    if _missing("daily_counts"):
        op.create_table(
            "daily_counts",
            sa.Column("day", sa.Text, primary_key=True),
            sa.Column("house_id", sa.Text, primary_key=True),
            sa.Column("asked", sa.Integer, nullable=False, server_default="0"),
            sa.Column("abstained", sa.Integer, nullable=False, server_default="0"),
        )
    if _missing("escalations"):
        op.create_table(
            "escalations",
            sa.Column("group_key", sa.Text, nullable=False),
            sa.Column("at", sa.Float, nullable=False),
        )
        op.create_index("escalations_at", "escalations", ["at"])
    if _missing("morning_sent"):
        op.create_table(
            "morning_sent",
            sa.Column("group_key", sa.Text, primary_key=True),
            sa.Column("day", sa.Text, primary_key=True),
        )


def downgrade() -> None:
    for name in ("morning_sent", "escalations", "daily_counts", "unanswered", "seen_events", "bind_codes",
                 "groups", "meta"):
        op.drop_table(name)
