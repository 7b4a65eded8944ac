"""The message store: each mail stored exactly once, raw bytes kept compressed for audit."""

from __future__ import annotations

import hashlib
import zlib
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from models import Defect, DefectCode, Message, Signal
from parsers.message import header_block, message_id_for
from triage.errors import StoreError
from triage.store.database import transaction
from triage.store.mailboxes import Cursor, write_cursor
from triage.store.pipeline import new_row as pipeline_row
from triage.store.signals import signal_row
from triage.store.tables import (
    EntityRow,
    FeedbackRow,
    IngestFailureRow,
    MessageRow,
    SignalRow,
)


class StoreOutcome(StrEnum):
    """What happened to one mail handed to the store."""

    STORED = "stored"
    DUPLICATE = "duplicate"
    FAILED = "failed"


@dataclass(frozen=True)
class StoreResult:
    """The outcome for one mail and the id it is stored under."""

    outcome: StoreOutcome
    message_id: str | None = None
    reason: str = ""
    message: Message | None = None  # the message as stored (its own id), when newly stored
    signal: Signal | None = None  # the signal stored with it (the classify step is done)


class MessageStore:
    """Reads and writes messages, their entities and ingest failures."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def _session(self) -> AbstractContextManager[Session]:
        return transaction(self._sessions)

    def add(self, message: Message, raw: bytes) -> StoreResult:
        """Store a message once; a second call with the same key reports a duplicate."""
        return self._write([(message, raw)], None)[0]

    def add_batch(
        self,
        items: list[tuple[Message, bytes]],
        account: str,
        folder: str,
        cursor: Cursor,
        signals: list[Signal | None] | None = None,
    ) -> list[StoreResult]:
        """Store a batch and advance the folder's cursor in the same transaction; a signal
        given for a message is stored with it (its classify step done).

        Either every new message and the cursor are committed, or none: a crash mid-batch
        re-fetches the batch, and the keys turn what was stored into duplicates."""
        return self._write(items, (account, folder, cursor), signals)

    def _write(
        self,
        items: list[tuple[Message, bytes]],
        cursor: tuple[str, str, Cursor] | None,
        signals: list[Signal | None] | None = None,
    ) -> list[StoreResult]:
        given = signals if signals is not None else [None] * len(items)
        for attempt in range(1, 4):
            try:
                with self._session() as session:
                    results = [
                        self._insert(session, message, raw, signal)
                        for (message, raw), signal in zip(items, given, strict=True)
                    ]
                    if cursor is not None:
                        write_cursor(session, *cursor)
                return results
            except IntegrityError as exc:  # a concurrent writer stored one of the keys first
                if attempt == 3:
                    raise StoreError(f"cannot store {len(items)} message(s): integrity") from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def _insert(
        self, session: Session, message: Message, raw: bytes, signal: Signal | None = None
    ) -> StoreResult:
        existing = session.execute(
            select(MessageRow.id, MessageRow.parsed, MessageRow.raw).where(
                MessageRow.key == message.key
            )
        ).first()
        if existing is None:
            if signal is not None and signal.message_id != message.id:
                signal = None  # classified under another id (a rekeyed mail): classify again
            session.add(_message_row(message, raw))
            session.flush()
            session.add_all(_entity_rows(message))
            session.add(pipeline_row(message.id, classified=signal is not None))
            if signal is not None:
                session.add(signal_row(signal))
            return StoreResult(StoreOutcome.STORED, message.id, message=message, signal=signal)
        stored = Message.model_validate(existing[1])
        if content_fingerprint(stored, zlib.decompress(existing[2])) == content_fingerprint(
            message, raw
        ):
            return StoreResult(StoreOutcome.DUPLICATE, existing[0])
        if message.key.startswith("sha256:"):  # the same bytes cannot differ in content
            return StoreResult(StoreOutcome.DUPLICATE, existing[0])
        # The same Message-ID on a different mail (a careless mailer, or someone forging
        # one to land on another mail): a message of its own, keyed by its content.
        return self._insert(session, _rekeyed(message, raw), raw, signal)

    def record_failure(
        self, source: str, position: str | None, raw: bytes, reason: str
    ) -> StoreResult:
        """Keep input that is not mail, with the reason, once per content."""
        digest = hashlib.sha256(raw).hexdigest()
        try:
            with self._session() as session:
                found = session.scalar(
                    select(IngestFailureRow.id).where(IngestFailureRow.content_sha256 == digest)
                )
                if found is None:
                    session.add(_failure_row(source, position, raw, digest, reason))
        except IntegrityError:
            pass
        return StoreResult(StoreOutcome.FAILED, None, reason)

    def signal(self, message_id: str) -> Signal | None:
        """The newest signal of a message, or None."""
        with self._session() as session:
            query = (
                select(SignalRow.data)
                .where(SignalRow.message_id == message_id)
                .order_by(SignalRow.id.desc())
                .limit(1)
            )
            data = session.scalar(query)
            return Signal.model_validate(data) if data is not None else None

    def awaiting_review(self, before: datetime, limit: int = 500) -> list[tuple[Signal, datetime]]:
        """Newest signals needing review, stored before `before`, with no correction since."""
        corrected = select(FeedbackRow.message_id)
        query = (
            select(SignalRow.data, SignalRow.created_at)
            .where(SignalRow.created_at < before, SignalRow.message_id.not_in(corrected))
            .order_by(SignalRow.id.desc())
            .limit(limit * 4)
        )
        seen: set[str] = set()
        found: list[tuple[Signal, datetime]] = []
        with self._session() as session:
            for data, created in session.execute(query):
                signal = Signal.model_validate(data)
                if signal.message_id in seen or not signal.needs_review:
                    seen.add(signal.message_id or "")
                    continue
                seen.add(signal.message_id or "")
                found.append((signal, created if created.tzinfo else created.replace(tzinfo=UTC)))
        return found[:limit]

    def id_for_key(self, key: str) -> str | None:
        """The id of the message stored under a dedup key."""
        with self._session() as session:
            return session.scalar(select(MessageRow.id).where(MessageRow.key == key))

    def get(self, message_id: str) -> Message | None:
        """The stored message, or None."""
        with self._session() as session:
            row = session.get(MessageRow, message_id)
            return Message.model_validate(row.parsed) if row else None

    def raw(self, message_id: str) -> bytes | None:
        """The original bytes of a stored message."""
        with self._session() as session:
            row = session.get(MessageRow, message_id)
            return zlib.decompress(row.raw) if row else None

    def count(self) -> int:
        """How many messages are stored."""
        with self._session() as session:
            return session.scalar(select(func.count()).select_from(MessageRow)) or 0

    def failures(self) -> list[tuple[str | None, str]]:
        """Position and reason of every recorded failure."""
        with self._session() as session:
            rows = session.execute(
                select(IngestFailureRow.source_position, IngestFailureRow.reason)
            )
            return [(pos, reason) for pos, reason in rows]

    def feedback_labels(self) -> list[tuple[str, str, str]]:
        """(subject, new text, intent) of every message's latest correction."""
        return [(subject, text, intent) for _, subject, text, intent in self.reviewed_labels()]

    def reviewed_labels(self) -> list[tuple[str, str, str, str]]:
        """(message id, subject, new text, intent) of every message's latest correction."""
        with self._session() as session:
            rows = session.execute(
                select(MessageRow.id, MessageRow.parsed, FeedbackRow.intent)
                .join(FeedbackRow, FeedbackRow.message_id == MessageRow.id)
                .order_by(FeedbackRow.id)
            )
            latest = {
                message_id: (str(p.get("subject", "")), str(p.get("text", "")), intent)
                for message_id, p, intent in rows
            }
            return [(message_id, *labels) for message_id, labels in latest.items()]

    def find_by_entity(self, kind: str, value: str) -> list[str]:
        """Ids of messages that mention an entity."""
        with self._session() as session:
            query = select(EntityRow.message_id).where(
                EntityRow.kind == kind, EntityRow.value == value
            )
            return list(dict.fromkeys(session.scalars(query)))


