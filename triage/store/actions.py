"""The action outbox: a state machine per action, keyed so nothing is done twice.

proposed -> approved -> running -> done | failed | dead; proposed -> rejected; shadowed.
Every state change is audited in the same transaction. Workers claim an action with a
conditional UPDATE, so two workers never run the same one; a claim left by a killed worker
is taken over once it is older than the stale limit.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, CursorResult, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from models import ActionPayload, ActionRecord, ActionState, ProposedAction, Target, payload_dict
from triage.errors import TriageRuntimeError
from triage.store.audit import add_audit
from triage.store.database import transaction
from triage.store.tables import ActionRow

MAX_ATTEMPTS = 8
WORKER_KINDS = (
    "activity",
    "note",
    "priority",
    "customer_update",
    "cancel_order",
    "hold_invoice",
    "update_po_lines",
    "webhook",
)


class StateConflict(TriageRuntimeError):
    """The action is not in a state that allows this (e.g. approving a done action)."""

    status_code = 409
    code = "state_conflict"


def _conflict(session: Session, action_id: int) -> StateConflict:
    """The loser's error: the action was decided (or removed) by someone else first."""
    current = session.scalar(select(ActionRow.state).where(ActionRow.id == action_id))
    if current is None:
        return StateConflict(f"Action {action_id} does not exist.")
    return StateConflict(f"Action {action_id} is {current}, not waiting for a decision.")


