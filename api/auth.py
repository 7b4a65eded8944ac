"""API-key authentication: `Authorization: Bearer <key>` on every /v1 route."""

from __future__ import annotations

import hmac

from fastapi import Request

from api.errors import ApiError
from models import UserRole
from triage.runtime import Runtime
from triage.store.apikeys import Caller


def require_api_key(request: Request) -> Caller:
    """The key's owner and role; 401 in the standard shape otherwise."""
    header = request.headers.get("authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise ApiError(401, "unauthorized", "missing API key: send Authorization: Bearer <key>")
    runtime: Runtime = request.app.state.runtime
    bootstrap = runtime.settings.api.api_key
    if bootstrap is not None and hmac.compare_digest(
        key.strip().encode(), bootstrap.get_secret_value().encode()
    ):
        return Caller("bootstrap", UserRole.ADMIN)
    caller = runtime.keys.verify(key.strip())
    if caller is None:
        raise ApiError(401, "unauthorized", "invalid or revoked API key")
    return caller
