"""People who log in to the review UI, with a role; passwords kept as argon2id hashes.

Argon2id parameters: time_cost=2, memory_cost=19 MiB, parallelism=1 (OWASP's first choice
for argon2id). One check costs about 20-30 ms of one core and 19 MiB. argon2-cffi's default
(RFC 9106 "low memory": 64 MiB, 4 lanes) cost about 150 ms and 64 MiB a check, so 16 concurrent
logins took the server from 407 MiB to 1.3 GiB. `BoundedHasher` lets at most `limit` hashes or
checks run at once, in that many threads of its own (settings: `api.login.hash_concurrency`,
default 4, so about 76 MiB); the others wait their turn. Hashes made with other parameters
are redone at the next login.

Changing a password or a role ends every session of that user in the same transaction.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from models import UserRole
from triage.errors import ConfigurationError
from triage.store.database import transaction
from triage.store.tables import LoginSessionRow, UserRow

MIN_PASSWORD = 10
TIME_COST = 2
MEMORY_COST_KIB = 19 * 1024
PARALLELISM = 1


def default_hasher() -> PasswordHasher:
    """argon2id with the parameters chosen above."""
    return PasswordHasher(time_cost=TIME_COST, memory_cost=MEMORY_COST_KIB, parallelism=PARALLELISM)


class BoundedHasher:
    """An argon2 hasher that runs at most `limit` hashes or checks at once, in its own threads.

    A semaphore alone bounds the checks running at once but not the memory: glibc keeps each
    caller thread's 19 MiB in that thread's arena (16 threads took 285 MiB through a semaphore
    of 4). `limit` threads of our own keep at most `limit` such arenas (measured: 76-95 MiB)."""

    def __init__(self, limit: int = 4, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or default_hasher()
        self._slots = ThreadPoolExecutor(max_workers=limit, thread_name_prefix="argon2")
        # Checking an unknown name costs as much as a known one: no timing hint that it exists.
        self.dummy = self.hash("not-a-real-password")

    def hash(self, password: str) -> str:
        """A new hash of `password`."""
        return self._slots.submit(self._hasher.hash, password).result()

    def verify(self, hashed: str, password: str) -> bool:
        """Whether `password` matches `hashed` (a malformed hash never matches)."""
        return self._slots.submit(self._verify, hashed, password).result()

    def _verify(self, hashed: str, password: str) -> bool:
        try:
            return self._hasher.verify(hashed, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, hashed: str) -> bool:
        """Whether `hashed` was made with other parameters than ours."""
        return self._hasher.check_needs_rehash(hashed)


@dataclass(frozen=True)
class User:
    """A logged-in person."""

    name: str
    role: UserRole


@dataclass(frozen=True)
class Credential:
    """A user whose password was just checked, and the hash it was checked against."""

    user: User
    password_hash: str = field(repr=False)


class UserStore:
    """Creates users, checks their passwords, changes passwords and roles."""

    def __init__(self, sessions: sessionmaker[Session], hasher: BoundedHasher | None = None):
        self._sessions = sessions
        self._hasher = hasher or BoundedHasher()

    def create(self, name: str, password: str, role: UserRole) -> User:
        """A new user; refuses short passwords and taken names."""
        _check_password(password)
        if not name.strip() or len(name) > 255:
            raise ConfigurationError("a user needs a name of 1 to 255 characters")
        try:
            with transaction(self._sessions) as session:
                session.add(
                    UserRow(
                        name=name.strip(),
                        password_hash=self._hasher.hash(password),
                        role=role.value,
                        created_at=datetime.now(UTC),
                    )
                )
        except IntegrityError as exc:
            raise ConfigurationError(f"a user named {name!r} already exists") from exc
        return User(name.strip(), role)

    def check(self, name: str, password: str) -> Credential | None:
        """The credential when the password matches and the user is active, else None.

        The hash is checked outside any transaction: no connection waits on argon2."""
        with transaction(self._sessions) as session:
            row = session.scalar(select(UserRow).where(UserRow.name == name))
            found = (row.id, row.password_hash, row.role, row.disabled_at) if row else None
        matches = self._hasher.verify(found[1] if found else self._hasher.dummy, password)
        if found is None or not matches or found[3] is not None:
            return None
        user_id, hashed, role, _ = found
        if self._hasher.needs_rehash(hashed):
            hashed = self._rehash(user_id, hashed, password)
        return Credential(User(name, UserRole(role)), hashed)

    def _rehash(self, user_id: int, old: str, password: str) -> str:
        """Redo an old-parameter hash, unless the password changed meanwhile."""
        new = self._hasher.hash(password)
        with transaction(self._sessions) as session:
            done = session.connection().execute(
                update(UserRow)
                .where(UserRow.id == user_id, UserRow.password_hash == old)
                .values(password_hash=new)
            )
        return new if done.rowcount == 1 else old

    def authenticate(self, name: str, password: str) -> User | None:
        """The user when the password matches (and the user is active), else None."""
        credential = self.check(name, password)
        return credential.user if credential else None

    def set_password(self, name: str, password: str) -> None:
        """Give the user a new password and end all of their sessions."""
        _check_password(password)
        self._change(name, password_hash=self._hasher.hash(password))

    def set_role(self, name: str, role: UserRole) -> None:
        """Give the user another role and end all of their sessions."""
        self._change(name, role=role.value)

    def _change(self, name: str, **values: str) -> None:
        with transaction(self._sessions) as session:
            user_id = session.scalar(select(UserRow.id).where(UserRow.name == name))
            if user_id is None:
                raise ConfigurationError(f"no user named {name!r}")
            session.execute(update(UserRow).where(UserRow.id == user_id).values(**values))
            session.execute(
                update(LoginSessionRow)
                .where(LoginSessionRow.user_id == user_id, LoginSessionRow.ended_at.is_(None))
                .values(ended_at=datetime.now(UTC))
            )

    def get(self, name: str) -> User | None:
        """An active user by name."""
        with transaction(self._sessions) as session:
            row = session.scalar(select(UserRow).where(UserRow.name == name))
            return User(row.name, UserRole(row.role)) if row and row.disabled_at is None else None

    def count(self) -> int:
        """How many users exist."""
        with transaction(self._sessions) as session:
            return int(session.scalar(select(func.count()).select_from(UserRow)) or 0)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ConfigurationError(f"a password needs at least {MIN_PASSWORD} characters")
