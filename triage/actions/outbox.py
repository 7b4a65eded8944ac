"""The outbox port: how the worker and the IMAP filer record, claim and settle actions.

`triage.store.actions.ActionStore` is the real one. Each consumer claims only its own kinds
(the worker the Odoo and webhook kinds, a folder's filer the IMAP kinds of that folder), so
no action is run by two of them.
"""

from __future__ import annotations

from typing import Any, Protocol

from models import ActionPayload, ActionRecord, ActionState


class Outbox(Protocol):
    """Actions to perform once each, claimed by one consumer at a time."""

    def record(self, message_id: str, target: str, payload: ActionPayload) -> bool:
        """Record an approved action once; False when it was recorded before."""
        ...

    def claim(
        self,
        worker: str,
        stale_after: float,
        kinds: tuple[str, ...],
        scope: dict[str, str] | None = None,
    ) -> ActionRecord | None:
        """Take one due action of these kinds (whose payload has the `scope` values)."""
        ...

    def done(self, action_id: int, worker: str, detail: dict[str, Any] | None = None) -> None:
        """running -> done, with what the action changed."""
        ...

    def failed(
        self,
        action_id: int,
        worker: str,
        error: str,
        error_class: str,
        retry_in: float | None,
        give_up: bool = False,
    ) -> ActionState:
        """running -> failed (retried after `retry_in` s, or left for a person) or dead."""
        ...
