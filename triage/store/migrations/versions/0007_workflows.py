"""workflows: action approval and retry columns, audit events, API key roles

Revision ID: 0007
Revises: 0006
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_ACTION_COLUMNS: list[sa.Column[Any]] = [
    sa.Column("target_model", sa.String(length=64), server_default="", nullable=False),
    sa.Column("target_id", sa.Integer(), nullable=True),
    sa.Column("target_name", sa.String(length=255), server_default="", nullable=False),
    sa.Column("approval", sa.String(length=16), nullable=True),
    sa.Column("reason", sa.Text(), server_default="", nullable=False),
    sa.Column("rule_id", sa.String(length=64), server_default="", nullable=False),
    sa.Column("policy_version", sa.String(length=64), server_default="", nullable=False),
    sa.Column("error_class", sa.String(length=16), server_default="", nullable=False),
    sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("claimed_by", sa.String(length=64), server_default="", nullable=False),
    sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
]


def upgrade() -> None:
    for column in _ACTION_COLUMNS:
        op.add_column("actions", column)
    op.add_column(
        "api_keys", sa.Column("role", sa.String(length=16), server_default="agent", nullable=False)
    )
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("message_id", sa.String(length=32), nullable=True),
        sa.Column("action_id", sa.Integer(), nullable=True),
        sa.Column("record_model", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=True),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=255), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_events_message_id", "audit_events", ["message_id"])
    op.create_index("ix_audit_events_action_id", "audit_events", ["action_id"])
    op.create_index("ix_audit_record", "audit_events", ["record_model", "record_id"])


def downgrade() -> None:
    op.drop_table("audit_events")
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("role")
    with op.batch_alter_table("actions") as batch:
        for column in _ACTION_COLUMNS:
            batch.drop_column(column.name)
