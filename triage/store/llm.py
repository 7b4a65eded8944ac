"""LLM usage (for budgets, metrics and the dashboard) and the answer cache."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from triage.store.database import transaction
from triage.store.tables import LlmCacheRow, LlmCallRow


@dataclass(frozen=True)
class CallRecord:
    """One LLM call to record."""

    task: str
    model: str
    prompt_version: str
    outcome: str
    message_id: str | None = None
    tokens_in: int = 0
    tokens_out: int = 0
    latency_ms: float = 0.0


@dataclass(frozen=True)
class CachedAnswer:
    """A cached validated answer and what it cost when it was first made."""

    output: dict[str, object]
    tokens_in: int
    tokens_out: int


class LlmStore:
    """Records calls and keeps the answer cache."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def record(self, call: CallRecord) -> None:
        """Store one call."""
        with transaction(self._sessions) as session:
            session.add(LlmCallRow(at=datetime.now(UTC), **call.__dict__))

    def tokens_since(self, since: datetime) -> int:
        """Tokens spent (in and out) since a moment, all processes together."""
        query = select(func.coalesce(func.sum(LlmCallRow.tokens_in + LlmCallRow.tokens_out), 0))
        with transaction(self._sessions) as session:
            return int(session.scalar(query.where(LlmCallRow.at >= since)) or 0)

    def tokens_for(self, message_id: str) -> int:
        """Tokens already spent on one message."""
        query = select(func.coalesce(func.sum(LlmCallRow.tokens_in + LlmCallRow.tokens_out), 0))
        with transaction(self._sessions) as session:
            return int(session.scalar(query.where(LlmCallRow.message_id == message_id)) or 0)

    def cached(self, key: str) -> CachedAnswer | None:
        """The cached answer for a key, if any."""
        with transaction(self._sessions) as session:
            row = session.get(LlmCacheRow, key)
            return CachedAnswer(row.output, row.tokens_in, row.tokens_out) if row else None

    def cache(self, key: str, call: CallRecord, output: dict[str, object]) -> None:
        """Keep a validated answer (the first one stored for a key wins)."""
        values = {
            "key": key,
            "task": call.task,
            "model": call.model,
            "prompt_version": call.prompt_version,
            "output": output,
            "tokens_in": call.tokens_in,
            "tokens_out": call.tokens_out,
            "created_at": datetime.now(UTC),
        }
        with transaction(self._sessions) as session:
            dialect = session.get_bind().dialect.name
            insert = pg_insert if dialect == "postgresql" else sqlite_insert
            session.execute(insert(LlmCacheRow).values(**values).on_conflict_do_nothing())
