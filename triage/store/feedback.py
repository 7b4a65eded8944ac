"""People's labels (corrections and confirmations), each written with its audit event in one
transaction."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from triage.store.audit import add_audit
from triage.store.database import transaction
from triage.store.tables import FeedbackRow, MessageRow, SignalRow

CONFIRMED = "confirmed"  # the audit event of a confirmation


class FeedbackStore:
    """Records corrections of a message's intent or urgency (training labels)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def correct(
        self, message_id: str, intent: str, urgency: str | None, user: str, actor: str
    ) -> bool:
        """Record a correction and its audit event together; False when there is no message."""
        with transaction(self._sessions) as session:
            if session.scalar(select(MessageRow.id).where(MessageRow.id == message_id)) is None:
                return False
            session.add(
                FeedbackRow(
                    message_id=message_id,
                    intent=intent,
                    urgency=urgency,
                    user=user,
                    created_at=datetime.now(UTC),
                )
            )
            add_audit(
                session,
                "corrected",
                actor,
                message_id=message_id,
                detail={"intent": intent, "urgency": urgency or ""},
            )
            return True

    def confirm(self, message_id: str, user: str, actor: str) -> tuple[str, str] | None:
        """Record that the message's current intent is right, as a label with its audit event;
        (intent, decider) confirmed, or None when the message has no signal."""
        with transaction(self._sessions) as session:
            signal = session.execute(
                select(SignalRow.data, SignalRow.decided_by)
                .where(SignalRow.message_id == message_id)
                .order_by(SignalRow.id.desc())
                .limit(1)
            ).first()
            if signal is None:
                return None
            intents = signal.data.get("intents") or [{}]
            intent = str(intents[0].get("intent") or "other")
            session.add(
                FeedbackRow(
                    message_id=message_id,
                    intent=intent,
                    urgency=None,
                    user=user,
                    created_at=datetime.now(UTC),
                )
            )
            detail = {"intent": intent, "decider": signal.decided_by}
            add_audit(session, CONFIRMED, actor, message_id=message_id, detail=detail)
            return intent, signal.decided_by
