"""The action outbox: each side effect recorded once, then done, retried or given up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from triage.store.database import transaction
from triage.store.tables import ActionRow

MAX_ATTEMPTS = 8


class ActionState(StrEnum):
    """Where an action is (approval states arrive with the workflow issue)."""

    APPROVED = "approved"
    DONE = "done"
    FAILED = "failed"
    DEAD = "dead"


@dataclass(frozen=True)
class Action:
    """One side effect to perform."""

    id: int
    message_id: str
    kind: str
    target: str
    payload: dict[str, Any]
    attempts: int


class ActionStore:
    """Records actions idempotently and tracks their outcome."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def record(self, message_id: str, kind: str, target: str, payload: dict[str, Any]) -> bool:
        """Record an approved action once; False when its idempotency key already exists."""
        now = datetime.now(UTC)
        try:
            with transaction(self._sessions) as session:
                session.add(
                    ActionRow(
                        message_id=message_id,
                        kind=kind,
                        target=target,
                        idempotency_key=f"{message_id}:{kind}:{target}"[:255],
                        payload=payload,
                        state=ActionState.APPROVED.value,
                        attempts=0,
                        last_error="",
                        created_at=now,
                        updated_at=now,
                    )
                )
        except IntegrityError:
            return False
        return True

    def pending(self, kinds: tuple[str, ...], scope: dict[str, Any]) -> list[Action]:
        """Approved or failed actions of these kinds whose payload matches `scope`."""
        states = (ActionState.APPROVED.value, ActionState.FAILED.value)
        with transaction(self._sessions) as session:
            rows = session.scalars(
                select(ActionRow)
                .where(ActionRow.kind.in_(kinds), ActionRow.state.in_(states))
                .order_by(ActionRow.id)
            )
            return [
                Action(r.id, r.message_id, r.kind, r.target, dict(r.payload), r.attempts)
                for r in rows
                if all(r.payload.get(k) == v for k, v in scope.items())
            ]

    def finish(self, action_id: int, error: str = "", give_up: bool = False) -> None:
        """Mark done, or count a failure (dead after MAX_ATTEMPTS or when told to give up)."""
        with transaction(self._sessions) as session:
            row = session.get(ActionRow, action_id)
            if row is None:
                return
            row.updated_at = datetime.now(UTC)
            if not error:
                row.state = ActionState.DONE.value
                return
            row.attempts += 1
            row.last_error = error[:2_000]
            dead = give_up or row.attempts >= MAX_ATTEMPTS
            row.state = (ActionState.DEAD if dead else ActionState.FAILED).value

    def states(self, message_id: str) -> dict[tuple[str, str], str]:
        """(kind, target) -> state for a message's actions."""
        with transaction(self._sessions) as session:
            rows = session.execute(
                select(ActionRow.kind, ActionRow.target, ActionRow.state).where(
                    ActionRow.message_id == message_id
                )
            )
            return {(k, t): st for k, t, st in rows}
