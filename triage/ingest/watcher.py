"""Watching one IMAP folder: every mail stored exactly once, never marked read, never dead.

A cycle: take the lease, select the folder, fetch every UID above the cursor in batches
(BODY.PEEK[]: the server's \\Seen flag is untouched), store each batch and advance the
cursor in one transaction, hand the stored mail to the pipeline, then wait for mail with
IDLE (or a plain poll). Any network, server or database failure drops the connection and
retries with exponential backoff and jitter, for ever, until asked to stop.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
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

from models import Message
from triage.config import MailboxSettings
from triage.errors import MailboxError, StoreError
from triage.ingest.filing import Filer
from triage.ingest.lease import Lease
from triage.ingest.mailbox import FetchedMail, Mailbox
from triage.pipeline import MailPipeline, imap_position
from triage.store.mailboxes import Cursor, MailboxStateStore
from triage.store.messages import StoreOutcome

log = logging.getLogger(__name__)
IDLE_SLICE_SECONDS = 10.0
Progress = Callable[[int, int], None]


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
        totals = SyncResult()
        for start in range(0, len(uids), self.settings.batch_size):
            batch = uids[start : start + self.settings.batch_size]
            done = self._store_batch(mailbox, batch, folder_state.uidvalidity)
            totals = _add(totals, done)
            # Each batch is progress: a long first sync shows its backlog and is not stale.
            left = len(uids) - start - len(batch)
            self.state.record_poll(self.account, self.folder, left, done.stored > 0)
            if progress:
                progress(min(start + len(batch), len(uids)), len(uids))
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

    def _store_batch(self, mailbox: Mailbox, batch: list[int], uidvalidity: int) -> SyncResult:
        fetched = mailbox.fetch(batch)
        prepared = self._prepare(fetched, uidvalidity)
        items = [(message, kept) for _, message, kept in prepared]
        cursor = Cursor(uidvalidity, max(batch))
        results = self.pipeline.accept_batch(items, self.account, self.folder, cursor)
        stored = [
            uid
            for (uid, _, _), result in zip(prepared, results, strict=True)
            if result.outcome is StoreOutcome.STORED
        ]
        if self.settings.mark_seen:
            for uid in stored:
                mailbox.add_keywords(uid, ["\\Seen"])
        if self.filer is not None:
            self.filer.run(mailbox, uidvalidity)
        failed = len(fetched) - len(prepared)
        return SyncResult(len(fetched), len(stored), len(prepared) - len(stored), failed)

    def _prepare(
        self, fetched: list[FetchedMail], uidvalidity: int
    ) -> list[tuple[int, Message, bytes]]:
        """Parse each fetched mail; input that is not mail is recorded as failed here."""
        prepared = []
        for mail in fetched:
            position = imap_position(self.account, self.folder, uidvalidity, mail.uid)
            message, reason = self.pipeline.identify(
                mail.raw, source="imap", position=position, received_at=mail.internal_date
            )
            if message is None:
                self.pipeline.store.record_failure("imap", position, mail.raw, reason)
            else:
                prepared.append((mail.uid, message, mail.raw))
        return prepared

    def run(self, stop: threading.Event) -> None:
        """Watch until `stop` is set: sync, wait for mail, reconnect on any failure."""
        retrying = Retrying(
            retry=retry_if_exception_type((MailboxError, StoreError)),
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
        """Log out of the server (a later sync connects again)."""
        self._disconnect()

    def _disconnect(self) -> None:
        if self._mailbox is not None:
            self._mailbox.close()
            self._mailbox = None


def _add(a: SyncResult, b: SyncResult) -> SyncResult:
    return SyncResult(
        a.fetched + b.fetched, a.stored + b.stored, a.duplicates + b.duplicates, a.failed + b.failed
    )