class ActionStore:
    """Records actions idempotently and moves them through their states."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def record(self, message_id: str, target: str, payload: ActionPayload) -> bool:
        """Record an approved action once; False when its idempotency key already exists."""
        stored, state = payload_dict(payload), ActionState.APPROVED
        return self._insert(message_id, payload.kind, target, stored, state, {}) is not None

    def propose(self, message_id: str, action: ProposedAction) -> int | None:
        """Store a policy decision once: shadowed, waiting for approval, or approved."""
        state = (
            ActionState.SHADOWED
            if action.shadow
            else ActionState.PROPOSED
            if action.approval
            else ActionState.APPROVED
        )
        extra = {
            "target_model": action.target.model,
            "target_id": action.target.record_id,
            "target_name": action.target.name[:255],
            "approval": action.approval,
            "reason": action.reason,
            "rule_id": action.rule_id,
            "policy_version": action.policy_version,
        }
        actor = f"policy:{action.policy_version}/{action.rule_id}"
        target = f"{action.target.key}:{action.key}" if action.key else action.target.key
        payload = payload_dict(action.payload)
        return self._insert(message_id, action.kind.value, target, payload, state, extra, actor)

    def _insert(
        self,
        message_id: str,
        kind: str,
        target: str,
        payload: dict[str, Any],
        state: ActionState,
        extra: dict[str, Any],
        actor: str = "ingest",
    ) -> int | None:
        now = datetime.now(UTC)
        row = ActionRow(
            message_id=message_id,
            kind=kind,
            target=target[:255],
            idempotency_key=f"{message_id}:{kind}:{target}"[:255],
            payload=payload,
            state=state.value,
            attempts=0,
            last_error="",
            created_at=now,
            updated_at=now,
            **extra,
        )
        try:
            with transaction(self._sessions) as session:
                session.add(row)
                session.flush()
                add_audit(
                    session,
                    state.value,
                    actor,
                    message_id=message_id,
                    action_id=row.id,
                    record=(row.target_model, row.target_id),
                    detail={"kind": kind, "reason": extra.get("reason", "")},
                )
                return row.id
        except IntegrityError:
            return None

    def get(self, action_id: int) -> ActionRecord | None:
        """One action."""
        with transaction(self._sessions) as session:
            row = session.get(ActionRow, action_id)
            return _record(row) if row else None

    def for_message(self, message_id: str) -> list[ActionRecord]:
        """A message's actions, in the order they were decided."""
        query = select(ActionRow).where(ActionRow.message_id == message_id).order_by(ActionRow.id)
        with transaction(self._sessions) as session:
            return [_record(r) for r in session.scalars(query)]

    def in_state(self, state: ActionState | None = None, limit: int = 500) -> list[ActionRecord]:
        """Actions in a state (all when None), oldest first."""
        query = select(ActionRow).order_by(ActionRow.id).limit(limit)
        if state is not None:
            query = query.where(ActionRow.state == state.value)
        with transaction(self._sessions) as session:
            return [_record(r) for r in session.scalars(query)]

    def approve(self, action_id: int, actor: str, payload: dict[str, Any] | None = None) -> None:
        """proposed -> approved, optionally with the approver's edits to the payload."""
        self._decide(action_id, actor, ActionState.APPROVED, payload, "")

    def reject(self, action_id: int, actor: str, reason: str = "") -> None:
        """proposed -> rejected."""
        self._decide(action_id, actor, ActionState.REJECTED, None, reason)

    def _decide(
        self,
        action_id: int,
        actor: str,
        state: ActionState,
        payload: dict[str, Any] | None,
        reason: str,
    ) -> None:
        # One conditional UPDATE decides: of concurrent deciders exactly one matches the row
        # while it is still proposed (SQLite serialises writers, PostgreSQL re-checks the WHERE
        # after the row lock); the others change nothing and get StateConflict.
        with transaction(self._sessions) as session:
            won: CursorResult[Any] = session.execute(  # type: ignore[assignment]
                update(ActionRow)
                .where(ActionRow.id == action_id, ActionRow.state == ActionState.PROPOSED.value)
                .values(state=state.value, updated_at=datetime.now(UTC))
                .execution_options(synchronize_session=False)
            )
            if not won.rowcount:
                raise _conflict(session, action_id)
            row = session.get_one(ActionRow, action_id)
            if payload:
                row.payload = {**row.payload, **payload}
            detail: dict[str, Any] = {"reason": reason} if reason else {}
            if payload:
                detail["edited"] = sorted(payload)
            add_audit(
                session,
                state.value,
                actor,
                message_id=row.message_id,
                action_id=row.id,
                record=(row.target_model, row.target_id),
                detail=detail,
            )

    def claim(
        self,
        worker: str,
        stale_after: float,
        kinds: tuple[str, ...] = WORKER_KINDS,
        scope: dict[str, str] | None = None,
    ) -> ActionRecord | None:
        """Take one due action of these kinds whose payload has the `scope` values, if given.

        Due means approved, failed and due again, or left running for `stale_after` seconds.
        """
        now = datetime.now(UTC)
        due = or_(
            ActionRow.state == ActionState.APPROVED.value,
            and_(ActionRow.state == ActionState.FAILED.value, ActionRow.next_attempt_at <= now),
            and_(
                ActionRow.state == ActionState.RUNNING.value,
                ActionRow.claimed_at < now - timedelta(seconds=stale_after),
            ),
        )
        query = select(ActionRow.id, ActionRow.state, ActionRow.claimed_at).where(
            due, ActionRow.kind.in_(kinds), *_in_scope(scope)
        )
        with transaction(self._sessions) as session:
            candidates = session.execute(query.order_by(ActionRow.id).limit(20)).all()
        for action_id, state, claimed_at in candidates:
            if self._take(action_id, state, claimed_at, worker, now):
                return self.get(action_id)
        return None

    def _take(
        self, action_id: int, state: str, claimed_at: datetime | None, worker: str, now: datetime
    ) -> bool:
        same_claim = (
            ActionRow.claimed_at.is_(None)
            if claimed_at is None
            else ActionRow.claimed_at == claimed_at
        )
        with transaction(self._sessions) as session:
            taken: CursorResult[Any] = session.execute(  # type: ignore[assignment]
                update(ActionRow)
                .where(ActionRow.id == action_id, ActionRow.state == state, same_claim)
                .values(
                    state=ActionState.RUNNING.value,
                    claimed_by=worker[:64],
                    claimed_at=now,
                    updated_at=now,
                )
            )
            return bool(taken.rowcount)

    def done(self, action_id: int, worker: str, detail: dict[str, Any] | None = None) -> None:
        """running -> done."""
        self._after_run(action_id, worker, ActionState.DONE, "", "", None, detail or {})

    def failed(
        self,
        action_id: int,
        worker: str,
        error: str,
        error_class: str,
        retry_in: float | None,
        give_up: bool = False,
    ) -> ActionState:
        """running -> failed (retried after `retry_in` s, or left for a person) or dead.

        Dead after MAX_ATTEMPTS retried attempts, or at once when told to give up.
        """
        with transaction(self._sessions) as session:
            row = session.get(ActionRow, action_id)
            attempts = (row.attempts if row else 0) + 1
        dead = give_up or (retry_in is not None and attempts >= MAX_ATTEMPTS)
        state = ActionState.DEAD if dead else ActionState.FAILED
        when = None if retry_in is None or dead else datetime.now(UTC) + timedelta(seconds=retry_in)
        self._after_run(action_id, worker, state, error, error_class, when, {}, count=True)
        return state

    def _after_run(
        self,
        action_id: int,
        worker: str,
        state: ActionState,
        error: str,
        error_class: str,
        next_attempt: datetime | None,
        detail: dict[str, Any],
        count: bool = False,
    ) -> None:
        with transaction(self._sessions) as session:
            row = session.get(ActionRow, action_id)
            if row is None:
                return
            row.state, row.updated_at = state.value, datetime.now(UTC)
            row.last_error, row.error_class, row.next_attempt_at = (
                error[:2_000],
                error_class,
                next_attempt,
            )
            row.claimed_at, row.claimed_by = None, ""
            if count:
                row.attempts += 1
            info = {**detail, **({"error": error[:500], "class": error_class} if error else {})}
            add_audit(
                session,
                state.value,
                worker,
                message_id=row.message_id,
                action_id=row.id,
                record=(row.target_model, row.target_id),
                detail=info,
            )

    def waiting_since(self, before: datetime) -> list[ActionRecord]:
        """Proposed actions created before `before` and not yet escalated."""
        query = select(ActionRow).where(
            ActionRow.state == ActionState.PROPOSED.value,
            ActionRow.created_at < before,
            ActionRow.escalated_at.is_(None),
        )
        with transaction(self._sessions) as session:
            return [_record(r) for r in session.scalars(query.order_by(ActionRow.id))]

    def mark_escalated(self, action_id: int, actor: str) -> None:
        """Flag an action as escalated (it stays proposed)."""
        with transaction(self._sessions) as session:
            row = session.get(ActionRow, action_id)
            if row is not None and row.escalated_at is None:
                row.escalated_at = datetime.now(UTC)
                add_audit(
                    session,
                    "escalated",
                    actor,
                    message_id=row.message_id,
                    action_id=row.id,
                    record=(row.target_model, row.target_id),
                )

    def counts(self) -> dict[str, int]:
        """Actions per state."""
        query = select(ActionRow.state, func.count()).group_by(ActionRow.state)
        with transaction(self._sessions) as session:
            return {state: int(n) for state, n in session.execute(query)}

    def failures(self) -> dict[str, int]:
        """Failed or dead actions per error class (business, technical)."""
        states = (ActionState.FAILED.value, ActionState.DEAD.value)
        query = (
            select(ActionRow.error_class, func.count())
            .where(ActionRow.state.in_(states))
            .group_by(ActionRow.error_class)
        )
        with transaction(self._sessions) as session:
            return {cls or "unknown": int(n) for cls, n in session.execute(query)}

    def escalated(self) -> int:
        """Actions escalated so far."""
        query = select(func.count()).where(ActionRow.escalated_at.is_not(None))
        with transaction(self._sessions) as session:
            return int(session.scalar(query) or 0)

    def states(self, message_id: str) -> dict[tuple[str, str], str]:
        """(kind, target) -> state for a message's actions."""
        with transaction(self._sessions) as session:
            rows = session.execute(
                select(ActionRow.kind, ActionRow.target, ActionRow.state).where(
                    ActionRow.message_id == message_id
                )
            )
            return {(k, t): st for k, t, st in rows}


def _in_scope(scope: dict[str, str] | None) -> list[ColumnElement[bool]]:
    """Conditions that the payload's fields hold these values."""
    return [ActionRow.payload[key].as_string() == value for key, value in (scope or {}).items()]


def _record(row: ActionRow) -> ActionRecord:
    return ActionRecord(
        id=row.id,
        message_id=row.message_id,
        kind=row.kind,
        target=Target(model=row.target_model, record_id=row.target_id, name=row.target_name),
        payload=dict(row.payload),
        state=ActionState(row.state),
        approval=row.approval,
        reason=row.reason,
        rule_id=row.rule_id,
        policy_version=row.policy_version,
        attempts=row.attempts,
        last_error=row.last_error,
        error_class=row.error_class,
        escalated_at=row.escalated_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
