"""The embedded worker: one watcher thread per configured mailbox folder."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from triage.config import MailboxSettings
from triage.errors import StoreError
from triage.ingest.filing import Filer
from triage.ingest.imap import ImapMailbox
from triage.ingest.lease import make_lease
from triage.ingest.pool import build_preparer
from triage.ingest.watcher import FolderWatcher
from triage.runtime import Runtime
from triage.store.mailboxes import FolderHealth

log = logging.getLogger(__name__)
MONITOR_SECONDS = 60.0


def build_watchers(runtime: Runtime, mailboxes: list[MailboxSettings]) -> list[FolderWatcher]:
    """A watcher for every folder of every configured mailbox (one pool of parsing
    workers between them)."""
    lock_dir = runtime.settings.data_dir / "locks"
    if runtime.pipeline.filing is not None:
        for mailbox in mailboxes:
            runtime.pipeline.filing.watch(mailbox)
    preparer = build_preparer(runtime.settings, runtime.pipeline)
    return [
        FolderWatcher(
            settings=mailbox,
            folder=folder,
            connect=lambda m=mailbox: ImapMailbox(m),  # type: ignore[misc]
            pipeline=runtime.pipeline,
            state=runtime.mailbox_state,
            lease=make_lease(runtime.engine, lock_dir, mailbox.name, folder),
            filer=Filer(mailbox, folder, runtime.actions),
            preparer=preparer,
        )
        for mailbox in mailboxes
        for folder in mailbox.folders
    ]


@dataclass
class WatcherPool:
    """Runs watchers in daemon threads until stopped, and says so when one goes stale."""

    watchers: list[FolderWatcher]
    runtime: Runtime
    stop_event: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        """Start one thread per watcher, plus the staleness monitor."""
        for watcher in self.watchers:
            self._spawn(f"watch-{watcher.account}-{watcher.folder}", watcher.run)
        if self.watchers:
            self._spawn("watch-monitor", self._monitor)
        log.info("watching %d mailbox folder(s)", len(self.watchers))

    def _spawn(self, name: str, target: Callable[[threading.Event], None]) -> None:
        thread = threading.Thread(target=target, args=(self.stop_event,), name=name, daemon=True)
        thread.start()
        self.threads.append(thread)

    def _monitor(self, stop: threading.Event) -> None:
        mailboxes = self.runtime.settings.mailboxes
        interval = min([m.stale_after_seconds for m in mailboxes] + [MONITOR_SECONDS])
        while not stop.wait(interval):
            try:
                stale = stale_folders(self.runtime.mailbox_state.health(), mailboxes)
            except StoreError as exc:
                log.error("cannot read mailbox health: %s", exc.message)
                continue
            for name in stale:
                log.error("mailbox %s has not completed a poll in time: see triage status", name)

    def stop(self, timeout: float = 30.0) -> None:
        """Ask every watcher to stop and wait for them."""
        self.stop_event.set()
        for thread in self.threads:
            thread.join(timeout)


def stale_folders(
    health: list[FolderHealth], mailboxes: list[MailboxSettings], now: datetime | None = None
) -> list[str]:
    """Configured folders whose last completed poll is older than their limit (or missing)."""
    now = now or datetime.now(UTC)
    polled = {(h.account, h.folder): h.last_poll_at for h in health}
    stale = []
    for mailbox in mailboxes:
        limit = timedelta(seconds=mailbox.stale_after_seconds)
        for folder in mailbox.folders:
            last = polled.get((mailbox.name, folder))
            if last is None or now - last > limit:
                stale.append(f"{mailbox.name}/{folder}")
    return stale
