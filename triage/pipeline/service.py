"""`MailPipeline`: every door (CLI ingest, IMAP watcher, HTTP API) takes a raw mail through
identify -> store -> classify -> link -> decide -> propose here, one message at a time.

The store decides a mail's identity once and every later step works on the stored message
by its id. Each step writes its result before the next starts, so a crash resumes after the
last written step. A step that fails is recorded on that message (state, reason, attempts),
retried with backoff and dead after the last try; it never holds up another message.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
from dataclasses import dataclass, field
from datetime import datetime

from models import LinkResult, Message, Signal
from models.pipeline import PipelineState, PipelineStatus, PipelineStep
from parsers import EntityPatterns, ParseOptions
from triage.actions.workflow import Workflow
from triage.classify.cascade import Cascade
from triage.config import PipelineSettings
from triage.errors import OdooError, OdooUnavailable, TriageError
from triage.link.linker import Linker
from triage.pipeline.filing import FilingRules
from triage.pipeline.prepare import classify_each, identify_mail
from triage.pipeline.shipments import ShipmentTracking
from triage.pipeline.supplier import SupplierReading, wants_documents, with_document_references
from triage.store import MessageStore, StoreOutcome, StoreResult
from triage.store.links import LinkStore
from triage.store.mailboxes import Cursor
from triage.store.pipeline import PipelineStore

log = logging.getLogger(__name__)
_ORDER = list(PipelineStep)
CHUNK = 20
# Without an LLM or Odoo a chunk takes milliseconds: claim more at once.
LOCAL_CHUNK = 500
Work = tuple[Message, PipelineStep, Signal | None]
Known = dict[str, tuple[Message, Signal | None]]


def _runner_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"[:64]


@dataclass
class MailPipeline:
    """The one use case behind every door that brings mail in."""

    store: MessageStore
    progress: PipelineStore
    cascade: Cascade | None
    settings: PipelineSettings = field(default_factory=PipelineSettings)
    options: ParseOptions = field(default_factory=ParseOptions)
    patterns: EntityPatterns | None = None
    linker: Linker | None = None
    links: LinkStore | None = None
    workflow: Workflow | None = None
    filing: FilingRules | None = None
    supplier: SupplierReading | None = None
    shipments: ShipmentTracking | None = None

    def identify(
        self, raw: bytes, *, source: str, position: str, received_at: datetime | None = None
    ) -> tuple[Message | None, str]:
        """The parsed mail, or None and the reason it is not one."""
        return identify_mail(
            raw,
            source=source,
            position=position,
            received_at=received_at,
            options=self.options,
            patterns=self.patterns,
        )

    def accept(
        self, raw: bytes, *, source: str, position: str, received_at: datetime | None = None
    ) -> StoreResult:
        """Identify, store once, and finish the stored message (a duplicate left unfinished
        by a crash is finished now)."""
        message, reason = self.identify(
            raw, source=source, position=position, received_at=received_at
        )
        if message is None:
            return self.store.record_failure(source, position, raw, reason)
        result = self.store.add(message, raw)
        if result.message_id is not None:
            self.process([result.message_id])
        return result

    def accept_batch(
        self,
        items: list[tuple[Message, bytes]],
        account: str,
        folder: str,
        cursor: Cursor,
        signals: list[Signal | None] | None = None,
    ) -> list[StoreResult]:
        """Store a fetched batch with its folder's cursor (and the signals classified
        before storage, see `final_stage`) in one transaction, then finish each message."""
        results = self.store.add_batch(items, account, folder, cursor, signals)
        known = {
            r.message.id: (r.message, r.signal)
            for r in results
            if r.outcome is StoreOutcome.STORED and r.message is not None
        }
        self.process([r.message_id for r in results if r.message_id is not None], known=known)
        return results

    @property
    def final_stage(self) -> Cascade | None:
        """The cascade when its answer is final before storage (no LLM stage), else None:
        then a backfill may classify before it stores, in worker processes."""
        if self.cascade is None or self.cascade.llm is not None:
            return None
        return self.cascade

    def status(self, message_id: str) -> PipelineStatus | None:
        """Where a message is in the pipeline."""
        return self.progress.status(message_id)

    def run_due(self, limit: int = 200) -> int:
        """Finish stored-but-unfinished mail and retry failed mail that is due; how many."""
        due = self.progress.due(self.settings.stale_claim_seconds, limit)
        return self.process(due, due_only=True)

    def process(
        self, message_ids: list[str], *, due_only: bool = False, known: Known | None = None
    ) -> int:
        """Take each message that is not done through its remaining steps; how many.
        `known`: messages this process has just stored, with the signal stored with them."""
        if self.cascade is None:
            return 0
        runner = _runner_name()
        ids = list(dict.fromkeys(message_ids))
        # Claimed a chunk at a time, so that no claim grows stale while a long batch
        # (LLM calls) is still working on the messages before it.
        size = CHUNK if self.cascade.llm is not None or self.linker is not None else LOCAL_CHUNK
        return sum(
            self._process_chunk(ids[i : i + size], runner, due_only, known or {})
            for i in range(0, len(ids), size)
        )

    def _process_chunk(self, ids: list[str], runner: str, due_only: bool, known: Known) -> int:
        stale = self.settings.stale_claim_seconds
        claimed = self.progress.claim_many(ids, runner, stale, due_only)
        work = [w for i in claimed if (w := self._known(i, known) or self._load(i, runner))]
        fresh = [m for m, step, signal in work if signal is None]
        classified = self._classify(fresh)
        odoo_down: OdooUnavailable | None = None
        for message, step, signal in work:
            found = signal if signal is not None else classified[message.id]
            odoo_down = self._finish(message, step, found, signal is None, runner, odoo_down)
        return len(work)

    @staticmethod
    def _known(message_id: str, known: Known) -> Work | None:
        # Just stored by this process and claimed since: nothing else can have moved it.
        if message_id not in known:
            return None
        message, signal = known[message_id]
        step = PipelineStep.CLASSIFIED if signal is not None else PipelineStep.STORED
        return message, step, signal

    def _load(self, message_id: str, runner: str) -> Work | None:
        try:
            status = self.progress.status(message_id)
            message = self.store.get(message_id)
            if status is None or message is None:
                return None
            return message, status.step, self.store.signal(message_id)
        except Exception as exc:  # a stored row we cannot read fails alone, with its reason
            self._failed(message_id, runner, "load", exc)
            return None

    def _classify(self, messages: list[Message]) -> dict[str, Signal | Exception]:
        """Signals by message id; one mail the classifier fails on fails alone."""
        assert self.cascade is not None
        return classify_each(self.cascade, messages)

    def _finish(
        self,
        message: Message,
        step: PipelineStep,
        signal: Signal | Exception,
        fresh: bool,
        runner: str,
        odoo_down: OdooUnavailable | None,
    ) -> OdooUnavailable | None:
        """The remaining steps of one message; a failure is recorded on it, not raised."""
        doing = "classify"
        try:
            if isinstance(signal, Exception):
                raise signal
            if step is PipelineStep.STORED and not self._record_signal(
                message.id, signal, fresh, runner
            ):
                return odoo_down  # the claim was taken over: the new holder goes on
            doing = "link"
            links = self._links(message, signal, step, runner, odoo_down)
            doing = "decide"
            if self.workflow is not None:
                self.workflow.decide(message, signal, links)
            if self.filing is not None:
                self.filing.record(message, signal)
            self.progress.advance(message.id, runner, PipelineStep.DECIDED, done=True)
        except Exception as exc:  # recorded on the message with its reason, retried later
            self._failed(message.id, runner, doing, exc)
            return exc if isinstance(exc, OdooUnavailable) else odoo_down
        return odoo_down

    def _record_signal(self, message_id: str, signal: Signal, fresh: bool, runner: str) -> bool:
        if fresh:
            return self.progress.classified(message_id, runner, signal)
        # Stored by a run that died before it could record the step.
        return self.progress.advance(message_id, runner, PipelineStep.CLASSIFIED)

    def _links(
        self,
        message: Message,
        signal: Signal,
        step: PipelineStep,
        runner: str,
        odoo_down: OdooUnavailable | None,
    ) -> LinkResult:
        if self.linker is None or self.links is None:
            if self.shipments is not None:  # kept without Odoo too, with no picking
                self.shipments.record(message)
            return LinkResult()
        if _ORDER.index(step) >= _ORDER.index(PipelineStep.LINKED):
            return self.links.result(message.id) or LinkResult()
        if odoo_down is not None:  # one timeout per batch is enough
            raise odoo_down
        documents = []
        if self.supplier is not None and wants_documents(signal):  # read the raw mail only then
            documents = self.supplier.documents(message, self.store.raw(message.id))
        result = self.linker.link(with_document_references(message, documents), signal)
        if self.supplier is not None:
            self.supplier.compare(result, documents)
        if self.shipments is not None:
            result.shipments = self.shipments.record(message, result)
        self.links.save(message.id, result)
        self.progress.advance(message.id, runner, PipelineStep.LINKED)
        return result

    def _failed(self, message_id: str, runner: str, doing: str, exc: Exception) -> None:
        detail = exc.message if isinstance(exc, TriageError) else str(exc)
        reason = f"{doing}: {type(exc).__name__}: {detail}"[:2_000]
        if isinstance(exc, TriageError):
            log.warning("message %s: %s", message_id, reason)
        else:
            log.exception("message %s: %s", message_id, reason)
        try:
            self._record_failure(message_id, runner, reason, exc)
        except Exception:  # the database failed too: the claim expires and the sweep retries
            log.exception("message %s: cannot record the failure", message_id)

    def _record_failure(self, message_id: str, runner: str, reason: str, exc: Exception) -> None:
        if isinstance(exc, OdooError) and self.links is not None:
            self.links.failed(message_id, f"{type(exc).__name__}: {exc.message}")
        status = self.progress.status(message_id)
        attempts = status.attempts if status else 0
        # An outage is no fault of the mail: retried (at most hourly) until Odoo is back.
        tries = 2**31 if isinstance(exc, OdooUnavailable) else self.settings.max_attempts
        state = self.progress.fail(message_id, runner, reason, self._backoff(attempts), tries)
        if state is PipelineState.DEAD:
            log.error("message %s is dead after %d attempts: %s", message_id, attempts + 1, reason)

    def _backoff(self, attempts: int) -> float:
        base = self.settings.retry_base_seconds * 2**attempts
        return float(min(base, self.settings.retry_max_seconds)) * random.uniform(0.8, 1.2)
