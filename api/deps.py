"""The API's dependencies, declared once: the runtime, the API caller and the UI user.

Routes take them as parameters (`RuntimeDep`, `CallerDep`, `UserDep`). Both callers are
resolved in FastAPI's thread pool (plain functions): their database reads never block the
event loop.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request

from api.errors import ApiError, LoginRequired
from models import UserRole
from triage.runtime import Runtime
from triage.store.apikeys import Caller
from triage.store.users import User

# The signed cookie holds this random id (and the CSRF token); the user comes from the database.
SESSION_KEY = "sid"


def get_runtime(request: Request) -> Runtime:
    """The app's runtime (stores, pipeline, approvals, cascade)."""
    runtime: Runtime = request.app.state.runtime
    return runtime


def require_api_key(request: Request) -> Caller:
    """The key's owner and role; 401 in the standard shape otherwise."""
    header = request.headers.get("authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise ApiError(401, "unauthorized", "missing API key: send Authorization: Bearer <key>")
    runtime = get_runtime(request)
    bootstrap = runtime.settings.api.api_key
    if bootstrap is not None and hmac.compare_digest(
        key.strip().encode(), bootstrap.get_secret_value().encode()
    ):
        return Caller("bootstrap", UserRole.ADMIN)
    caller = runtime.keys.verify(key.strip())
    if caller is None:
        raise ApiError(401, "unauthorized", "invalid or revoked API key")
    return caller


def current_user(request: Request) -> User:
    """The user of the review UI's session, from its database row (LoginRequired otherwise)."""
    session_id = request.session.get(SESSION_KEY)
    user = get_runtime(request).login.user_for(session_id) if isinstance(session_id, str) else None
    if user is None:
        request.session.clear()
        raise LoginRequired(request.url.path)
    return user


def key_or_session(request: Request) -> str:
    """Who asks: an API key's owner, or else the review UI's logged-in user (401 if neither)."""
    if request.headers.get("authorization"):
        return f"key:{require_api_key(request).name}"
    session_id = request.session.get(SESSION_KEY) if "session" in request.scope else None
    login = get_runtime(request).login
    user = login.user_for(session_id) if isinstance(session_id, str) else None
    if user is None:
        raise ApiError(401, "unauthorized", "send an API key (Authorization: Bearer) or log in")
    return f"user:{user.name}"


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
CallerDep = Annotated[Caller, Depends(require_api_key)]
UserDep = Annotated[User, Depends(current_user)]
KeyOrSessionDep = Annotated[str, Depends(key_or_session)]
