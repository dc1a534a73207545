"""Question log for every channel: counts per day, house, channel, intent and outcome
(``answer_counts``), and the text of abstained and low-confidence questions
(``question_log``). The LINE-only ``daily_counts`` and ``unanswered`` are carried over
(as LINE answers of intent "unknown"/"abstain") and dropped.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "answer_counts",
        sa.Column("day", sa.Text, primary_key=True),
        sa.Column("house_id", sa.Text, primary_key=True),
        sa.Column("channel", sa.Text, primary_key=True),
        sa.Column("intent", sa.Text, primary_key=True),
        sa.Column("outcome", sa.Text, primary_key=True),
        sa.Column("count", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "question_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("house_id", sa.Text, nullable=False),
        sa.Column("group_key", sa.Text),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("intent", sa.Text, nullable=False),
        sa.Column("outcome", sa.Text, nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("asked_at", sa.Float, nullable=False),
    )
    op.create_index("ix_question_log_asked_at", "question_log", ["asked_at"])
    op.create_index("ix_question_log_group_key", "question_log", ["group_key"])
    op.execute(
        "INSERT INTO answer_counts (day, house_id, channel, intent, outcome, count) "
        "SELECT day, house_id, 'line', 'unknown', 'answered', asked - abstained FROM daily_counts "
        "WHERE asked > abstained"
    )
    op.execute(
        "INSERT INTO answer_counts (day, house_id, channel, intent, outcome, count) "
        "SELECT day, house_id, 'line', 'abstain', 'abstained', abstained FROM daily_counts WHERE abstained > 0"
    )
    op.execute(
        "INSERT INTO question_log (channel, house_id, group_key, text, intent, outcome, confidence, asked_at) "
        "SELECT 'line', house_id, group_key, text, 'abstain', 'abstained', 0.0, asked_at FROM unanswered"
    )
    op.drop_index("unanswered_asked", "unanswered")
    op.drop_table("unanswered")
    op.drop_table("daily_counts")


def downgrade() -> None:
    op.create_table(
        "unanswered",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("group_key", sa.Text),
        sa.Column("house_id", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("asked_at", sa.Float, nullable=False),
    )
    op.create_index("unanswered_asked", "unanswered", ["asked_at"])
    op.create_table(
        "daily_counts",
        sa.Column("day", sa.Text, primary_key=True),
        sa.Column("house_id", sa.Text, primary_key=True),
        sa.Column("asked", sa.Integer, nullable=False, server_default="0"),
        sa.Column("abstained", sa.Integer, nullable=False, server_default="0"),
    )
    op.drop_index("ix_question_log_group_key", "question_log")
    op.drop_index("ix_question_log_asked_at", "question_log")
    op.drop_table("question_log")
    op.drop_table("answer_counts")
