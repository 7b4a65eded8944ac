"""The embedded worker: one watcher thread per configured mailbox folder."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from triage.config import MailboxSettings
from triage.ingest.filing import Filer
from triage.ingest.imap import ImapMailbox
from triage.ingest.lease import make_lease
from triage.ingest.watcher import FolderWatcher
from triage.runtime import Runtime
from triage.store.mailboxes import FolderHealth

log = logging.getLogger(__name__)


def build_watchers(runtime: Runtime, mailboxes: list[MailboxSettings]) -> list[FolderWatcher]:
    """A watcher for every folder of every configured mailbox."""
    lock_dir = runtime.settings.data_dir / "locks"
    return [
        FolderWatcher(
            settings=mailbox,
            folder=folder,
            connect=lambda m=mailbox: ImapMailbox(m),  # type: ignore[misc]
            ingestor=runtime.ingestor,
            state=runtime.mailbox_state,
            lease=make_lease(runtime.engine, lock_dir, mailbox.name, folder),
            filer=Filer(mailbox, folder, runtime.actions),
        )
        for mailbox in mailboxes
        for folder in mailbox.folders
    ]


@dataclass
class WatcherPool:
    """Runs watchers in daemon threads until stopped."""

    watchers: list[FolderWatcher]
    stop_event: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        """Start one thread per watcher."""
        for watcher in self.watchers:
            name = f"watch-{watcher.account}-{watcher.folder}"
            thread = threading.Thread(
                target=watcher.run, args=(self.stop_event,), name=name, daemon=True
            )
            thread.start()
            self.threads.append(thread)
        log.info("watching %d mailbox folder(s)", len(self.threads))

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
