"""What each kind of action carries: one pydantic model per ActionKind, told apart by `kind`.

The outbox stores a payload as a plain JSON object without its kind (the row has one);
`parse_payload` turns it back into the model of that kind, refusing unknown or missing
fields, so an executor only ever sees a payload of the shape its kind promises.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from models.draft import Draft
from models.signal import Urgency


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Decided(_Payload):
    """What every action the policy decides carries about its message."""

    intent: str = ""
    urgency: Urgency = Urgency.NORMAL
    references: list[str] = Field(
        default_factory=list, description="Order, invoice... numbers the mail names"
    )
    summary: str = Field(default="", description="The rule's summary template, rendered")
    note: str = Field(default="", description="The rule's note template, rendered")
    table: list[list[str]] | None = Field(
        default=None, description="Rows shown as a table under the note; the first is the header"
    )


class RoleAssignee(_Payload):
    """The Odoo user who holds a policy role."""

    role: str
    login: str


class UserAssignee(_Payload):
    """An Odoo user known when the action was decided."""

    user_id: int


class RecordOwner(_Payload):
    """Whoever the record's `user_id` is when the action runs."""

    owner_of_record: Literal[True] = True


Assignee = RoleAssignee | UserAssignee | RecordOwner


class ActivityPayload(_Decided):
    """A mail.activity on the record, for a person."""

    kind: Literal["activity"] = "activity"
    deadline: date
    activity_type: str = Field(default="", description="xmlid; empty: a to-do")
    assign: Assignee = RecordOwner()


class NotePayload(_Decided):
    """An internal note in the record's chatter (the note, else the summary)."""

    kind: Literal["note"] = "note"


class PriorityPayload(_Decided):
    """Mark the record urgent."""

    kind: Literal["priority"] = "priority"


class UpdateFacts(_Payload):
    """The facts from Odoo a customer update is drafted from."""

    customer: str = ""
    customer_id: int | None = Field(default=None, description="res.partner the update goes to")
    order: str = ""
    commitment: str = Field(default="", description="The promised date, ISO or empty")
    eta: str = Field(default="", description="The new date, ISO or empty")
    partial: list[str] | None = Field(
        default=None,
        description="What could ship now from stock, e.g. '13 of 20 Extra Virgin Olive Oil 5 L'",
    )


class EditedDraft(Draft):
    """A draft as approved: the approver's edits are merged in and signed."""

    model_config = ConfigDict(extra="forbid")

    edited_by: str = ""


class CustomerUpdatePayload(_Decided):
    """A drafted message to the customer, posted on approval."""

    kind: Literal["customer_update"] = "customer_update"
    facts: UpdateFacts = UpdateFacts()
    draft: EditedDraft | None = Field(default=None, description="Added before it is stored")


class LineChange(_Payload):
    """One field of one purchase order line to set to what the supplier's document says."""

    line_id: int
    line: str = Field(default="", description="The PO line, for people")
    field: Literal["date_planned", "price_unit", "product_qty"]
    ours: str = Field(description="The value the PO had when the change was decided")
    theirs: str = Field(description="The value to write")


class UpdatePoLinesPayload(_Decided):
    """Apply a supplier's confirmed values to PO lines, each only if Odoo still has ours."""

    kind: Literal["update_po_lines"] = "update_po_lines"
    changes: list[LineChange] = Field(min_length=1)


class CancelOrderPayload(_Decided):
    """Cancel a sale order."""

    kind: Literal["cancel_order"] = "cancel_order"


class HoldInvoicePayload(_Decided):
    """Hold an invoice from payment (Odoo 18 blocks it; on 17 `assign` gets an activity)."""

    kind: Literal["hold_invoice"] = "hold_invoice"
    assign: Assignee = Field(
        default_factory=RecordOwner, description="Who holds it by hand where Odoo cannot block"
    )


class WebhookPayload(_Decided):
    """A signed POST to a configured webhook."""

    kind: Literal["webhook"] = "webhook"
    webhook: str = Field(description="Name of a configured webhook")


class _Filed(_Payload):
    """Where the mail is: filing is valid only while the folder's UIDVALIDITY holds."""

    account: str
    folder: str
    uidvalidity: int
    uid: int


class ImapMovePayload(_Filed):
    """File the mail in another folder."""

    kind: Literal["imap_move"] = "imap_move"
    destination: str = Field(min_length=1)


class ImapKeywordPayload(_Filed):
    """Set a keyword on the mail."""

    kind: Literal["imap_keyword"] = "imap_keyword"
    keyword: str = Field(min_length=1)


ActionPayload = Annotated[
    ActivityPayload
    | NotePayload
    | PriorityPayload
    | CustomerUpdatePayload
    | CancelOrderPayload
    | UpdatePoLinesPayload
    | HoldInvoicePayload
    | WebhookPayload
    | ImapMovePayload
    | ImapKeywordPayload,
    Field(discriminator="kind"),
]

PAYLOADS: TypeAdapter[ActionPayload] = TypeAdapter(ActionPayload)


def parse_payload(kind: str, data: dict[str, Any]) -> ActionPayload:
    """The typed payload of an action of `kind` (raises pydantic's ValidationError)."""
    return PAYLOADS.validate_python({**data, "kind": kind})


def payload_dict(payload: ActionPayload) -> dict[str, Any]:
    """The stored JSON form of a payload: its fields without the kind."""
    return payload.model_dump(mode="json", exclude={"kind"}, exclude_none=True)
