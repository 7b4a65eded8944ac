"""pipeline state per message

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pipeline",
        sa.Column("message_id", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text(), nullable=False, server_default=""),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=64), nullable=False, server_default=""),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("message_id"),
    )
    op.create_index("ix_pipeline_state_next", "pipeline", ["state", "next_attempt_at"])
    # Mail stored before the pipeline existed: classified mail is done, the rest is pending.
    op.execute(
        "INSERT INTO pipeline (message_id, state, stage, attempts, last_error, claimed_by,"
        " updated_at) SELECT m.id,"
        " CASE WHEN EXISTS (SELECT 1 FROM signals s WHERE s.message_id = m.id)"
        " THEN 'done' ELSE 'pending' END,"
        " CASE WHEN EXISTS (SELECT 1 FROM signals s WHERE s.message_id = m.id)"
        " THEN 'decided' ELSE 'stored' END,"
        " 0, '', '', CURRENT_TIMESTAMP FROM messages m"
    )


    # Classified mail whose linking had failed (Odoo was down) was linked and decided by a
    # retry that no longer exists: it resumes after its classify step.
    op.execute(
        "UPDATE pipeline SET state = 'pending', stage = 'classified' WHERE message_id IN"
        " (SELECT message_id FROM link_runs WHERE state = 'failed') AND state = 'done'"
    )
    _complete_imap_actions()


def _complete_imap_actions() -> None:
    """Filing actions recorded before payloads were typed: name the keyword or folder in
    the payload (it was only in the target) and make failed ones due, as the filer now
    claims failed actions by their retry time."""
    actions = sa.table(
        "actions",
        sa.column("id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("target", sa.String),
        sa.column("payload", sa.JSON),
        sa.column("state", sa.String),
        sa.column("next_attempt_at", sa.DateTime(timezone=True)),
    )
    field = {"imap_keyword": "keyword", "imap_move": "destination"}
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(actions.c.id, actions.c.kind, actions.c.target, actions.c.payload).where(
            actions.c.kind.in_(list(field)), actions.c.state.in_(["approved", "failed"])
        )
    ).all()
    for action_id, kind, target, payload in rows:
        payload = {**(payload or {}), field[kind]: target}
        bind.execute(
            sa.update(actions).where(actions.c.id == action_id).values(payload=payload)
        )
    bind.execute(
        sa.update(actions)
        .where(
            actions.c.kind.in_(list(field)),
            actions.c.state == "failed",
            actions.c.next_attempt_at.is_(None),
        )
        .values(next_attempt_at=sa.func.current_timestamp())
    )


def downgrade() -> None:
    op.drop_index("ix_pipeline_state_next", table_name="pipeline")
    op.drop_table("pipeline")
