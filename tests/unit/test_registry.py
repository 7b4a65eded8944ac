"""The executor registry: one handler per kind, the typed payload, clear refusals."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from models import (
    ActionRecord,
    ActionState,
    ImapMovePayload,
    NotePayload,
    Target,
    WebhookPayload,
)
from triage.actions.errors import BUSINESS, ActionFailed, classify_failure
from triage.actions.registry import ExecutorRegistry
from triage.actions.worker import Worker
from triage.config import WorkerSettings
from triage.errors import ConfigurationError


def record(kind: str, payload: dict[str, Any]) -> ActionRecord:
    now = datetime.now(UTC)
    return ActionRecord(
        id=1,
        message_id="m1",
        kind=kind,
        target=Target(),
        payload=payload,
        state=ActionState.RUNNING,
        created_at=now,
        updated_at=now,
    )


def noting(seen: list[NotePayload]) -> ExecutorRegistry:
    def note(action: ActionRecord, payload: NotePayload) -> dict[str, Any]:
        seen.append(payload)
        return {"noted": action.id}

    registry = ExecutorRegistry()
    registry.register(NotePayload, note)
    return registry


def refusal(registry: ExecutorRegistry, action: ActionRecord) -> str:
    with pytest.raises(ActionFailed) as refused:
        registry.run(action)
    failure = classify_failure(refused.value)
    assert (failure.error_class, failure.retry) == (BUSINESS, False)
    return failure.message


def test_the_handler_of_the_kind_gets_the_typed_payload() -> None:
    seen: list[NotePayload] = []
    registry = noting(seen)
    assert registry.kinds == ("note",)
    assert registry.run(record("note", {"note": "Call back"})) == {"noted": 1}
    assert seen == [NotePayload(note="Call back")]


def test_an_unknown_kind_is_refused_clearly() -> None:
    message = refusal(noting([]), record("teleport", {}))
    assert message == "unknown action kind 'teleport'"


def test_a_kind_without_an_executor_is_refused_clearly() -> None:
    message = refusal(noting([]), record("webhook", {"webhook": "n8n"}))
    assert message == "no executor is registered for webhook actions"


def test_an_invalid_payload_is_a_business_failure_naming_the_field() -> None:
    seen: list[NotePayload] = []
    message = refusal(noting(seen), record("note", {"note": "x", "assign": {"user_id": 6}}))
    assert message == "invalid note payload: note.assign: Extra inputs are not permitted"
    assert seen == []


def test_a_kind_is_registered_once() -> None:
    registry = noting([])
    with pytest.raises(ConfigurationError, match="already registered"):
        registry.register(NotePayload, lambda action, payload: {})


def test_the_outbox_worker_refuses_the_imap_kinds() -> None:
    registry = ExecutorRegistry()
    registry.register(WebhookPayload, lambda action, payload: {})
    registry.register(ImapMovePayload, lambda action, payload: {})
    with pytest.raises(ConfigurationError, match="does not run imap_move"):
        Worker(None, registry, WorkerSettings())  # type: ignore[arg-type]
