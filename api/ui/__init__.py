"""The review UI: server-rendered pages (Jinja2), htmx served from our own static files."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import LoginRequired
from api.ui.autonomy import router as autonomy_router
from api.ui.pages import TEMPLATES, router
from api.ui.session import UiError, csrf_token
from triage.config import Settings

log = logging.getLogger(__name__)
STATIC = Path(__file__).parents[1] / "static"
# No inline or remote script: only our own files; frames only from srcdoc (the sandboxed mail).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; frame-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
API_PREFIXES = ("/v1/", "/metrics", "/healthz", "/readyz")


def install(app: FastAPI, settings: Settings) -> None:
    """Add the pages, the static files, the session cookie and the page-shaped errors."""
    secret = settings.api.session_secret
    if secret is None:
        log.warning("TRIAGE_API__SESSION_SECRET is unset: sessions end when the service restarts")
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret.get_secret_value() if secret else secrets.token_urlsafe(48),
        session_cookie="triage_session",
        max_age=int(settings.api.session_hours * 3600),
        same_site="strict",
        https_only=settings.api.secure_cookies or settings.environment == "production",
    )
    app.mount("/static", StaticFiles(directory=STATIC, check_dir=False), name="static")
    app.include_router(router)
    app.include_router(autonomy_router)
    app.add_exception_handler(LoginRequired, _to_login)
    app.add_exception_handler(UiError, _error_page)

    app.add_middleware(SecurityHeaders)


class SecurityHeaders:
    """Content-Security-Policy and friends on every page (API answers are JSON: left alone)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Add the headers to the response start of page requests."""
        if scope["type"] != "http" or scope["path"].startswith(API_PREFIXES):
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", CSP)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "no-referrer")
            await send(message)

        await self.app(scope, receive, with_headers)


async def _to_login(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    if request.headers.get("hx-request"):
        return Response(status_code=401, headers={"HX-Redirect": exc.location})
    return RedirectResponse(exc.location, status_code=303)


async def _error_page(request: Request, exc: Exception) -> HTMLResponse:
    assert isinstance(exc, UiError)
    values = {"user": None, "csrf": csrf_token(request), "path": "", "message": exc.message}
    response = TEMPLATES.TemplateResponse(
        request, "error.html", values, status_code=exc.status_code
    )
    return response
