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
    """The user of the review UI's session (LoginRequired otherwise)."""
    name = request.session.get("user")
    user = get_runtime(request).users.get(name) if isinstance(name, str) else None
    if user is None:
        request.session.clear()
        raise LoginRequired(request.url.path)
    return user


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
CallerDep = Annotated[Caller, Depends(require_api_key)]
UserDep = Annotated[User, Depends(current_user)]
