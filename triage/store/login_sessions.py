"""Server-side login sessions: the cookie carries a random id, the database its SHA-256.

A session is looked up on every request. Ended (logout, password or role change), expired, or
belonging to a disabled user, it is refused even when its cookie is replayed. Starting and
ending are conditional statements: a session starts only while the user still has the password
hash that was just checked (a password changed meanwhile wins), and a session ended twice or
concurrently is simply ended.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import DateTime, String, delete, insert, literal, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from models import UserRole
from triage.store.database import transaction
from triage.store.tables import LoginSessionRow, UserRow
from triage.store.users import Credential, User


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class LoginSessions:
    """Starts, finds and ends the review UI's login sessions."""

    def __init__(self, sessions: sessionmaker[Session], hours: float) -> None:
        self._sessions = sessions
        self._lifetime = timedelta(hours=hours)

    def start(self, credential: Credential) -> str | None:
        """A new session id for a just-checked credential; None if the password changed since."""
        session_id = secrets.token_urlsafe(32)
        now = datetime.now(UTC)
        chosen = select(
            literal(_digest(session_id), String(64)),
            UserRow.id,
            literal(now, DateTime(timezone=True)),
            literal(now + self._lifetime, DateTime(timezone=True)),
        ).where(
            UserRow.name == credential.user.name,
            UserRow.password_hash == credential.password_hash,
            UserRow.disabled_at.is_(None),
        )
        columns = ["id", "user_id", "created_at", "expires_at"]
        with transaction(self._sessions) as session:
            _forget_old(session, credential.user.name, now)
            # RETURNING, not rowcount: psycopg reports -1 rows for INSERT ... SELECT.
            started = session.execute(
                insert(LoginSessionRow).from_select(columns, chosen).returning(LoginSessionRow.id)
            ).first()
        return session_id if started is not None else None

    def user_for(self, session_id: str) -> User | None:
        """The active user of a live session, or None."""
        found = (
            select(UserRow.name, UserRow.role)
            .join(LoginSessionRow, LoginSessionRow.user_id == UserRow.id)
            .where(
                LoginSessionRow.id == _digest(session_id),
                LoginSessionRow.ended_at.is_(None),
                LoginSessionRow.expires_at > datetime.now(UTC),
                UserRow.disabled_at.is_(None),
            )
        )
        with transaction(self._sessions) as session:
            row = session.execute(found).first()
        return User(row.name, UserRole(row.role)) if row else None

    def end(self, session_id: str) -> bool:
        """End a session; False when it had ended already (or never was)."""
        with transaction(self._sessions) as session:
            ended = session.connection().execute(
                update(LoginSessionRow)
                .where(
                    LoginSessionRow.id == _digest(session_id),
                    LoginSessionRow.ended_at.is_(None),
                )
                .values(ended_at=datetime.now(UTC))
            )
        return bool(ended.rowcount)


def _forget_old(session: Session, name: str, now: datetime) -> None:
    """Delete the user's ended and expired sessions (a gone row refuses a cookie just as well)."""
    session.execute(
        delete(LoginSessionRow)
        .where(
            LoginSessionRow.user_id.in_(select(UserRow.id).where(UserRow.name == name)),
            or_(LoginSessionRow.ended_at.is_not(None), LoginSessionRow.expires_at <= now),
        )
        .execution_options(synchronize_session=False)
    )
