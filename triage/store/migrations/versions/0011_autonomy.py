"""earned autonomy: states per (intent, decider), decisions and people's verdicts

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "autonomy_states",
        sa.Column("intent", sa.String(length=64), nullable=False),
        sa.Column("decider", sa.String(length=16), nullable=False),
        sa.Column("learned", sa.String(length=16), nullable=True),
        sa.Column("pinned", sa.String(length=16), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("change_reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("intent", "decider"),
    )
    op.create_table(
        "autonomy_decisions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("message_id", sa.String(length=32), nullable=False),
        sa.Column("intent", sa.String(length=64), nullable=False),
        sa.Column("decider", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("primary", sa.Boolean(), nullable=False),
        sa.Column("spot_check", sa.Boolean(), nullable=False),
        sa.Column("spot_done", sa.Boolean(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_id", "intent", name="uq_autonomy_decisions_message_intent"),
    )
    op.create_index("ix_autonomy_decisions_spot", "autonomy_decisions", ["spot_check", "spot_done"])
    op.create_table(
        "autonomy_observations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("message_id", sa.String(length=32), nullable=False),
        sa.Column("intent", sa.String(length=64), nullable=False),
        sa.Column("decider", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.Column("actor", sa.String(length=255), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("observed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_id", "intent", name="uq_autonomy_observations_message_intent"),
    )
    op.create_index(
        "ix_autonomy_observations_pair",
        "autonomy_observations",
        ["intent", "decider", "decided_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_autonomy_observations_pair", table_name="autonomy_observations")
    op.drop_table("autonomy_observations")
    op.drop_index("ix_autonomy_decisions_spot", table_name="autonomy_decisions")
    op.drop_table("autonomy_decisions")
    op.drop_table("autonomy_states")