def content_fingerprint(message: Message, raw: bytes) -> str:
    """What must match for a second mail with the same key to be the same mail: sender,
    subject, date and the body's bytes (not the transport headers, which differ between
    two mailboxes that received one mail, nor the parser's output, which may change)."""
    digest = hashlib.sha256()
    for part in (
        message.from_.email.lower() if message.from_ else "",
        message.subject,
        message.date.isoformat() if message.date else "",
    ):
        digest.update(part.encode("utf-8", "surrogatepass") + b"\x00")
    body = raw[len(header_block(raw)) :]
    digest.update(body.replace(b"\r\n", b"\n").rstrip(b"\n"))
    return digest.hexdigest()


def _sender(message: Message) -> str | None:
    return message.from_.email[:320] if message.from_ else None


def _rekeyed(message: Message, raw: bytes) -> Message:
    # Keyed by the reused id and the content, so that this mail delivered to two mailboxes
    # (other transport headers) is still one message.
    content = hashlib.sha256(f"{message.key}\x00{content_fingerprint(message, raw)}".encode())
    key = f"sha256:{content.hexdigest()}"
    defect = Defect(code=DefectCode.REUSED_MESSAGE_ID, detail=message.key)
    return message.model_copy(
        update={
            "key": key,
            "id": message_id_for(key),
            "defects": [*message.defects, defect],
        }
    )


def _message_row(message: Message, raw: bytes) -> MessageRow:
    return MessageRow(
        id=message.id,
        key=message.key,
        message_id=message.message_id[:1024] if message.message_id else None,
        source=message.source,
        source_position=message.source_position,
        subject=message.subject,
        from_email=_sender(message),
        date=message.date,
        received_at=message.received_at or datetime.now(UTC),
        size=message.size,
        content_sha256=message.content_sha256,
        auto=message.auto.value,
        language=message.language,
        defect_count=len(message.defects),
        parsed=message.model_dump(mode="json", by_alias=True),
        raw=zlib.compress(raw, 6),
        raw_encoding="zlib",
    )


def _entity_rows(message: Message) -> list[EntityRow]:
    return [
        EntityRow(
            message_id=message.id,
            kind=e.kind.value,
            value=e.value[:255],
            raw=e.raw,
            field=e.field.value,
            start=e.start,
            end=e.end,
            confidence=e.confidence,
            extra=e.extra,
        )
        for e in message.entities
    ]


def _failure_row(
    source: str, position: str | None, raw: bytes, digest: str, reason: str
) -> IngestFailureRow:
    return IngestFailureRow(
        source=source,
        source_position=position,
        content_sha256=digest,
        reason=reason,
        raw=zlib.compress(raw, 6),
        created_at=datetime.now(UTC),
    )
