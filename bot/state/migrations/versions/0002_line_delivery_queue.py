"""LINE delivery queue: every acknowledged webhook event is stored before the 200 and kept
until LINE accepted its answer (``line_events``); it also dedupes redeliveries, so
``seen_events`` goes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "line_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("event_key", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False, server_default="pending"),
        sa.Column("received_at", sa.Float, nullable=False),
        sa.Column("not_before", sa.Float, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("lease_owner", sa.Text),
        sa.Column("lease_until", sa.Float),
        sa.Column("payload", sa.Text),
        sa.Column("outbox", sa.Text),
        sa.Column("sent", sa.Integer, nullable=False, server_default="0"),
        sa.Column("reply_doubt", sa.Integer),
        sa.Column("last_error", sa.Text),
        sa.Column("finished_at", sa.Float),
        sa.UniqueConstraint("event_key", name="uq_line_events_event_key"),
    )
    op.create_index("ix_line_events_status_not_before", "line_events", ["status", "not_before"])
    op.drop_table("seen_events")


def downgrade() -> None:
    op.create_table(
        "seen_events",
        sa.Column("event_id", sa.Text, primary_key=True),
        sa.Column("seen_at", sa.Float, nullable=False),
    )
    op.drop_index("ix_line_events_status_not_before", "line_events")
    op.drop_table("line_events")
