"""Earned autonomy's storage: states per (intent, decider), decisions, and people's verdicts.

A state changes through a conditional UPDATE on the row's version, with its audit event in the
same transaction: of several concurrent writers that saw one version, exactly one changes it.
Decisions and observations are unique per (message, intent): a replayed decide step keeps the
first decision, and a later verdict replaces the earlier one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from models import Signal, SpotCheck
from triage.store.audit import add_audit
from triage.store.database import as_utc, transaction
from triage.store.tables import (
    AutonomyDecisionRow,
    AutonomyObservationRow,
    AutonomyStateRow,
    MessageRow,
    SignalRow,
)

VERDICT = "autonomy_verdict"  # the audit event of a verdict that was counted


@dataclass(frozen=True)
class StoredState:
    """A pair's row: the learned state, an admin's pin, and the version that guards changes."""

    intent: str
    decider: str
    learned: str | None = None
    pinned: str | None = None
    version: int = 0
    changed_at: datetime | None = None
    change_reason: str = ""


@dataclass(frozen=True)
class DecisionRecord:
    """The state one intent of a message was decided under."""

    message_id: str
    intent: str
    decider: str
    state: str
    primary: bool
    spot_check: bool
    decided_at: datetime


@dataclass(frozen=True)
class Observation:
    """A person's verdict on one decision."""

    decision: DecisionRecord
    source: str
    correct: bool
    label: str
    actor: str


@dataclass(frozen=True)
class StateChange:
    """A conditional change of a pair's row and the audit event that records it."""

    event: str
    actor: str
    reason: str
    detail: dict[str, Any]


class AutonomyStore:
    """Reads and writes autonomy states, decisions and observations."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def state(self, intent: str, decider: str) -> StoredState | None:
        """The pair's row, or None when nothing was learned or pinned yet."""
        with transaction(self._sessions) as session:
            row = session.get(AutonomyStateRow, (intent, decider))
            return _stored(row) if row is not None else None

    def states(self) -> list[StoredState]:
        """Every pair's row."""
        with transaction(self._sessions) as session:
            return [_stored(r) for r in session.scalars(select(AutonomyStateRow))]

    def ensure_state(self, intent: str, decider: str) -> StoredState:
        """The pair's row, created (race-safely) when missing."""
        found = self.state(intent, decider)
        if found is not None:
            return found
        try:
            with transaction(self._sessions) as session:
                session.add(
                    AutonomyStateRow(intent=intent, decider=decider, version=0, change_reason="")
                )
        except IntegrityError:
            pass  # another writer created it first: read theirs
        found = self.state(intent, decider)
        if found is None:  # pragma: no cover - the row was just written
            raise LookupError(f"autonomy state {intent}/{decider} vanished")
        return found

    def change_state(
        self, seen: StoredState, values: dict[str, Any], change: StateChange, now: datetime
    ) -> bool:
        """Update the row if it is still at the version seen, auditing it; False if it moved."""
        with transaction(self._sessions) as session:
            result = session.execute(
                update(AutonomyStateRow)
                .where(
                    AutonomyStateRow.intent == seen.intent,
                    AutonomyStateRow.decider == seen.decider,
                    AutonomyStateRow.version == seen.version,
                )
                .values(
                    **values,
                    version=seen.version + 1,
                    changed_at=now,
                    change_reason=change.reason,
                )
                .execution_options(synchronize_session=False)
            )
            if getattr(result, "rowcount", 0) != 1:
                return False
            record = (f"autonomy:{seen.intent}", None)
            add_audit(session, change.event, change.actor, record=record, detail=change.detail)
            return True

    def record_decisions(self, decisions: list[DecisionRecord]) -> bool:
        """Store new (message, intent) decisions; False when a concurrent replay stored first."""
        if not decisions:
            return True
        try:
            with transaction(self._sessions) as session:
                session.add_all(_decision_row(d) for d in decisions)
        except IntegrityError:
            return False  # theirs stand: a decision is recorded once
        return True

    def decisions(self, message_id: str) -> list[DecisionRecord]:
        """A message's recorded decisions, primary first."""
        with transaction(self._sessions) as session:
            rows = session.scalars(
                select(AutonomyDecisionRow)
                .where(AutonomyDecisionRow.message_id == message_id)
                .order_by(AutonomyDecisionRow.primary.desc(), AutonomyDecisionRow.id)
            )
            return [_decision(r) for r in rows]

    def observe(self, observation: Observation, now: datetime) -> None:
        """Record a verdict, replacing an earlier one on the same decision."""
        for _ in range(2):  # a concurrent first insert loses once, then updates
            try:
                with transaction(self._sessions) as session:
                    _upsert_observation(session, observation, now)
                return
            except IntegrityError:
                continue
        raise LookupError(f"could not record the verdict on {observation.decision.message_id}")

    def tally(self, intent: str, decider: str, since: datetime) -> tuple[int, int]:
        """(reviewed decisions, correct ones) of a pair decided since `since`."""
        row = AutonomyObservationRow
        with transaction(self._sessions) as session:
            n, correct = session.execute(
                select(func.count(row.id), func.count(row.id).filter(row.correct.is_(True))).where(
                    row.intent == intent, row.decider == decider, row.decided_at >= since
                )
            ).one()
            return int(n), int(correct)

    def observed_pairs(self) -> list[tuple[str, str]]:
        """Every (intent, decider) with at least one observation."""
        row = AutonomyObservationRow
        with transaction(self._sessions) as session:
            pairs = session.execute(select(row.intent, row.decider).distinct())
            return [(intent, decider) for intent, decider in pairs]

    def spot_checks(self, pending_only: bool, limit: int) -> list[SpotCheck]:
        """Decisions picked for a spot check, newest first, with the mail's subject."""
        row = AutonomyDecisionRow
        query = (
            select(row, MessageRow.subject)
            .join(MessageRow, MessageRow.id == row.message_id)
            .where(row.spot_check.is_(True))
            .order_by(row.decided_at.desc(), row.id.desc())
            .limit(limit)
        )
        if pending_only:
            query = query.where(row.spot_done.is_(False))
        with transaction(self._sessions) as session:
            return [
                SpotCheck(
                    message_id=r.message_id,
                    intent=r.intent,
                    decider=r.decider,
                    subject=subject or "",
                    created_at=as_utc(r.decided_at),
                    done=r.spot_done,
                )
                for r, subject in session.execute(query)
            ]

    def signal_intent(self, message_id: str) -> tuple[str, str] | None:
        """(intent, decided_by) of a message's newest signal, or None."""
        with transaction(self._sessions) as session:
            data = session.scalar(
                select(SignalRow.data)
                .where(SignalRow.message_id == message_id)
                .order_by(SignalRow.id.desc())
                .limit(1)
            )
            if data is None:
                return None
            signal = Signal.model_validate(data)
            return signal.intent, signal.decided_by.value


