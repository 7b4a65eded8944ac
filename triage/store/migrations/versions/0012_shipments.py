"""shipments: carrier and supplier events per parcel, and each parcel's latest state

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the shipment events and states tables."""
    op.create_table(
        "shipment_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tracking_number", sa.String(length=64), nullable=False),
        sa.Column("carrier", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("exception", sa.String(length=32), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("location", sa.String(length=255), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=255), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "tracking_number",
            "status",
            "exception",
            "occurred_at",
            "source",
            name="uq_shipment_events_event",
        ),
    )
    op.create_table(
        "shipment_states",
        sa.Column("tracking_number", sa.String(length=64), nullable=False),
        sa.Column("carrier", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("location", sa.String(length=255), nullable=False),
        sa.Column("source", sa.String(length=255), nullable=False),
        sa.Column("exception", sa.String(length=32), nullable=False),
        sa.Column("exception_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("exception_detail", sa.Text(), nullable=False),
        sa.Column("picking_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tracking_number"),
    )
    op.create_index("ix_shipment_states_picking", "shipment_states", ["picking_id"])


def downgrade() -> None:
    """Drop them."""
    op.drop_index("ix_shipment_states_picking", table_name="shipment_states")
    op.drop_table("shipment_states")
    op.drop_table("shipment_events")
