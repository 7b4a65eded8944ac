"""API keys: created once and shown once; only a SHA-256 hash is stored."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from models import UserRole
from triage.errors import ConfigurationError
from triage.store.database import transaction
from triage.store.tables import ApiKeyRow

KEY_PREFIX = "trg_"
# A verified key is trusted from memory this long; revoking through this store clears it
# at once, another process's revocation (the CLI, another worker) takes effect within this
# time. Kept well under a second: the cache only spares a burst of requests one indexed read.
CACHE_SECONDS = 0.5


@dataclass(frozen=True)
class Caller:
    """Who is calling, and with which role."""

    name: str
    role: UserRole


def hash_key(key: str) -> str:
    """The stored form of a key."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class ApiKeyStore:
    """Creates, verifies and revokes API keys."""

    def __init__(
        self, sessions: sessionmaker[Session], cache_seconds: float = CACHE_SECONDS
    ) -> None:
        self._sessions = sessions
        self._cache_seconds = cache_seconds
        self._verified: dict[str, tuple[Caller, float]] = {}

    def create(self, name: str, role: UserRole = UserRole.AGENT) -> str:
        """A new key for `name` with a role, returned once and never stored in clear."""
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        try:
            with transaction(self._sessions) as session:
                old = session.scalar(select(ApiKeyRow).where(ApiKeyRow.name == name))
                if old is not None and old.revoked_at is not None:
                    session.delete(old)  # a revoked key's name may be given out again
                    session.flush()
                session.add(
                    ApiKeyRow(
                        name=name,
                        key_hash=hash_key(key),
                        prefix=key[:8],
                        created_at=datetime.now(UTC),
                        role=role.value,
                    )
                )
        except IntegrityError as exc:
            raise ConfigurationError(f"an API key named {name!r} already exists") from exc
        return key

    def verify(self, key: str) -> Caller | None:
        """The key's owner and role, or None for an unknown or revoked key."""
        digest = hash_key(key)
        cached = self._verified.get(digest)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        with transaction(self._sessions) as session:
            row = session.scalar(select(ApiKeyRow).where(ApiKeyRow.key_hash == digest))
        if row is None or row.revoked_at is not None:
            return None
        caller = Caller(row.name, UserRole(row.role))
        self._verified[digest] = (caller, time.monotonic() + self._cache_seconds)
        return caller

    def revoke(self, name: str) -> bool:
        """Revoke the key called `name`; False when there is none."""
        with transaction(self._sessions) as session:
            row = session.scalar(select(ApiKeyRow).where(ApiKeyRow.name == name))
            if row is None:
                return False
            row.revoked_at = datetime.now(UTC)
            self._verified.pop(row.key_hash, None)
            return True
