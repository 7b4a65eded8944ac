"""The review UI: server-rendered pages (Jinja2), htmx served from our own static files."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from api.ui.pages import TEMPLATES, router
from api.ui.session import LoginRequired, UiError, csrf_token
from triage.config import Settings

log = logging.getLogger(__name__)
STATIC = Path(__file__).parents[1] / "static"
# No inline or remote script: only our own files; frames only from srcdoc (the sandboxed mail).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; frame-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


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
        https_only=settings.api.secure_cookies,
    )
    app.mount("/static", StaticFiles(directory=STATIC, check_dir=False), name="static")
    app.include_router(router)
    app.add_exception_handler(LoginRequired, _to_login)
    app.add_exception_handler(UiError, _error_page)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        response: Response = await call_next(request)
        if not request.url.path.startswith(("/v1/", "/metrics", "/healthz", "/readyz")):
            response.headers.setdefault("Content-Security-Policy", CSP)
            response.headers.setdefault("X-Content-Type-Options", "nosniff")
            response.headers.setdefault("Referrer-Policy", "no-referrer")
        return response


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
