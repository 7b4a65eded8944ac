"""Watching one IMAP folder: every mail stored exactly once, never marked read, never dead.

A cycle: take the lease, select the folder, fetch every UID above the cursor in batches
(BODY.PEEK[]: the server's \\Seen flag is untouched), parse (and classify) each batch in
a worker process while the next ones are fetched, store each batch in UID order and advance
the cursor in one transaction, hand the stored mail to the pipeline, then wait for mail with
IDLE (or a plain poll). Any network, server or database failure drops the connection and
retries with exponential backoff and jitter, for ever, until asked to stop.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import date

from tenacity import (
    RetryCallState,
    RetryError,
    Retrying,
    retry_if_exception_type,
    stop_when_event_set,
    wait_random_exponential,
)

from models import Message, Signal
from triage.config import MailboxSettings
from triage.errors import IngestError, MailboxError, StoreError
from triage.ingest.filing import Filer
from triage.ingest.lease import Lease
from triage.ingest.mailbox import FetchedMail, Mailbox
from triage.ingest.pool import Place, Prepared, Preparer, inline_preparer, worker_died
from triage.pipeline import MailPipeline, imap_position
from triage.store.mailboxes import Cursor, MailboxStateStore
from triage.store.messages import StoreOutcome

log = logging.getLogger(__name__)
IDLE_SLICE_SECONDS = 10.0
Progress = Callable[[int, int], None]
InFlight = tuple[list[int], list[FetchedMail], "Future[list[Prepared]]"]


@dataclass(frozen=True)
class SyncResult:
    """What one sync stored."""

    fetched: int = 0
    stored: int = 0
    duplicates: int = 0
    failed: int = 0


@dataclass
class FolderWatcher:
    """Ingests one folder of one account."""

    settings: MailboxSettings
    folder: str
    connect: Callable[[], Mailbox]
    pipeline: MailPipeline
    state: MailboxStateStore
    lease: Lease
    filer: Filer | None = None
    preparer: Preparer | None = None  # default: parse in this process, classify after storage
    _mailbox: Mailbox | None = field(default=None, init=False)
    _leased: bool | None = field(default=None, init=False)

    @property
    def account(self) -> str:
        """The configured name of the account."""
        return self.settings.name

    def sync(self, progress: Progress | None = None, since: date | None = None) -> SyncResult:
        """Store every message above the cursor; the cursor moves with each batch."""
        mailbox = self._connected()
        folder_state = mailbox.select(self.folder)
        cursor = self._cursor(folder_state.uidvalidity)
        if self.filer is not None:  # retry what an earlier cycle could not finish
            self.filer.run(mailbox, folder_state.uidvalidity)
        every = mailbox.uids_after(cursor.last_uid)
        uids = every
        if since is not None:
            recent = set(mailbox.uids_since(since))
            uids = [u for u in every if u in recent]
        totals = self._store_all(mailbox, uids, folder_state.uidvalidity, progress)
        if every and (not uids or every[-1] > uids[-1]):  # older mail skipped on purpose
            self.state.set_cursor(self.account, self.folder, Cursor(cursor.uidvalidity, every[-1]))
        if not uids:
            self.state.record_poll(self.account, self.folder, 0, False)
        return totals

    def _cursor(self, uidvalidity: int) -> Cursor:
        cursor = self.state.cursor(self.account, self.folder)
        if cursor is not None and cursor.uidvalidity == uidvalidity:
            return cursor
        if cursor is not None:
            log.warning(
                "%s/%s: UIDVALIDITY changed %s -> %s; resyncing by Message-ID",
                self.account,
                self.folder,
                cursor.uidvalidity,
                uidvalidity,
            )
        self.state.reset_cursor(self.account, self.folder, uidvalidity)
        return Cursor(uidvalidity, 0)

    def _store_all(
        self, mailbox: Mailbox, uids: list[int], uidvalidity: int, progress: Progress | None
    ) -> SyncResult:
        """Fetch ahead while earlier batches are prepared; store them in UID order."""
        preparer = self.preparer or inline_preparer(self.pipeline)
        place = Place(self.account, self.folder, uidvalidity)
        size = self.settings.batch_size
        inflight: deque[InFlight] = deque()
        totals, done_uids = SyncResult(), 0
        try:
            for start in range(0, len(uids), size):
                batch = uids[start : start + size]
                fetched = mailbox.fetch(batch)
                inflight.append((batch, fetched, preparer.submit(fetched, place)))
                last = start + size >= len(uids)
                while len(inflight) > preparer.depth or (inflight and last):
                    oldest, mails, future = inflight.popleft()
                    done = self._store_batch(mailbox, oldest, mails, future, uidvalidity)
                    totals, done_uids = _add(totals, done), done_uids + len(oldest)
                    # Each batch is progress: a long first sync shows its backlog.
                    left = len(uids) - done_uids
                    self.state.record_poll(self.account, self.folder, left, done.stored > 0)
                    if progress:
                        progress(done_uids, len(uids))
        finally:  # after a failure, what is still in flight was not stored: fetched again
            for _, _, future in inflight:
                future.cancel()
        return totals

    def _store_batch(
        self,
        mailbox: Mailbox,
        batch: list[int],
        fetched: list[FetchedMail],
        future: Future[list[Prepared]],
        uidvalidity: int,
    ) -> SyncResult:
        prepared = self._prepared(fetched, future, uidvalidity)
        items = [(message, kept) for _, message, kept, _ in prepared]
        signals = [signal for _, _, _, signal in prepared]
        cursor = Cursor(uidvalidity, max(batch))
        results = self.pipeline.accept_batch(items, self.account, self.folder, cursor, signals)
        stored = [
            uid
            for (uid, _, _, _), result in zip(prepared, results, strict=True)
            if result.outcome is StoreOutcome.STORED
        ]
        if self.settings.mark_seen:
            for uid in stored:
                mailbox.add_keywords(uid, ["\\Seen"])
        if self.filer is not None:
            self.filer.run(mailbox, uidvalidity)
        failed = len(fetched) - len(prepared)
        return SyncResult(len(fetched), len(stored), len(prepared) - len(stored), failed)

    def _prepared(
        self, fetched: list[FetchedMail], future: Future[list[Prepared]], uidvalidity: int
    ) -> list[tuple[int, Message, bytes, Signal | None]]:
        """The parsed batch; input that is not mail is recorded as failed here."""
        try:
            answers = future.result()
        except BrokenProcessPool as exc:
            if self.preparer is not None:
                self.preparer.close()  # started afresh by the next sync
            raise worker_died(exc) from exc
        prepared = []
        for mail, answer in zip(fetched, answers, strict=True):
            if answer.message is None:
                position = imap_position(self.account, self.folder, uidvalidity, mail.uid)
                self.pipeline.store.record_failure("imap", position, mail.raw, answer.reason)
            else:
                prepared.append((mail.uid, answer.message, mail.raw, answer.signal))
        return prepared

    def run(self, stop: threading.Event) -> None:
        """Watch until `stop` is set: sync, wait for mail, reconnect on any failure."""
        retrying = Retrying(
            retry=retry_if_exception_type((MailboxError, StoreError, IngestError)),
            wait=wait_random_exponential(multiplier=0.5, max=60),
            stop=stop_when_event_set(stop),
            sleep=lambda seconds: None if stop.wait(seconds) else None,
            before_sleep=self._on_failure,
            reraise=False,
        )
        try:
            while not stop.is_set():
                try:
                    retrying(self._cycle, stop)
                except RetryError:  # only raised once `stop` is set
                    break
        finally:
            self._disconnect()
            self.lease.release()

    def _cycle(self, stop: threading.Event) -> None:
        leased = self.lease.acquire()
        if leased != self._leased:
            self._leased = leased
            what = "holds the lease: watching" if leased else "another instance holds the lease"
            log.info("%s/%s: %s", self.account, self.folder, what)
        if not leased:
            stop.wait(self.settings.poll_seconds)  # another instance watches this folder
            return
        self.sync()
        self._wait_for_mail(stop)

    def _wait_for_mail(self, stop: threading.Event) -> None:
        """IDLE in short slices until mail arrives or the safety-net poll is due."""
        mailbox = self._connected()
        deadline = time.monotonic() + min(self.settings.poll_seconds, self.settings.idle_seconds)
        use_idle = self.settings.idle and mailbox.supports("IDLE")
        while not stop.is_set() and (left := deadline - time.monotonic()) > 0:
            if not use_idle:
                stop.wait(left)
                return
            if mailbox.idle(min(left, IDLE_SLICE_SECONDS)):
                return

    def _on_failure(self, retry_state: RetryCallState) -> None:
        error = retry_state.outcome.exception() if retry_state.outcome else None
        log.error(
            "%s/%s: %s (retry %d)", self.account, self.folder, error, retry_state.attempt_number
        )
        self.state.record_error(self.account, self.folder, str(error))
        self._disconnect()

    def _connected(self) -> Mailbox:
        if self._mailbox is None:
            self._mailbox = self.connect()
        return self._mailbox

    def close(self) -> None:
        """Log out of the server and stop the workers (a later sync starts both again)."""
        self._disconnect()
        if self.preparer is not None:
            self.preparer.close()

    def _disconnect(self) -> None:
        if self._mailbox is not None:
            self._mailbox.close()
            self._mailbox = None


def _add(a: SyncResult, b: SyncResult) -> SyncResult:
    return SyncResult(
        a.fetched + b.fetched, a.stored + b.stored, a.duplicates + b.duplicates, a.failed + b.failed
    )
