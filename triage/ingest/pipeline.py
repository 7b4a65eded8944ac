"""From raw bytes to a stored message: parse, then store once, or record why not."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from models import DefectCode, LinkResult, Message, Signal
from parsers import EntityPatterns, ParseOptions, parse_message
from triage.actions.workflow import Workflow
from triage.classify.cascade import Cascade
from triage.errors import OdooError, OdooUnavailable
from triage.link.linker import Linker
from triage.store import MessageStore, StoreOutcome, StoreResult
from triage.store.links import LinkStore

log = logging.getLogger(__name__)


@dataclass
class IngestTally:
    """Counts of what an ingest run did."""

    stored: int = 0
    duplicates: int = 0
    failed: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)

    def add(self, position: str, result: StoreResult) -> None:
        """Count one outcome."""
        if result.outcome is StoreOutcome.STORED:
            self.stored += 1
        elif result.outcome is StoreOutcome.DUPLICATE:
            self.duplicates += 1
        else:
            self.failed += 1
            self.failures.append((position, result.reason))

    def summary(self) -> str:
        """The one-line summary printed at the end of a run."""
        return f"ingested {self.stored}, duplicates {self.duplicates}, failed {self.failed}"


@dataclass(frozen=True)
class Ingestor:
    """Parses and stores raw mail with the configured limits."""

    store: MessageStore
    options: ParseOptions = ParseOptions()
    patterns: EntityPatterns | None = None
    cascade: Cascade | None = None
    linker: Linker | None = None
    links: LinkStore | None = None
    workflow: Workflow | None = None

    def ingest(
        self, raw: bytes, *, source: str, position: str, received_at: datetime | None = None
    ) -> StoreResult:
        """Store one mail exactly once; input that is not mail is recorded as failed."""
        message, kept = self.prepare(raw, source=source, position=position, received_at=received_at)
        if message is None:
            return self.store.record_failure(source, position, raw, kept.decode())
        result = self.store.add(message, kept)
        if result.outcome is StoreOutcome.STORED:
            self.classify([message])
        return result

    def prepare(
        self, raw: bytes, *, source: str, position: str, received_at: datetime | None = None
    ) -> tuple[Message | None, bytes]:
        """(message, bytes to keep), or (None, the reason) for input that is not mail."""
        try:
            message = parse_message(
                raw,
                source=source,
                position=position,
                received_at=received_at,
                options=self.options,
                patterns=self.patterns,
            )
        except Exception as exc:  # a parser bug must not lose the mail: keep it with the reason
            log.exception("parser failed on %s", position)
            return None, f"parser error: {exc!r}".encode()
        if message.has_defect(DefectCode.NOT_MAIL):
            return None, b"not mail: no RFC 5322 headers"
        return message, raw

    def classify(self, messages: list[Message]) -> list[Signal]:
        """Classify stored messages and store their signals (after the messages: a crash
        in between leaves them for `classify_pending`)."""
        if self.cascade is None or not messages:
            return []
        try:
            signals = self.cascade.classify_many(messages)
        except Exception:  # the mail is stored: log it and leave it for classify_pending
            log.exception("classification failed for %d message(s)", len(messages))
            return []
        for signal in signals:
            self.store.add_signal(signal)
        if self.linker is None and self.workflow is not None:
            for message, signal in zip(messages, signals, strict=True):
                self.workflow.decide(message, signal, LinkResult())
        self.link(messages, signals)
        return signals

    def link(self, messages: list[Message], signals: list[Signal]) -> None:
        """Link classified messages to Odoo; a failure is recorded and retried later."""
        if self.linker is None or self.links is None:
            return
        unavailable: OdooUnavailable | None = None
        for message, signal in zip(messages, signals, strict=True):
            if unavailable is not None:  # one timeout per batch is enough
                self.links.failed(message.id, f"OdooUnavailable: {unavailable.message}")
                continue
            try:
                result = self.linker.link(message, signal)
                self.links.save(message.id, result)
                if self.workflow is not None:
                    self.workflow.decide(message, signal, result)
            except OdooError as exc:
                log.warning("linking %s failed: %s", message.id, exc.message)
                self.links.failed(message.id, f"{type(exc).__name__}: {exc.message}")
                unavailable = exc if isinstance(exc, OdooUnavailable) else None

    def link_pending(self) -> int:
        """Link messages that were never linked or whose linking failed; return how many."""
        if self.linker is None or self.links is None:
            return 0
        pairs = [(self.store.get(i), self.store.signal(i)) for i in self.links.pending()]
        ready = [(m, s) for m, s in pairs if m is not None and s is not None]
        self.link([m for m, _ in ready], [s for _, s in ready])
        return len(ready)

    def classify_pending(self) -> int:
        """Classify stored messages that have no signal yet; return how many."""
        pending = self.store.unclassified() if self.cascade is not None else []
        self.classify(pending)
        return len(pending)
