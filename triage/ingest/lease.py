"""One watcher per mailbox folder: a PostgreSQL advisory lock, or a file lock for SQLite."""

from __future__ import annotations

import fcntl
import hashlib
from pathlib import Path
from typing import IO, Protocol

from sqlalchemy import Connection, Engine, text


class Lease(Protocol):
    """Exclusive right to ingest one folder, held until released."""

    def acquire(self) -> bool:
        """Take the lease without waiting; False when another process holds it."""
        ...

    def release(self) -> None:
        """Give the lease back (also done by the database or the OS when we die)."""
        ...


def lease_key(account: str, folder: str) -> int:
    """A stable signed 64-bit number for an (account, folder) pair."""
    digest = hashlib.sha256(f"{account}\x00{folder}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class AdvisoryLease:
    """pg_try_advisory_lock on a connection kept open while the lease is held."""

    def __init__(self, engine: Engine, account: str, folder: str) -> None:
        self._engine = engine
        self._key = lease_key(account, folder)
        self._connection: Connection | None = None

    def acquire(self) -> bool:
        """Take the advisory lock; the session keeps it until release or disconnect."""
        if self._connection is not None:
            return True
        connection = self._engine.connect()
        got = connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self._key})
        if got.scalar():
            connection.commit()
            self._connection = connection
            return True
        connection.close()
        return False

    def release(self) -> None:
        """Unlock and return the connection."""
        if self._connection is None:
            return
        try:
            self._connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self._key})
            self._connection.commit()
        finally:
            self._connection.close()
            self._connection = None


class FileLease:
    """flock on a file next to the SQLite database; the OS frees it when we die."""

    def __init__(self, folder: Path, account: str, folder_name: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self._path = folder / f"{lease_key(account, folder_name) & 0xFFFFFFFFFFFF:x}.lock"
        self._handle: IO[bytes] | None = None

    def acquire(self) -> bool:
        """Take the lock without waiting."""
        if self._handle is not None:
            return True
        handle = self._path.open("ab")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._handle = handle
        return True

    def release(self) -> None:
        """Unlock and close the file."""
        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None


def make_lease(engine: Engine, lock_dir: Path, account: str, folder: str) -> Lease:
    """The right lease for the database in use."""
    if engine.dialect.name == "postgresql":
        return AdvisoryLease(engine, account, folder)
    return FileLease(lock_dir, account, folder)
