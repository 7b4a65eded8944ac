"""Where each stored message is in the pipeline: claimed by one runner at a time, each
stage recorded, a failure kept on the message with its reason, retried later or dead.

pending -> (claimed) -> done; a failed step -> failed (retried at next_attempt_at) -> dead.
Claims are conditional updates, so two processes never work one message at once; a claim
left by a killed process is taken over once it is older than the stale limit.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, and_, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from models import Signal
from models.pipeline import PipelineState, PipelineStatus, PipelineStep
from triage.store.database import transaction
from triage.store.signals import signal_row
from triage.store.tables import MessageRow, PipelineRow


def new_row(message_id: str, classified: bool = False) -> PipelineRow:
    """The pipeline record of a message just stored (added in the store's transaction),
    classified when its signal is stored in the same transaction."""
    step = PipelineStep.CLASSIFIED if classified else PipelineStep.STORED
    return PipelineRow(
        message_id=message_id,
        state=PipelineState.PENDING.value,
        stage=step.value,
        attempts=0,
        last_error="",
        claimed_by="",
        updated_at=datetime.now(UTC),
    )


class PipelineStore:
    """Claims, advances and fails messages' pipeline records."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def claim(self, message_id: str, runner: str, stale_after: float, due_only: bool) -> bool:
        """Take a message that is not done for `runner`; False when another holds it."""
        return bool(self.claim_many([message_id], runner, stale_after, due_only))

    def claim_many(
        self, message_ids: list[str], runner: str, stale_after: float, due_only: bool
    ) -> list[str]:
        """Take the messages that are not done for `runner`, in one conditional update;
        the ids it took, in the order given (the others are held by another runner)."""
        if not message_ids:
            return []
        now = datetime.now(UTC)
        open_states = (PipelineState.PENDING.value, PipelineState.FAILED.value)
        free = or_(
            PipelineRow.claimed_at.is_(None),
            PipelineRow.claimed_at < now - timedelta(seconds=stale_after),
        )
        conditions = [
            PipelineRow.message_id.in_(message_ids),
            PipelineRow.state.in_(open_states),
        ]
        if due_only:
            conditions.append(_due(now))
        with transaction(self._sessions) as session:
            taken = set(
                session.scalars(
                    update(PipelineRow)
                    .where(*conditions, free)
                    .values(claimed_by=runner[:64], claimed_at=now, updated_at=now)
                    .returning(PipelineRow.message_id)
                    .execution_options(synchronize_session=False)
                )
            )
        return [i for i in message_ids if i in taken]

    def due(self, stale_after: float, limit: int = 200) -> list[str]:
        """Messages to work on now: pending and unclaimed (or claimed by a dead runner),
        or failed and due for a retry; oldest first."""
        now = datetime.now(UTC)
        free = or_(
            PipelineRow.claimed_at.is_(None),
            PipelineRow.claimed_at < now - timedelta(seconds=stale_after),
        )
        query = (
            select(PipelineRow.message_id)
            .where(_due(now), free)
            .order_by(PipelineRow.updated_at)
            .limit(limit)
        )
        with transaction(self._sessions) as session:
            return list(session.scalars(query))

    def advance(self, message_id: str, runner: str, step: PipelineStep, done: bool = False) -> bool:
        """Record that `step` is written (and the message done when it is the last); False
        when `runner` no longer holds the claim (it was taken over) and must stop."""
        values: dict[str, Any] = {"stage": step.value, "updated_at": datetime.now(UTC)}
        if done:
            values |= {
                "state": PipelineState.DONE.value,
                "last_error": "",
                "next_attempt_at": None,
                "claimed_by": "",
                "claimed_at": None,
            }
        else:
            values["claimed_at"] = values["updated_at"]  # progress keeps the claim fresh
        return self._update(message_id, runner, values)

    def classified(self, message_id: str, runner: str, signal: Signal) -> bool:
        """Store the signal and record the classify step in one transaction, only while
        `runner` holds the claim (so a message never gets two signals from two runners)."""
        now = datetime.now(UTC)
        with transaction(self._sessions) as session:
            moved: CursorResult[Any] = session.execute(  # type: ignore[assignment]
                update(PipelineRow)
                .where(
                    PipelineRow.message_id == message_id,
                    PipelineRow.claimed_by == runner[:64],
                    PipelineRow.stage == PipelineStep.STORED.value,
                )
                .values(stage=PipelineStep.CLASSIFIED.value, claimed_at=now, updated_at=now)
            )
            if not moved.rowcount:
                return False
            session.add(signal_row(signal))
            return True

    def requeue(self, message_id: str | None = None) -> int:
        """Give dead mail (one, or all when None) a fresh set of tries; how many."""
        conditions = [PipelineRow.state == PipelineState.DEAD.value]
        if message_id is not None:
            conditions.append(PipelineRow.message_id == message_id)
        with transaction(self._sessions) as session:
            result: CursorResult[Any] = session.execute(  # type: ignore[assignment]
                update(PipelineRow)
                .where(*conditions)
                .values(
                    state=PipelineState.PENDING.value,
                    attempts=0,
                    next_attempt_at=None,
                    updated_at=datetime.now(UTC),
                )
            )
            return int(result.rowcount)

    def fail(
        self, message_id: str, runner: str, error: str, retry_in: float, max_attempts: int
    ) -> PipelineState:
        """Record a failed step: retried after `retry_in` seconds, or dead after the last try."""
        with transaction(self._sessions) as session:
            row = session.get(PipelineRow, message_id)
            attempts = (row.attempts if row else 0) + 1
        dead = attempts >= max_attempts
        state = PipelineState.DEAD if dead else PipelineState.FAILED
        now = datetime.now(UTC)
        self._update(
            message_id,
            runner,
            {
                "state": state.value,
                "attempts": attempts,
                "last_error": error[:2_000],
                "next_attempt_at": None if dead else now + timedelta(seconds=retry_in),
                "claimed_by": "",
                "claimed_at": None,
                "updated_at": now,
            },
        )
        return state

    def _update(self, message_id: str, runner: str, values: dict[str, Any]) -> bool:
        # Only the holder of the claim writes: a runner whose claim was taken over
        # (it was presumed dead) must not overwrite the new holder's progress.
        with transaction(self._sessions) as session:
            result: CursorResult[Any] = session.execute(  # type: ignore[assignment]
                update(PipelineRow)
                .where(PipelineRow.message_id == message_id, PipelineRow.claimed_by == runner[:64])
                .values(**values)
            )
            return bool(result.rowcount)

    def status(self, message_id: str) -> PipelineStatus | None:
        """One message's pipeline record."""
        with transaction(self._sessions) as session:
            row = session.get(PipelineRow, message_id)
            return _status(row) if row else None

    def counts(self) -> dict[str, int]:
        """Messages per pipeline state."""
        query = select(PipelineRow.state, func.count()).group_by(PipelineRow.state)
        with transaction(self._sessions) as session:
            return {state: int(n) for state, n in session.execute(query)}

    def stopped(self, limit: int = 50) -> list[tuple[PipelineStatus, str]]:
        """Failed and dead messages with their subjects, most recent first."""
        states = (PipelineState.FAILED.value, PipelineState.DEAD.value)
        query = (
            select(PipelineRow, MessageRow.subject)
            .join(MessageRow, MessageRow.id == PipelineRow.message_id)
            .where(PipelineRow.state.in_(states))
            .order_by(PipelineRow.updated_at.desc())
            .limit(limit)
        )
        with transaction(self._sessions) as session:
            return [(_status(row), subject) for row, subject in session.execute(query)]


def _due(now: datetime) -> Any:
    return or_(
        PipelineRow.state == PipelineState.PENDING.value,
        and_(
            PipelineRow.state == PipelineState.FAILED.value,
            PipelineRow.next_attempt_at <= now,
        ),
    )


def _status(row: PipelineRow) -> PipelineStatus:
    return PipelineStatus(
        message_id=row.message_id,
        state=PipelineState(row.state),
        step=PipelineStep(row.stage),
        attempts=row.attempts,
        last_error=row.last_error,
        next_attempt_at=_utc(row.next_attempt_at),
        updated_at=_utc(row.updated_at) or datetime.now(UTC),
    )


def _utc(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment and moment.tzinfo is None else moment
