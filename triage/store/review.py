"""Read models for the review UI: the queue, the feedback list and the dashboard's figures."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from models import ActionState, Signal
from triage.store.database import as_utc, transaction
from triage.store.tables import (
    ActionRow,
    FeedbackRow,
    LinkRunRow,
    LlmCallRow,
    MessageRow,
    PipelineRow,
    SignalRow,
)

QUEUE_WINDOW = 2_000
_URGENCY_RANK = {"critical": 0, "high": 1, "normal": 2, "low": 3}


@dataclass(frozen=True)
class QueueItem:
    """One message as the queue shows it."""

    id: str
    subject: str
    sender: str
    received_at: datetime
    mailbox: str
    signal: Signal | None
    role: str
    proposed: int
    corrected: bool
    pipeline: str = "done"
    pipeline_error: str = ""
    reused_message_id: bool = False

    @property
    def state(self) -> str:
        """failed, needs_review, awaiting_approval, unclassified or done."""
        if self.pipeline in ("failed", "dead"):
            return "failed"
        if self.signal is None:
            return "unclassified"
        if self.signal.needs_review and not self.corrected:
            return "needs_review"
        return "awaiting_approval" if self.proposed else "done"

    @property
    def urgency_rank(self) -> int:
        """0 for critical ... 3 for low."""
        return _URGENCY_RANK.get(self.signal.urgency.value if self.signal else "normal", 2)


@dataclass(frozen=True)
class FeedbackItem:
    """A correction someone made."""

    message_id: str
    subject: str
    intent: str
    urgency: str | None
    predicted: str
    user: str
    at: datetime


@dataclass
class Dashboard:
    """Figures for the dashboard's charts."""

    days: list[date] = field(default_factory=list)
    by_day_intent: dict[date, Counter[str]] = field(default_factory=dict)
    routing: Counter[str] = field(default_factory=Counter)
    queue_age: Counter[str] = field(default_factory=Counter)
    llm_by_day: dict[date, tuple[int, int]] = field(default_factory=dict)


