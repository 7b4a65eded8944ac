"""People's label corrections: each one written with its audit event in one transaction."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from triage.store.audit import add_audit
from triage.store.database import transaction
from triage.store.tables import FeedbackRow, MessageRow


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
