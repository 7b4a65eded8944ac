"""A login attempt: the throttle first, then the password, then a session in the database.

Every refusal looks the same to the caller (no user, no session); only a throttled or locked
attempt carries the seconds to wait. Unknown names are throttled like known ones, so neither
the answer nor the lock tells whether a name exists. The password is not even checked while
an account or address has to wait: the right password does not open a locked account.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from triage.login.throttle import LoginThrottle
from triage.store.login_sessions import LoginSessions
from triage.store.users import User, UserStore


@dataclass(frozen=True)
class LoginOutcome:
    """A started session with its user, or a refusal (with the seconds to wait, if any)."""

    user: User | None = None
    session_id: str | None = None
    retry_after: int = 0


class Login:
    """Checks logins against the throttle and the password; starts and ends sessions."""

    def __init__(self, users: UserStore, sessions: LoginSessions, throttle: LoginThrottle):
        self._users = users
        self._sessions = sessions
        self._throttle = throttle

    def attempt(self, name: str, password: str, address: str) -> LoginOutcome:
        """Log `name` in from `address`, unless throttled or the password is wrong."""
        address = client_key(address)
        wait = self._throttle.wait_seconds(name, address)
        if wait:
            return LoginOutcome(retry_after=wait)
        credential = self._users.check(name, password)
        session_id = self._sessions.start(credential) if credential else None
        if credential is None or session_id is None:
            self._throttle.failed(name, address)
            return LoginOutcome()
        self._throttle.succeeded(name)
        return LoginOutcome(credential.user, session_id)

    def user_for(self, session_id: str) -> User | None:
        """The user of a live session (looked up in the database every time)."""
        return self._sessions.user_for(session_id)

    def log_out(self, session_id: str) -> None:
        """End the session (ending it twice is fine)."""
        self._sessions.end(session_id)


def client_key(address: str) -> str:
    """The address the throttle counts: an IPv6 client by its /64, which one host holds whole
    (counting single addresses would let it rotate through 2^64 of them)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6 and ip.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)
