"""One line of migrations again, and what the staff console added to LINE's tables: the
answer given and a stayer's 👍/👎 on the question log, the stay's check-out date on bind
codes and bindings.

``staff_0001`` branched off ``0001`` while the LINE and question-log revisions went on to
``0004``; databases made since then carry both heads. This revision merges them, so from
here on there is a single head (``tests/test_staff_migrations.py`` checks it): **a new
revision revises the head, whoever writes it.**

Revision ID: staff_0002
Revises: 0004, staff_0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "staff_0002"
down_revision = ("0004", "staff_0001")
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable columns: a plain ADD COLUMN on SQLite and PostgreSQL, no table copy.
    op.add_column("question_log", sa.Column("answer", sa.Text))
    op.add_column("question_log", sa.Column("feedback", sa.Text))
    op.add_column("question_log", sa.Column("feedback_at", sa.Float))
    op.add_column("bind_codes", sa.Column("checkout", sa.Text))
    op.add_column("groups", sa.Column("checkout", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("groups") as batch:
        batch.drop_column("checkout")
    with op.batch_alter_table("bind_codes") as batch:
        batch.drop_column("checkout")
    with op.batch_alter_table("question_log") as batch:
        batch.drop_column("feedback_at")
        batch.drop_column("feedback")
        batch.drop_column("answer")
