"""The mailbox port: what the watcher needs from an IMAP server, and the types it returns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol


@dataclass(frozen=True)
class FolderState:
    """A selected folder: its UIDVALIDITY and what the server says is next."""

    uidvalidity: int
    uidnext: int | None
    exists: int


@dataclass(frozen=True)
class FetchedMail:
    """The raw bytes of one message and the server's INTERNALDATE."""

    uid: int
    raw: bytes
    internal_date: datetime | None


class Mailbox(Protocol):
    """One connection to one account; every failure is raised as a MailboxError."""

    def select(self, folder: str) -> FolderState:
        """Select a folder for reading and writing flags."""
        ...

    def uids_after(self, last_uid: int) -> list[int]:
        """UIDs above `last_uid` in the selected folder, ascending."""
        ...

    def uids_since(self, since: date) -> list[int]:
        """UIDs of messages received on or after `since`, ascending."""
        ...

    def fetch(self, uids: list[int]) -> list[FetchedMail]:
        """The messages with BODY.PEEK[] (never setting \\Seen), in UID order."""
        ...

    def supports(self, capability: str) -> bool:
        """True when the server announced the capability (IDLE, MOVE, UIDPLUS...)."""
        ...

    def idle(self, seconds: float) -> bool:
        """Wait up to `seconds` for the server to report new mail; True when it did."""
        ...

    def move(self, uid: int, folder: str) -> None:
        """Move a message (MOVE, or COPY + \\Deleted + EXPUNGE where MOVE is missing)."""
        ...

    def add_keywords(self, uid: int, keywords: list[str]) -> None:
        """Set IMAP keywords (or \\Seen) on a message."""
        ...

    def close(self) -> None:
        """Log out; never raises."""
        ...