class ReviewStore:
    """Queries across messages, signals, links, actions and feedback."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def queue(self, limit: int = QUEUE_WINDOW) -> list[QueueItem]:
        """The newest messages with their current signal and what waits on them."""
        with transaction(self._sessions) as session:
            rows = session.execute(
                select(
                    MessageRow.id,
                    MessageRow.subject,
                    MessageRow.from_email,
                    MessageRow.received_at,
                    MessageRow.source,
                    MessageRow.source_position,
                    MessageRow.key,
                    PipelineRow.state,
                    PipelineRow.last_error,
                )
                .outerjoin(PipelineRow, PipelineRow.message_id == MessageRow.id)
                .order_by(MessageRow.received_at.desc())
                .limit(limit)
            ).all()
            ids = [r.id for r in rows]
            signals = _latest_signals(session, ids)
            roles = _roles(session, ids)
            proposed = _proposed(session, ids)
            corrected = set(
                session.scalars(
                    select(FeedbackRow.message_id).where(FeedbackRow.message_id.in_(ids))
                )
            )
            reused = _reused(session, [r.id for r in rows if r.key.startswith("sha256:")])
        return [
            QueueItem(
                id=r.id,
                subject=r.subject,
                sender=r.from_email or "",
                received_at=as_utc(r.received_at),
                mailbox=_mailbox(r.source, r.source_position),
                signal=signals.get(r.id),
                role=roles.get(r.id, ""),
                proposed=proposed.get(r.id, 0),
                corrected=r.id in corrected,
                pipeline=r.state or "done",
                pipeline_error=r.last_error or "",
                reused_message_id=r.key.startswith("sha256:") and r.id in reused,
            )
            for r in rows
        ]

    def feedback(self, limit: int = 200) -> list[FeedbackItem]:
        """Corrections, newest first, with what the machine had said."""
        with transaction(self._sessions) as session:
            rows = session.execute(
                select(FeedbackRow, MessageRow.subject)
                .join(MessageRow, MessageRow.id == FeedbackRow.message_id)
                .order_by(FeedbackRow.id.desc())
                .limit(limit)
            ).all()
            signals = _latest_signals(session, [f.message_id for f, _ in rows])
        return [
            FeedbackItem(
                message_id=f.message_id,
                subject=subject,
                intent=f.intent,
                urgency=f.urgency,
                predicted=signals[f.message_id].intent if f.message_id in signals else "",
                user=f.user,
                at=as_utc(f.created_at),
            )
            for f, subject in rows
        ]

    def corrections(self, message_id: str) -> list[FeedbackItem]:
        """The corrections of one message."""
        return [f for f in self.feedback(limit=10_000) if f.message_id == message_id]

    def dashboard(self, days: int = 14, now: datetime | None = None) -> Dashboard:
        """Mail per day by intent, routing shares, queue age, LLM use per day."""
        now = now or datetime.now(UTC)
        first = (now - timedelta(days=days - 1)).date()
        board = Dashboard(days=[first + timedelta(days=i) for i in range(days)])
        board.by_day_intent = {d: Counter() for d in board.days}
        for item in self.queue():
            day = item.received_at.date()
            if item.signal is not None and day in board.by_day_intent:
                board.by_day_intent[day][item.signal.intent] += 1
            if item.signal is not None:
                board.routing[_route(item)] += 1
            if item.state in ("needs_review", "awaiting_approval"):
                board.queue_age[_age_bucket(now - item.received_at)] += 1
        board.llm_by_day = self._llm(first)
        return board

    def _llm(self, first: date) -> dict[date, tuple[int, int]]:
        since = datetime(first.year, first.month, first.day, tzinfo=UTC)
        with transaction(self._sessions) as session:
            rows = session.execute(
                select(LlmCallRow.at, LlmCallRow.tokens_in + LlmCallRow.tokens_out).where(
                    LlmCallRow.at >= since
                )
            ).all()
        per_day: dict[date, list[int]] = defaultdict(lambda: [0, 0])
        for at, tokens in rows:
            per_day[as_utc(at).date()][0] += 1
            per_day[as_utc(at).date()][1] += int(tokens or 0)
        return {d: (v[0], v[1]) for d, v in per_day.items()}


def _latest_signals(session: Session, ids: list[str]) -> dict[str, Signal]:
    newest = (
        select(func.max(SignalRow.id))
        .where(SignalRow.message_id.in_(ids))
        .group_by(SignalRow.message_id)
    )
    rows = session.execute(
        select(SignalRow.message_id, SignalRow.data).where(SignalRow.id.in_(newest))
    )
    return {mid: Signal.model_validate(data) for mid, data in rows}


def _roles(session: Session, ids: list[str]) -> dict[str, str]:
    rows = session.execute(
        select(LinkRunRow.message_id, LinkRunRow.result).where(LinkRunRow.message_id.in_(ids))
    )
    return {mid: str((result or {}).get("role") or "") for mid, result in rows}


def _proposed(session: Session, ids: list[str]) -> dict[str, int]:
    rows = session.execute(
        select(ActionRow.message_id, func.count())
        .where(ActionRow.message_id.in_(ids), ActionRow.state == ActionState.PROPOSED.value)
        .group_by(ActionRow.message_id)
    )
    return {mid: int(n) for mid, n in rows}


def _mailbox(source: str, position: str | None) -> str:
    if source == "imap" and position:
        return position.removeprefix("imap://").split(";", 1)[0]
    return source


def _route(item: QueueItem) -> str:
    signal = item.signal
    assert signal is not None
    if signal.fallback:
        return "fallback"
    return "reviewed" if signal.needs_review else "auto-routed"


def _age_bucket(age: timedelta) -> str:
    hours = age.total_seconds() / 3600
    if hours < 1:
        return "< 1 h"
    if hours < 4:
        return "1-4 h"
    return "4-24 h" if hours < 24 else "> 24 h"


def as_dict(item: Any) -> dict[str, Any]:
    """A dataclass as a plain dict (for templates)."""
    return dict(item.__dict__)


def _reused(session: Session, ids: list[str]) -> set[str]:
    """Which of these messages reuse another mail's Message-ID (their defect says so)."""
    if not ids:
        return set()
    rows = session.execute(select(MessageRow.id, MessageRow.parsed).where(MessageRow.id.in_(ids)))
    return {i for i, parsed in rows if _has_reused_defect(parsed)}


def _has_reused_defect(parsed: dict[str, Any]) -> bool:
    defects = parsed.get("defects") or []
    return any(isinstance(d, dict) and d.get("code") == "reused_message_id" for d in defects)
