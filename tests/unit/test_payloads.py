"""Typed action payloads: one model per ActionKind, told apart by `kind`, refusing bad shapes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from models import (
    ActionKind,
    ActionRecord,
    ActionState,
    ActivityPayload,
    CustomerUpdatePayload,
    EditedDraft,
    NotePayload,
    ProposedAction,
    RecordOwner,
    RoleAssignee,
    Target,
    UpdateFacts,
    Urgency,
    UserAssignee,
    WebhookPayload,
    parse_payload,
    payload_dict,
)

FILED = {"account": "orders", "folder": "INBOX", "uidvalidity": 7, "uid": 42}
DECIDED = {
    "intent": "order_status",
    "urgency": "high",
    "references": ["S00042"],
    "summary": "",
    "note": "",
}
DRAFT = {
    "subject": "Your order",
    "body": "It ships Friday.",
    "language": "en",
    "source": "llm",
    "reason": "",
    "model": "qwen",
    "prompt_version": "1",
}

# What the policy, the workflow and the IMAP filing store for each kind, as JSON: every field.
STORED: dict[ActionKind, dict[str, Any]] = {
    ActionKind.ACTIVITY: {
        **DECIDED,
        "summary": "Call back",
        "deadline": "2025-03-07",
        "activity_type": "mail.mail_activity_data_todo",
        "assign": {"role": "escalation", "login": "lead"},
    },
    ActionKind.NOTE: {**DECIDED, "note": "Asked for the status of S00042"},
    ActionKind.PRIORITY: DECIDED,
    ActionKind.CUSTOMER_UPDATE: {
        **DECIDED,
        "facts": {
            "customer": "Lopez",
            "customer_id": 10,
            "order": "S00042",
            "commitment": "2025-03-10",
            "eta": "2025-03-20",
        },
        "draft": {**DRAFT, "edited_by": "anna"},
    },
    ActionKind.CANCEL_ORDER: DECIDED,
    ActionKind.HOLD_INVOICE: {
        **DECIDED,
        "intent": "invoice_dispute",
        "assign": {"role": "finance", "login": "fin"},
    },
    ActionKind.UPDATE_PO_LINES: {
        **DECIDED,
        "intent": "supplier_confirmation",
        "table": [["Line", "Difference"], ["[OLV-5L] Olive Oil", "date later"]],
        "changes": [
            {
                "line_id": 21,
                "line": "[OLV-5L] Olive Oil",
                "field": "date_planned",
                "ours": "2025-04-07 09:00:00",
                "theirs": "2025-04-09 09:00:00",
            }
        ],
    },
    ActionKind.WEBHOOK: {**DECIDED, "webhook": "n8n"},
    ActionKind.IMAP_MOVE: {**FILED, "destination": "Bounces"},
    ActionKind.IMAP_KEYWORD: {**FILED, "keyword": "triage/bounce"},
}


def record(kind: str, payload: dict[str, Any]) -> ActionRecord:
    now = datetime.now(UTC)
    return ActionRecord(
        id=1,
        message_id="m1",
        kind=kind,
        target=Target(model="sale.order", record_id=7, name="S00042"),
        payload=payload,
        state=ActionState.APPROVED,
        created_at=now,
        updated_at=now,
    )


def test_every_kind_has_its_payload_model() -> None:
    assert set(STORED) == set(ActionKind)


@pytest.mark.parametrize("kind", list(ActionKind))
def test_each_kind_validates_and_round_trips_through_its_stored_form(kind: ActionKind) -> None:
    payload = parse_payload(kind, STORED[kind])
    assert payload.kind == kind.value
    assert payload_dict(payload) == STORED[kind]
    assert parse_payload(kind, payload_dict(payload)) == payload
    assert record(kind, STORED[kind]).typed_payload() == payload


def test_fields_get_their_types() -> None:
    activity = parse_payload("activity", STORED[ActionKind.ACTIVITY])
    assert isinstance(activity, ActivityPayload)
    assert activity.deadline == date(2025, 3, 7) and activity.urgency is Urgency.HIGH
    assert activity.assign == RoleAssignee(role="escalation", login="lead")
    assert parse_payload("activity", {"deadline": "2025-03-07"}) == ActivityPayload(
        deadline=date(2025, 3, 7), assign=RecordOwner()
    )
    owner = parse_payload("activity", {"deadline": "2025-03-07", "assign": {"user_id": 6}})
    assert isinstance(owner, ActivityPayload) and owner.assign == UserAssignee(user_id=6)
    update = parse_payload("customer_update", STORED[ActionKind.CUSTOMER_UPDATE])
    assert isinstance(update, CustomerUpdatePayload)
    assert update.facts == UpdateFacts(
        customer="Lopez", customer_id=10, order="S00042", commitment="2025-03-10", eta="2025-03-20"
    )
    assert update.draft == EditedDraft.model_validate({**DRAFT, "edited_by": "anna"})


def test_the_kind_of_the_row_decides_over_a_kind_in_the_payload() -> None:
    payload = parse_payload("note", {"kind": "webhook", "note": "x"})
    assert payload == NotePayload(note="x")


@pytest.mark.parametrize(
    ("kind", "payload", "error"),
    [
        ("teleport", {}, "does not match any of the expected tags"),
        ("note", {"webhook": "n8n"}, "note.webhook\n  Extra inputs are not permitted"),
        ("webhook", {}, "webhook.webhook\n  Field required"),
        (
            "activity",
            {"deadline": "next week"},
            "activity.deadline\n  Input should be a valid date",
        ),
        ("activity", {"deadline": "2025-03-07", "assign": {"user": 6}}, "activity.assign"),
        ("imap_move", {**FILED, "destination": ""}, "at least 1 character"),
        ("imap_keyword", FILED, "imap_keyword.keyword\n  Field required"),
        (
            "customer_update",
            {"draft": {**DRAFT, "bcc": "attacker@example.com"}},
            "customer_update.draft.bcc\n  Extra inputs are not permitted",
        ),
        ("priority", {"urgency": "whenever"}, "priority.urgency\n  Input should be"),
    ],
)
def test_a_wrong_shape_is_refused_naming_the_field(
    kind: str, payload: dict[str, Any], error: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        parse_payload(kind, payload)
    assert error in str(refused.value)


def test_a_proposed_action_takes_its_kind_from_its_payload() -> None:
    action = ProposedAction(
        payload=WebhookPayload(webhook="n8n"), rule_id="r", policy_version="2025.1"
    )
    assert action.kind is ActionKind.WEBHOOK
    again = ProposedAction.model_validate(
        {"payload": {"kind": "note", "note": "x"}, "rule_id": "r", "policy_version": "1"}
    )
    assert again.payload == NotePayload(note="x")
    with pytest.raises(ValidationError, match="kind\n  Extra inputs are not permitted"):
        ProposedAction.model_validate(
            {"kind": "note", "payload": {"kind": "note"}, "rule_id": "r", "policy_version": "1"}
        )
    with pytest.raises(ValidationError, match="Field required"):
        ProposedAction.model_validate({"rule_id": "r", "policy_version": "1"})


def test_an_approvers_edit_merges_into_the_stored_dict_and_is_checked_when_typed() -> None:
    stored = STORED[ActionKind.CUSTOMER_UPDATE]
    edited = record("customer_update", {**stored, "draft": {**stored["draft"], "body": "Monday."}})
    assert edited.payload["draft"]["body"] == "Monday."  # the API and UI read the dict
    typed = edited.typed_payload()
    assert isinstance(typed, CustomerUpdatePayload) and typed.draft is not None
    assert typed.draft.body == "Monday."
    broken = record("customer_update", {**stored, "draft": {"body": "no subject"}})
    with pytest.raises(ValidationError, match="draft.subject"):
        broken.typed_payload()
