"""The policy file's schema: rules of conditions and actions, roles, SLAs and deadlines."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from models import ActionKind, AutonomyState, Urgency

TargetName = Literal[
    "order", "purchase_order", "invoice", "picking", "partner", "impacted_orders", "message"
]
Hours = dict[Urgency, float]
PoLineField = Literal["date_planned", "price_unit", "product_qty"]


class Conditions(BaseModel):
    """All given conditions must hold (lists mean 'any of')."""

    model_config = ConfigDict(extra="forbid")

    intent: list[str] = Field(default_factory=list, description="Primary intent is one of these")
    min_confidence: float = Field(default=0.0, ge=0.0, le=1.0)
    urgency: list[Urgency] = Field(default_factory=list)
    language: list[str] = Field(default_factory=list)
    needs_review: bool | None = None
    role: list[Literal["customer", "supplier", "internal"]] = Field(default_factory=list)
    order_state: list[str] = Field(default_factory=list, description="Linked sale order's state")
    min_amount: float | None = Field(default=None, description="Linked order/invoice total")
    at_risk: bool | None = Field(default=None, description="Some impacted order's date at risk")
    discrepancy: bool | None = Field(
        default=None, description="A supplier's document differs from a linked purchase order"
    )
    unread_document: bool | None = Field(
        default=None, description="A supplier's document about a linked PO could not be read"
    )
    shipment_exception: bool | None = Field(
        default=None, description="A parcel the mail reports on has an open exception"
    )


class ActionSpec(BaseModel):
    """One action a rule produces."""

    model_config = ConfigDict(extra="forbid")

    kind: ActionKind
    target: TargetName = "message"
    assign: str = Field(default="owner", description="owner (record's user) or role:<name>")
    summary: str = ""
    note: str = ""
    activity_type: str = "mail.mail_activity_data_todo"
    deadline_days: int | None = Field(default=None, ge=0, description="Default: by urgency")
    only_at_risk: bool = False
    webhook: str | None = Field(default=None, description="Name of a configured webhook")
    approval: str | None = Field(default=None, description="agent, approver or admin")
    table: Literal["discrepancies", "alternatives"] | None = Field(
        default=None,
        description="A table under the note: the PO's discrepancies or the "
        "replenishment alternatives of a delay",
    )
    fields: list[PoLineField] = Field(
        default_factory=list, description="update_po_lines: the PO line fields it may set"
    )
    within_tolerance: bool | None = Field(
        default=None,
        description="update_po_lines: only changes inside (true) or outside "
        "(false) the supplier tolerances; any when unset",
    )

    @model_validator(mode="after")
    def _fits_its_kind(self) -> ActionSpec:
        if self.kind is ActionKind.UPDATE_PO_LINES and not self.fields:
            raise ValueError("an update_po_lines action names the `fields` it may set")
        if self.kind is ActionKind.WEBHOOK and not self.webhook:
            raise ValueError("a webhook action names its webhook")
        if self.kind in _RECORD_KINDS and self.target == "message":
            raise ValueError(f"a {self.kind} action needs a record: set `target`")
        if self.kind in (ActionKind.IMAP_MOVE, ActionKind.IMAP_KEYWORD):
            raise ValueError("IMAP filing is configured per mailbox (move_by_intent, keywords)")
        if self.approval not in (None, "agent", "approver", "admin"):
            raise ValueError(f"unknown approval role {self.approval!r}")
        needed = _NEEDS.get(self.kind)
        model = TARGET_MODELS.get(self.target)
        if needed and model and model not in needed[1]:
            allowed = ", ".join(t for t, m in TARGET_MODELS.items() if m in needed[1])
            raise ValueError(
                f"a {self.kind} action needs {needed[0]}, which {model} (target "
                f"{self.target}) does not have: use target {allowed}"
            )
        return self


# The Odoo model each record target names (as decide links them).
TARGET_MODELS: dict[str, str] = {
    "order": "sale.order",
    "impacted_orders": "sale.order",
    "purchase_order": "purchase.order",
    "invoice": "account.move",
    "picking": "stock.picking",
    "partner": "res.partner",
}
# What a kind writes or calls, and the models that have it (Odoo 17/18 sources, contract.md
# section 8): `priority` is a field of stock.picking and purchase.order, not of sale.order.
_NEEDS: dict[ActionKind, tuple[str, frozenset[str]]] = {
    ActionKind.PRIORITY: ("the field priority", frozenset({"stock.picking", "purchase.order"})),
    ActionKind.CANCEL_ORDER: ("sale.order's action_cancel", frozenset({"sale.order"})),
    ActionKind.HOLD_INVOICE: ("an invoice's payment hold", frozenset({"account.move"})),
    ActionKind.UPDATE_PO_LINES: ("purchase order lines", frozenset({"purchase.order"})),
}

_RECORD_KINDS = frozenset(
    {
        ActionKind.ACTIVITY,
        ActionKind.NOTE,
        ActionKind.PRIORITY,
        ActionKind.CUSTOMER_UPDATE,
        ActionKind.CANCEL_ORDER,
        ActionKind.HOLD_INVOICE,
        ActionKind.UPDATE_PO_LINES,
    }
)


class Rule(BaseModel):
    """When these conditions hold, propose these actions."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9_.-]+$")
    description: str = ""
    when: Conditions = Conditions()
    actions: list[ActionSpec] = Field(default_factory=list)
    shadow: bool = Field(default=False, description="Record what would be done; do nothing")
    stop: bool = Field(default=True, description="Later rules are not tried once this matched")


