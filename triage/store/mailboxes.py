"""Per-folder IMAP state: the cursor (UIDVALIDITY, last UID stored) and the folder's health."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from triage.store.database import transaction
from triage.store.tables import IngestCursorRow, MailboxStatusRow


@dataclass(frozen=True)
class Cursor:
    """Where ingest of one folder got to."""

    uidvalidity: int
    last_uid: int


@dataclass(frozen=True)
class FolderHealth:
    """What `triage status`, /readyz and /metrics show for one folder."""

    account: str
    folder: str
    last_poll_at: datetime | None
    last_message_at: datetime | None
    backlog: int
    errors: int
    last_error: str


def read_cursor(session: Session, account: str, folder: str) -> Cursor | None:
    """The cursor of a folder, inside the caller's transaction."""
    row = session.get(IngestCursorRow, (account, folder))
    return Cursor(row.uidvalidity, row.last_uid) if row else None


def write_cursor(session: Session, account: str, folder: str, cursor: Cursor) -> None:
    """Set the cursor of a folder, inside the caller's transaction."""
    row = session.get(IngestCursorRow, (account, folder))
    if row is None:
        row = IngestCursorRow(account=account, folder=folder)
        session.add(row)
    row.uidvalidity, row.last_uid = cursor.uidvalidity, cursor.last_uid
    row.updated_at = datetime.now(UTC)


class MailboxStateStore:
    """Cursors and health of the watched folders."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def cursor(self, account: str, folder: str) -> Cursor | None:
        """The stored cursor, or None before the first poll."""
        with transaction(self._sessions) as session:
            return read_cursor(session, account, folder)

    def reset_cursor(self, account: str, folder: str, uidvalidity: int) -> None:
        """Start a folder again from UID 0 under a new UIDVALIDITY."""
        self.set_cursor(account, folder, Cursor(uidvalidity, 0))

    def set_cursor(self, account: str, folder: str, cursor: Cursor) -> None:
        """Move a folder's cursor (for mail skipped on purpose, e.g. before --since)."""
        with transaction(self._sessions) as session:
            write_cursor(session, account, folder, cursor)

    def record_poll(self, account: str, folder: str, backlog: int, got_mail: bool) -> None:
        """A poll completed: note when, what is left, and when mail last arrived."""
        now = datetime.now(UTC)
        with transaction(self._sessions) as session:
            row = self._row(session, account, folder, now)
            row.last_poll_at, row.backlog = now, backlog
            if got_mail:
                row.last_message_at = now

    def record_error(self, account: str, folder: str, error: str) -> None:
        """A poll failed: count it and keep the reason."""
        now = datetime.now(UTC)
        with transaction(self._sessions) as session:
            row = self._row(session, account, folder, now)
            row.errors = (row.errors or 0) + 1
            row.last_error = error[:2_000]

    def health(self) -> list[FolderHealth]:
        """Health of every folder that was ever polled."""
        with transaction(self._sessions) as session:
            rows = session.scalars(select(MailboxStatusRow).order_by("account", "folder"))
            return [
                FolderHealth(
                    r.account,
                    r.folder,
                    _utc(r.last_poll_at),
                    _utc(r.last_message_at),
                    r.backlog,
                    r.errors,
                    r.last_error,
                )
                for r in rows
            ]

    @staticmethod
    def _row(session: Session, account: str, folder: str, now: datetime) -> MailboxStatusRow:
        row = session.get(MailboxStatusRow, (account, folder))
        if row is None:
            row = MailboxStatusRow(
                account=account, folder=folder, backlog=0, errors=0, last_error=""
            )
            session.add(row)
        row.updated_at = now
        return row


def _utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)
