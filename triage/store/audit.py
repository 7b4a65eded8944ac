"""The audit trail: every decision and state change, queryable by message and by Odoo record."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models import AuditEvent
from triage.store.database import transaction
from triage.store.tables import AuditRow


def add_audit(
    session: Session,
    event: str,
    actor: str,
    *,
    message_id: str | None = None,
    action_id: int | None = None,
    record: tuple[str, int | None] = ("", None),
    detail: dict[str, Any] | None = None,
) -> None:
    """Add one event inside the caller's transaction (so it commits with the change)."""
    session.add(
        AuditRow(
            at=datetime.now(UTC),
            message_id=message_id,
            action_id=action_id,
            record_model=record[0],
            record_id=record[1],
            event=event,
            actor=actor[:255],
            detail=detail or {},
        )
    )


class AuditStore:
    """Reads (and records stand-alone) audit events."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def record(self, event: str, actor: str, **fields: Any) -> None:
        """Record one event in its own transaction."""
        with transaction(self._sessions) as session:
            add_audit(session, event, actor, **fields)

    def for_message(self, message_id: str) -> list[AuditEvent]:
        """A message's events, oldest first."""
        return self._query(AuditRow.message_id == message_id)

    def for_record(self, model: str, record_id: int) -> list[AuditEvent]:
        """Events about one Odoo record, oldest first."""
        return self._query((AuditRow.record_model == model) & (AuditRow.record_id == record_id))

    def latest(self, *events: str) -> AuditEvent | None:
        """The newest event of the given kinds (e.g. the last model decision), or None."""
        found = self._query(AuditRow.event.in_(events))
        return found[-1] if found else None

    def _query(self, condition: Any) -> list[AuditEvent]:
        with transaction(self._sessions) as session:
            rows = session.scalars(select(AuditRow).where(condition).order_by(AuditRow.id))
            return [
                AuditEvent(
                    at=r.at,
                    message_id=r.message_id,
                    action_id=r.action_id,
                    record_model=r.record_model,
                    record_id=r.record_id,
                    event=r.event,
                    actor=r.actor,
                    detail=dict(r.detail),
                )
                for r in rows
            ]
