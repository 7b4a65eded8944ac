"""One JSON error shape for every error: {"error": {"code", "message", "details"}}."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException

from triage.errors import TriageError

log = logging.getLogger(__name__)

_HTTP_CODES = {
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


class FieldIssue(BaseModel):
    """One reason a request did not validate."""

    model_config = ConfigDict(extra="forbid")

    loc: list[str | int] = Field(description='Where: e.g. ["body", "text"] or ["query", "limit"]')
    message: str
    type: str = Field(description="pydantic's error type, e.g. missing, string_type")


class ErrorInfo(BaseModel):
    """What went wrong, for a program (`code`) and for a person (`message`)."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(description="Stable and machine-readable: unauthorized, invalid_request...")
    message: str = Field(description="For a person; the wording may change")
    details: list[FieldIssue] | None = Field(
        default=None, description="Only on a 422 from validation: one entry per problem"
    )


class ErrorResponse(BaseModel):
    """The body of every error answer of the JSON API."""

    model_config = ConfigDict(extra="forbid")

    error: ErrorInfo


class ApiError(TriageError):
    """An error the API raises on purpose, with its status and code."""

    def __init__(self, status_code: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code


class LoginRequired(Exception):
    """No valid session: the page redirects to the login form."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path

    @property
    def location(self) -> str:
        """Where to send the browser."""
        return f"/login?next={quote(self.next_path, safe='/')}"


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    """The error shape every API error uses."""
    error: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    return {"error": error}


def install(app: FastAPI) -> None:
    """Route every kind of error through the one shape."""
    app.add_exception_handler(TriageError, _triage_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)


async def _triage_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, TriageError)
    headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
    body = error_body(exc.code, exc.message)
    return JSONResponse(body, status_code=exc.status_code, headers=headers)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = [
        {"loc": list(e.get("loc", ())), "message": e.get("msg", ""), "type": e.get("type", "")}
        for e in exc.errors()
    ]
    body = error_body("invalid_request", "the request body is not valid", details)
    return JSONResponse(body, status_code=422)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    return JSONResponse(error_body(code, str(exc.detail)), status_code=exc.status_code)


async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
    # A bug, not the client's fault: log it with the traceback, answer in the one shape.
    log.error("unhandled error", exc_info=exc)
    return JSONResponse(error_body("internal_error", "internal error"), status_code=500)
