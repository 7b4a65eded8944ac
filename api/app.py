"""The FastAPI application: health now, the JSON API and review UI in later issues."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from triage.config import Settings, get_settings
from triage.errors import TriageError
from triage.runtime import Runtime, build_runtime


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app around a runtime made from `settings`."""
    runtime = build_runtime(settings or get_settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        app.state.runtime.engine.dispose()

    app = FastAPI(title="triage", version="0.1.0", lifespan=lifespan)
    app.state.runtime = runtime
    app.add_exception_handler(TriageError, _triage_error)
    app.add_api_route("/healthz", healthz, methods=["GET"])
    app.add_api_route("/readyz", readyz, methods=["GET"])
    return app


async def healthz() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


async def readyz(request: Request) -> JSONResponse:
    """Readiness: the database answers."""
    runtime: Runtime = request.app.state.runtime
    try:
        with runtime.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any database failure means not ready; say which
        body = {"status": "not_ready", "database": type(exc).__name__}
        return JSONResponse(body, status_code=503)
    return JSONResponse({"status": "ready", "database": "ok", "messages": runtime.store.count()})


async def _triage_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, TriageError)
    body: dict[str, Any] = {"error": {"code": exc.code, "message": exc.message}}
    return JSONResponse(body, status_code=exc.status_code)
