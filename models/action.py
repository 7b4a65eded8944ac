"""Actions the policy decides, their states in the outbox, and the audit trail."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from models.payloads import ActionPayload, parse_payload


class ActionKind(StrEnum):
    """What an action does."""

    ACTIVITY = "activity"  # a mail.activity on the record, for a person
    NOTE = "note"  # an internal note in the record's chatter
    PRIORITY = "priority"  # mark the record urgent
    CUSTOMER_UPDATE = "customer_update"  # a drafted message to the customer, posted on approval
    CANCEL_ORDER = "cancel_order"  # cancel a sale order
    UPDATE_PO_LINES = "update_po_lines"  # set confirmed dates or prices on purchase order lines
    HOLD_INVOICE = "hold_invoice"  # flag an invoice "to check" so it is not paid or chased
    WEBHOOK = "webhook"  # a signed POST to a configured URL (n8n and others)
    IMAP_MOVE = "imap_move"  # file the mail in a folder
    IMAP_KEYWORD = "imap_keyword"  # set a keyword on the mail


class ActionState(StrEnum):
    """proposed -> approved -> running -> done | failed | dead; proposed -> rejected; shadowed."""

    PROPOSED = "proposed"
    APPROVED = "approved"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    DEAD = "dead"
    REJECTED = "rejected"
    SHADOWED = "shadowed"


class UserRole(StrEnum):
    """Who may do what: agents work the queue, approvers approve, admins do everything."""

    AGENT = "agent"
    APPROVER = "approver"
    ADMIN = "admin"

    def may_approve(self, required: str | None) -> bool:
        """Whether this role may approve an action that needs `required`."""
        if self is UserRole.ADMIN or required in (None, UserRole.AGENT.value):
            return True
        return self is UserRole.APPROVER and required == UserRole.APPROVER.value


class Target(BaseModel):
    """The record an action works on (model '' for actions on the mail itself)."""

    model: str = ""
    record_id: int | None = None
    name: str = ""

    @property
    def key(self) -> str:
        """The target part of the idempotency key."""
        return f"{self.model}:{self.record_id}" if self.model else "message"


class ProposedAction(BaseModel):
    """What the policy decided for one message, before it is stored."""

    model_config = ConfigDict(extra="forbid")

    target: Target = Target()
    payload: ActionPayload = Field(description="Its `kind` is the action's kind")
    approval: str | None = Field(default=None, description="Role that must approve; None: auto")
    reason: str = Field(default="", description="Why it needs approval, or why it was decided")
    rule_id: str
    policy_version: str
    shadow: bool = False
    key: str = Field(default="", description="Tells apart two actions of one kind on one record")

    @property
    def kind(self) -> ActionKind:
        """What the action does (its payload's kind)."""
        return ActionKind(self.payload.kind)


class ActionRecord(BaseModel):
    """An action as stored in the outbox."""

    id: int
    message_id: str
    kind: str
    target: Target
    payload: dict[str, Any] = Field(description="The stored JSON form; see typed_payload()")
    state: ActionState
    approval: str | None = None
    reason: str = ""
    rule_id: str = ""
    policy_version: str = ""
    attempts: int = 0
    last_error: str = ""
    error_class: str = Field(default="", description="business or technical")
    escalated_at: datetime | None = None
    created_at: datetime
    updated_at: datetime

    def typed_payload(self) -> ActionPayload:
        """The payload as its kind's model (raises pydantic's ValidationError)."""
        return parse_payload(self.kind, self.payload)


class AuditEvent(BaseModel):
    """One decision or state change, and who or what made it."""

    at: datetime
    message_id: str | None = None
    action_id: int | None = None
    record_model: str = ""
    record_id: int | None = None
    event: str
    actor: str = Field(description="e.g. 'policy:2025.1/order_status', 'worker', 'user:anna'")
    detail: dict[str, Any] = Field(default_factory=dict)
