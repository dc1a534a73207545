"""Events already counted in the question log (LINE's webhookEventId), so that an event a
worker answers again after a crash (it died before saving its outbox) is counted once.

Revision ID: 0102
Revises: staff_0002
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0102"
down_revision = "staff_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "logged_events",
        sa.Column("event_key", sa.Text, primary_key=True),
        sa.Column("question_id", sa.Integer),
        sa.Column("logged_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("logged_events")
