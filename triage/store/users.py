"""People who log in to the review UI, with a role; passwords kept as argon2 hashes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from models import UserRole
from triage.errors import ConfigurationError
from triage.store.database import transaction
from triage.store.tables import UserRow

MIN_PASSWORD = 10
_hasher = PasswordHasher()
# Verifying an unknown name costs as much as a known one: no timing hint that a name exists.
_DUMMY = _hasher.hash("not-a-real-password")


@dataclass(frozen=True)
class User:
    """A logged-in person."""

    name: str
    role: UserRole


class UserStore:
    """Creates users and checks their passwords."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def create(self, name: str, password: str, role: UserRole) -> User:
        """A new user; refuses short passwords and taken names."""
        if len(password) < MIN_PASSWORD:
            raise ConfigurationError(f"a password needs at least {MIN_PASSWORD} characters")
        if not name.strip() or len(name) > 255:
            raise ConfigurationError("a user needs a name of 1 to 255 characters")
        try:
            with transaction(self._sessions) as session:
                session.add(
                    UserRow(
                        name=name.strip(),
                        password_hash=_hasher.hash(password),
                        role=role.value,
                        created_at=datetime.now(UTC),
                    )
                )
        except IntegrityError as exc:
            raise ConfigurationError(f"a user named {name!r} already exists") from exc
        return User(name.strip(), role)

    def authenticate(self, name: str, password: str) -> User | None:
        """The user when the password matches (and the user is active), else None."""
        with transaction(self._sessions) as session:
            row = session.scalar(select(UserRow).where(UserRow.name == name))
            try:
                _hasher.verify(row.password_hash if row else _DUMMY, password)
            except (VerificationError, InvalidHashError):
                return None
            if row is None or row.disabled_at is not None:
                return None
            if _hasher.check_needs_rehash(row.password_hash):
                row.password_hash = _hasher.hash(password)
            return User(row.name, UserRole(row.role))

    def get(self, name: str) -> User | None:
        """An active user by name."""
        with transaction(self._sessions) as session:
            row = session.scalar(select(UserRow).where(UserRow.name == name))
            return User(row.name, UserRole(row.role)) if row and row.disabled_at is None else None

    def count(self) -> int:
        """How many users exist."""
        with transaction(self._sessions) as session:
            return int(session.scalar(select(func.count()).select_from(UserRow)) or 0)