AUTONOMY_DECIDERS = ("rules", "classical", "llm")
StartState = AutonomyState | dict[str, AutonomyState]


class AutonomyPolicy(BaseModel):
    """How much each (intent, decider) may do alone, and the evidence that changes it."""

    model_config = ConfigDict(extra="forbid")

    default: AutonomyState = Field(
        default=AutonomyState.ASSISTED, description="Where every (intent, decider) starts"
    )
    start: dict[str, StartState] = Field(
        default_factory=dict,
        description="Intent -> state, or intent -> {decider: state}: where a pair starts",
    )
    target: float = Field(default=0.97, ge=0.0, le=1.0, description="Promote at this bound")
    min_decisions: int = Field(default=50, ge=1, description="Reviewed decisions needed")
    window_days: int = Field(default=90, ge=1, description="Only recent decisions count")
    demote_below: float = Field(default=0.90, ge=0.0, le=1.0, description="Demote below this")
    spot_check_share: float = Field(
        default=0.05, ge=0.0, le=1.0, description="Share of mail routed alone to spot-check"
    )

    @model_validator(mode="after")
    def _consistent(self) -> AutonomyPolicy:
        if self.demote_below > self.target:
            raise ValueError("demote_below must not exceed target")
        for intent, start in self.start.items():
            if isinstance(start, dict):
                unknown = sorted(set(start) - set(AUTONOMY_DECIDERS))
                if unknown:
                    raise ValueError(
                        f"start.{intent}: unknown decider {unknown[0]!r} "
                        f"(one of {', '.join(AUTONOMY_DECIDERS)})"
                    )
        return self

    def start_state(self, intent: str, decider: str) -> AutonomyState:
        """The state a pair has before any evidence: the intent's start, else the default.

        The LLM starts at most assisted unless `start` names it for the intent: a blanket
        default never hands it over (nor does evidence: see triage.autonomy.service)."""
        start = self.start.get(intent)
        if isinstance(start, dict) and decider in start:
            return start[decider]
        state = start if isinstance(start, AutonomyState) else self.default
        if decider == "llm" and state is AutonomyState.AUTONOMOUS:
            return AutonomyState.ASSISTED
        return state


class SupplierPolicy(BaseModel):
    """How far a supplier's confirmation may differ from our PO and still be within tolerance,
    and how long a transfer between our warehouses takes (for replenishment alternatives)."""

    model_config = ConfigDict(extra="forbid")

    quantity_share: float = Field(default=0.0, ge=0.0, description="e.g. 0.02: 2% either way")
    price_share: float = Field(default=0.0, ge=0.0, description="e.g. 0.01: 1% either way")
    date_days: int = Field(default=0, ge=0, description="Days earlier or later")
    transfer_days: int = Field(default=1, ge=0, description="Between two of our warehouses")


class Policy(BaseModel):
    """The whole policy file."""

    model_config = ConfigDict(extra="forbid")

    version: str
    roles: dict[str, str] = Field(default_factory=dict, description="Role -> Odoo user login")
    escalation_role: str = "supervisor"
    review_first: bool = Field(
        default=True, description="A signal needing review holds its actions for a person"
    )
    deadline_days: dict[Urgency, int] = Field(
        default_factory=lambda: {
            Urgency.CRITICAL: 0,
            Urgency.HIGH: 1,
            Urgency.NORMAL: 2,
            Urgency.LOW: 5,
        }
    )
    sla_hours: dict[str, Hours] = Field(
        default_factory=dict, description="'default' or an intent -> hours by urgency"
    )
    rules: list[Rule] = Field(default_factory=list)
    autonomy: AutonomyPolicy = Field(default_factory=AutonomyPolicy)
    supplier: SupplierPolicy = Field(default_factory=SupplierPolicy)
    digest: str = Field(default="", exclude=True)

    @model_validator(mode="after")
    def _consistent(self) -> Policy:
        ids = [r.id for r in self.rules]
        if len(ids) != len(set(ids)):
            raise ValueError("rule ids must be unique")
        for rule in self.rules:
            for spec in rule.actions:
                role = spec.assign.removeprefix("role:")
                if spec.assign.startswith("role:") and role not in self.roles:
                    raise ValueError(f"rule {rule.id}: role {role!r} is not in roles")
        if self.escalation_role not in self.roles:
            raise ValueError(f"escalation_role {self.escalation_role!r} is not in roles")
        return self

    @property
    def full_version(self) -> str:
        """The declared version and a hash of the file: any edit is a new version."""
        return f"{self.version}+{self.digest[:8]}" if self.digest else self.version

    def sla(self, intent: str, urgency: Urgency) -> float | None:
        """Hours a proposal or a review may wait before it is escalated."""
        table = self.sla_hours.get(intent) or self.sla_hours.get("default") or {}
        return table.get(urgency)
