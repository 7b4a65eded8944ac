"""Who is logged in, and CSRF tokens for every form.

Starlette's signed cookie (HttpOnly, SameSite=strict, Secure in production) holds a random
session id and a CSRF token. The session and its user are looked up in the database on every
request (`triage.store.login_sessions`), so logout, a new password or role, or a disabled user
end it at once, and the role always comes from the database.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request

from triage.errors import TriageError

CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"


class UiError(TriageError):
    """An error shown as a page (forbidden, not found, bad form)."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = "ui_error"


def csrf_token(request: Request) -> str:
    """This session's CSRF token (made on first use)."""
    token = request.session.get(CSRF_FIELD)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session[CSRF_FIELD] = token
    return token


async def check_csrf(request: Request) -> None:
    """Refuse a form post without this session's token (403)."""
    form = await request.form()
    given = request.headers.get(CSRF_HEADER) or form.get(CSRF_FIELD)
    expected = request.session.get(CSRF_FIELD)
    if not (isinstance(given, str) and isinstance(expected, str)) or not hmac.compare_digest(
        given, expected
    ):
        raise UiError(403, "The form expired or did not come from this site. Reload and try again.")


def safe_next(value: str | None) -> str:
    """A local path to go to after login (never another site)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/queue"
