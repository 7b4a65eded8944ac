"""The executor registry: which function runs each kind of action, with its typed payload.

Executors register one handler per kind (`registry.register(NotePayload, odoo.note)`); the
worker runs an action through `run`, which validates the stored payload against its kind's
model first, so a handler only ever sees a payload of the shape its kind promises.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from models import ActionKind, ActionRecord
from triage.actions.errors import ActionFailed
from triage.errors import ConfigurationError

P = TypeVar("P", bound=BaseModel)
Handler = Callable[[ActionRecord, P], dict[str, Any]]


class ExecutorRegistry:
    """One handler per ActionKind, looked up by the action's kind."""

    def __init__(self) -> None:
        self._handlers: dict[ActionKind, Callable[[ActionRecord, Any], dict[str, Any]]] = {}

    def register(self, payload_type: type[P], handler: Handler[P]) -> None:
        """Run actions of `payload_type`'s kind with `handler`; a kind is registered once."""
        kind = ActionKind(payload_type.model_fields["kind"].default)
        if kind in self._handlers:
            raise ConfigurationError(f"an executor for {kind} actions is already registered")
        self._handlers[kind] = handler

    @property
    def kinds(self) -> tuple[str, ...]:
        """The kinds this registry runs, in registration order."""
        return tuple(kind.value for kind in self._handlers)

    def run(self, action: ActionRecord) -> dict[str, Any]:
        """Validate the action's payload and run its kind's handler; what it changed."""
        try:
            kind = ActionKind(action.kind)
        except ValueError:
            raise ActionFailed(f"unknown action kind {action.kind!r}") from None
        handler = self._handlers.get(kind)
        if handler is None:
            raise ActionFailed(f"no executor is registered for {kind} actions")
        try:
            payload = action.typed_payload()
        except ValidationError as exc:
            raise ActionFailed(f"invalid {action.kind} payload: {describe(exc)}") from exc
        return handler(action, payload)


def describe(exc: ValidationError) -> str:
    """A validation error in one line: `field: message` for each problem."""
    return "; ".join(
        f"{'.'.join(str(p) for p in error['loc']) or 'payload'}: {error['msg']}"
        for error in exc.errors()
    )
