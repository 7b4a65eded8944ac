"""ORM tables. Pydantic models convert to and from these rows; nothing above the store sees them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Declarative base of every triage table."""


class MessageRow(Base):
    """One stored mail: the parsed message as JSON and the raw bytes, compressed."""

    __tablename__ = "messages"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(1024), unique=True)
    message_id: Mapped[str | None] = mapped_column(String(1024))
    source: Mapped[str] = mapped_column(String(32))
    source_position: Mapped[str | None] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(Text, default="")
    from_email: Mapped[str | None] = mapped_column(String(320), index=True)
    date: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    size: Mapped[int] = mapped_column(Integer)
    content_sha256: Mapped[str] = mapped_column(String(64), index=True)
    auto: Mapped[str] = mapped_column(String(16))
    language: Mapped[str | None] = mapped_column(String(8))
    defect_count: Mapped[int] = mapped_column(Integer, default=0)
    parsed: Mapped[dict[str, object]] = mapped_column(JSON)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    raw_encoding: Mapped[str] = mapped_column(String(16), default="zlib")


class EntityRow(Base):
    """One entity of a stored message, indexed for look-up by value."""

    __tablename__ = "entities"
    __table_args__ = (Index("ix_entities_kind_value", "kind", "value"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(String(255))
    raw: Mapped[str] = mapped_column(Text)
    field: Mapped[str] = mapped_column(String(16))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    confidence: Mapped[float] = mapped_column(Float)
    extra: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)


class SignalRow(Base):
    """The classification of a message (filled by the classification stage)."""

    __tablename__ = "signals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    decided_by: Mapped[str] = mapped_column(String(16))
    model_version: Mapped[str] = mapped_column(String(255), default="")
    data: Mapped[dict[str, object]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class IngestCursorRow(Base):
    """Where a mailbox source got to: UIDVALIDITY and the highest UID stored."""

    __tablename__ = "ingest_cursors"

    account: Mapped[str] = mapped_column(String(255), primary_key=True)
    folder: Mapped[str] = mapped_column(String(255), primary_key=True)
    uidvalidity: Mapped[int] = mapped_column(Integer)
    last_uid: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class IngestFailureRow(Base):
    """Input that could not be stored as a message, kept with the reason."""

    __tablename__ = "ingest_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(32))
    source_position: Mapped[str | None] = mapped_column(Text)
    content_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    reason: Mapped[str] = mapped_column(Text)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class FeedbackRow(Base):
    """A person's correction of a message's intent or urgency: a training label."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    intent: Mapped[str] = mapped_column(String(64))
    urgency: Mapped[str | None] = mapped_column(String(16))
    user: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ApiKeyRow(Base):
    """An API key: only its SHA-256 hash is stored."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    role: Mapped[str] = mapped_column(String(16), default="agent", server_default="agent")


class MailboxStatusRow(Base):
    """Health of one watched folder, shared by the watcher, the API and `triage status`."""

    __tablename__ = "mailbox_status"

    account: Mapped[str] = mapped_column(String(255), primary_key=True)
    folder: Mapped[str] = mapped_column(String(255), primary_key=True)
    last_poll_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_message_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    backlog: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ActionRow(Base):
    """The outbox: one side effect, done at most once per idempotency key."""

    __tablename__ = "actions"
    __table_args__ = (Index("ix_actions_state", "state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(String(255))
    idempotency_key: Mapped[str] = mapped_column(String(255), unique=True)
    payload: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    target_model: Mapped[str] = mapped_column(String(64), default="", server_default="")
    target_id: Mapped[int | None] = mapped_column(Integer)
    target_name: Mapped[str] = mapped_column(String(255), default="", server_default="")
    approval: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    rule_id: Mapped[str] = mapped_column(String(64), default="", server_default="")
    policy_version: Mapped[str] = mapped_column(String(64), default="", server_default="")
    error_class: Mapped[str] = mapped_column(String(16), default="", server_default="")
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claimed_by: Mapped[str] = mapped_column(String(64), default="", server_default="")
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuditRow(Base):
    """One decision or state change, with who or what made it."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_record", "record_model", "record_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    message_id: Mapped[str | None] = mapped_column(String(32), index=True)
    action_id: Mapped[int | None] = mapped_column(Integer, index=True)
    record_model: Mapped[str] = mapped_column(String(64), default="")
    record_id: Mapped[int | None] = mapped_column(Integer)
    event: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(255))
    detail: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)


class LinkRunRow(Base):
    """The linker's latest answer for a message, or why it failed (retried later)."""

    __tablename__ = "link_runs"

    message_id: Mapped[str] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[str] = mapped_column(String(16), index=True)
    result: Mapped[dict[str, object] | None] = mapped_column(JSON)
    error: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LinkRow(Base):
    """One link of a message to an Odoo record, for look-ups by record."""

    __tablename__ = "links"
    __table_args__ = (Index("ix_links_model_record", "model", "record_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    model: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[int | None] = mapped_column(Integer)
    display_name: Mapped[str] = mapped_column(Text, default="")
    found_by: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")


class LlmCallRow(Base):
    """One call to the LLM (or one refused before calling): what it cost and how it ended."""

    __tablename__ = "llm_calls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    task: Mapped[str] = mapped_column(String(32))
    model: Mapped[str] = mapped_column(String(128))
    prompt_version: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[str | None] = mapped_column(String(32), index=True)
    outcome: Mapped[str] = mapped_column(String(32))
    tokens_in: Mapped[int] = mapped_column(Integer, default=0)
    tokens_out: Mapped[int] = mapped_column(Integer, default=0)
    latency_ms: Mapped[float] = mapped_column(Float, default=0.0)


class LlmCacheRow(Base):
    """A validated LLM answer by (prompt version, model, normalised content)."""

    __tablename__ = "llm_cache"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    task: Mapped[str] = mapped_column(String(32))
    model: Mapped[str] = mapped_column(String(128))
    prompt_version: Mapped[str] = mapped_column(String(64))
    output: Mapped[dict[str, object]] = mapped_column(JSON)
    tokens_in: Mapped[int] = mapped_column(Integer, default=0)
    tokens_out: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class UserRow(Base):
    """A person who logs in to the review UI: an argon2 hash, never the password."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LoginSessionRow(Base):
    """A login to the review UI: the SHA-256 of the cookie's random id, never the id itself."""

    __tablename__ = "login_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PipelineRow(Base):
    """Where one stored message is in the pipeline, and why it stopped if it did."""

    __tablename__ = "pipeline"
    __table_args__ = (Index("ix_pipeline_state_next", "state", "next_attempt_at"),)

    message_id: Mapped[str] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[str] = mapped_column(String(16))
    stage: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claimed_by: Mapped[str] = mapped_column(String(64), default="")
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AutonomyStateRow(Base):
    """What one (intent, decider) pair has earned, and an admin's pin over it."""

    __tablename__ = "autonomy_states"

    intent: Mapped[str] = mapped_column(String(64), primary_key=True)
    decider: Mapped[str] = mapped_column(String(16), primary_key=True)
    learned: Mapped[str | None] = mapped_column(String(16))
    pinned: Mapped[str | None] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer, default=0)
    changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    change_reason: Mapped[str] = mapped_column(Text, default="")


class AutonomyDecisionRow(Base):
    """The autonomy state a message's intent was decided under, and whether it is spot-checked."""

    __tablename__ = "autonomy_decisions"
    __table_args__ = (
        UniqueConstraint("message_id", "intent", name="uq_autonomy_decisions_message_intent"),
        Index("ix_autonomy_decisions_spot", "spot_check", "spot_done"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    intent: Mapped[str] = mapped_column(String(64))
    decider: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    primary: Mapped[bool] = mapped_column(Boolean, default=False)
    spot_check: Mapped[bool] = mapped_column(Boolean, default=False)
    spot_done: Mapped[bool] = mapped_column(Boolean, default=False)
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AutonomyObservationRow(Base):
    """A person's verdict on one decided intent of a message (the latest one counts)."""

    __tablename__ = "autonomy_observations"
    __table_args__ = (
        UniqueConstraint("message_id", "intent", name="uq_autonomy_observations_message_intent"),
        Index("ix_autonomy_observations_pair", "intent", "decider", "decided_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    intent: Mapped[str] = mapped_column(String(64))
    decider: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16))
    correct: Mapped[bool] = mapped_column(Boolean)
    label: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(255))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    observed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ShipmentEventRow(Base):
    """One carrier or supplier event about a parcel, stored once whatever the replays."""

    __tablename__ = "shipment_events"
    __table_args__ = (
        UniqueConstraint(
            "tracking_number",
            "status",
            "exception",
            "occurred_at",
            "source",
            name="uq_shipment_events_event",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tracking_number: Mapped[str] = mapped_column(String(64))
    carrier: Mapped[str] = mapped_column(String(32))
    # '' rather than NULL: NULLs are distinct in a unique constraint, so replays would pass it.
    status: Mapped[str] = mapped_column(String(32), default="")
    exception: Mapped[str] = mapped_column(String(32), default="")
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    location: Mapped[str] = mapped_column(String(255), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(255))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ShipmentStateRow(Base):
    """The latest known state of one parcel: its furthest milestone and latest exception."""

    __tablename__ = "shipment_states"
    __table_args__ = (Index("ix_shipment_states_picking", "picking_id"),)

    tracking_number: Mapped[str] = mapped_column(String(64), primary_key=True)
    carrier: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32), default="")
    rank: Mapped[int] = mapped_column(Integer, default=0)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    location: Mapped[str] = mapped_column(String(255), default="")
    source: Mapped[str] = mapped_column(String(255), default="")
    exception: Mapped[str] = mapped_column(String(32), default="")
    exception_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    exception_detail: Mapped[str] = mapped_column(Text, default="")
    picking_id: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
