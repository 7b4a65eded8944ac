"""Links of messages to Odoo records, and link runs to retry when Odoo was unavailable."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from models import LinkResult
from triage.store.database import transaction
from triage.store.tables import LinkRow, LinkRunRow, MessageRow

DONE = "done"
FAILED = "failed"


class LinkStore:
    """Saves each message's latest link result; remembers failures for a retry."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def save(self, message_id: str, result: LinkResult) -> None:
        """Replace the message's links with this result."""
        with transaction(self._sessions) as session:
            run = self._run(session, message_id)
            run.state, run.result, run.error = DONE, result.model_dump(mode="json"), ""
            session.execute(delete(LinkRow).where(LinkRow.message_id == message_id))
            for link in [*([result.partner] if result.partner else []), *result.links]:
                session.add(
                    LinkRow(
                        message_id=message_id,
                        model=link.model,
                        record_id=link.record_id,
                        display_name=link.display_name,
                        found_by=link.found_by,
                        status=link.status.value,
                        reason=link.reason,
                    )
                )

    def failed(self, message_id: str, error: str) -> None:
        """Record that linking failed (Odoo down, access error), to be retried."""
        with transaction(self._sessions) as session:
            run = self._run(session, message_id)
            if run.state != DONE:
                run.state = FAILED
            run.error, run.attempts = error[:2_000], (run.attempts or 0) + 1

    def result(self, message_id: str) -> LinkResult | None:
        """The latest successful link result of a message."""
        with transaction(self._sessions) as session:
            run = session.get(LinkRunRow, message_id)
            return LinkResult.model_validate(run.result) if run and run.result else None

    def pending(self, limit: int = 200) -> list[str]:
        """Ids of messages never linked, or whose linking failed."""
        with transaction(self._sessions) as session:
            query = (
                select(MessageRow.id)
                .outerjoin(LinkRunRow, LinkRunRow.message_id == MessageRow.id)
                .where((LinkRunRow.message_id.is_(None)) | (LinkRunRow.state == FAILED))
                .limit(limit)
            )
            return list(session.scalars(query))

    @staticmethod
    def _run(session: Session, message_id: str) -> LinkRunRow:
        run = session.get(LinkRunRow, message_id)
        if run is None:
            run = LinkRunRow(message_id=message_id, state=FAILED, error="", attempts=0)
            session.add(run)
        run.updated_at = datetime.now(UTC)
        return run
