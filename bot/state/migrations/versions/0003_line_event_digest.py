"""LINE delivery queue: a digest of each event's content, so that two different events
sharing one ``webhookEventId`` (LINE's own SDK fixtures all use "testwebhookeventid") are
both answered while a redelivery of the same event is still recognised.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("line_events") as batch:
        batch.add_column(sa.Column("digest", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("line_events") as batch:
        batch.drop_column("digest")