def _upsert_observation(session: Session, observation: Observation, now: datetime) -> None:
    decision = observation.decision
    row = session.scalar(
        select(AutonomyObservationRow).where(
            AutonomyObservationRow.message_id == decision.message_id,
            AutonomyObservationRow.intent == decision.intent,
        )
    )
    if row is None:
        row = AutonomyObservationRow(
            message_id=decision.message_id,
            intent=decision.intent,
            decider=decision.decider,
            decided_at=decision.decided_at,
        )
        session.add(row)
    row.source = observation.source
    row.correct = observation.correct
    row.label = observation.label[:64]
    row.actor = observation.actor[:255]
    row.observed_at = now
    add_audit(
        session,
        VERDICT,
        observation.actor,
        message_id=decision.message_id,
        detail={
            "intent": decision.intent,
            "decider": decision.decider,
            "label": observation.label,
            "correct": observation.correct,
            "source": observation.source,
        },
    )
    if decision.spot_check:
        session.execute(
            update(AutonomyDecisionRow)
            .where(
                AutonomyDecisionRow.message_id == decision.message_id,
                AutonomyDecisionRow.intent == decision.intent,
            )
            .values(spot_done=True)
        )


def _stored(row: AutonomyStateRow) -> StoredState:
    return StoredState(
        intent=row.intent,
        decider=row.decider,
        learned=row.learned,
        pinned=row.pinned,
        version=row.version,
        changed_at=as_utc(row.changed_at) if row.changed_at else None,
        change_reason=row.change_reason,
    )


def _decision(row: AutonomyDecisionRow) -> DecisionRecord:
    return DecisionRecord(
        message_id=row.message_id,
        intent=row.intent,
        decider=row.decider,
        state=row.state,
        primary=row.primary,
        spot_check=row.spot_check,
        decided_at=as_utc(row.decided_at),
    )


def _decision_row(decision: DecisionRecord) -> AutonomyDecisionRow:
    return AutonomyDecisionRow(
        message_id=decision.message_id,
        intent=decision.intent,
        decider=decision.decider,
        state=decision.state,
        primary=decision.primary,
        spot_check=decision.spot_check,
        spot_done=False,
        decided_at=decision.decided_at,
    )
