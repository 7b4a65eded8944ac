"""What route decorators add to the OpenAPI schema: error answers, examples, raw-mail bodies.

Every documented error uses the one error model (api.errors.ErrorResponse), with an example.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api import examples
from api.errors import ErrorResponse


class ReadyState(BaseModel):
    """Ready or not, nothing more (for a load balancer)."""

    status: Literal["ready", "not_ready"]


class StatusReport(BaseModel):
    """Readiness with its details (api.status.readiness builds it)."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["ready", "not_ready"]
    model: str = Field(description='The classical model\'s version, or "missing"')
    database: str = Field(description='"ok", or the kind of error that stopped it')
    messages: int | None = Field(default=None, description="Messages stored")
    mailboxes: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="Per account/folder: last poll, last message, backlog, errors, stale",
    )
    odoo: dict[str, Any] | None = Field(
        default=None, description="What the Odoo capability probe found, when Odoo is set up"
    )


_ERRORS: dict[int, tuple[str, str, str]] = {
    401: ("No valid credentials", "unauthorized", "invalid or revoked API key"),
    403: ("The caller's role may not do this", "forbidden", "an agent may not approve this"),
    404: ("No such record", "not_found", "no message <id>"),
    409: ("The action is no longer proposed", "state_conflict", "action 7 is done"),
    413: (
        "The body is over the limit",
        "payload_too_large",
        "request body larger than 5242880 bytes",
    ),
    415: ("Not a raw mail", "unsupported_media_type", "send the raw message as message/rfc822"),
    422: ("The request is not valid", "invalid_request", "the request body is not valid"),
    503: ("The database is unavailable", "store_error", "the database is unavailable"),
}

_FIELD_ISSUE = {"loc": ["body", "text"], "message": "Field required", "type": "missing"}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` entries of the given error statuses, each in the one error shape."""
    return {status: _error_response(status) for status in statuses}


def _error_response(status: int) -> dict[str, Any]:
    description, code, message = _ERRORS[status]
    error: dict[str, Any] = {"code": code, "message": message}
    if status == 422:
        error["details"] = [_FIELD_ISSUE]
    example = {"application/json": {"example": {"error": error}}}
    return {"model": ErrorResponse, "description": description, "content": example}


def model_response(
    status: int, model: type[BaseModel], description: str = ""
) -> dict[int | str, dict[str, Any]]:
    """A `responses=` entry: `status` answers with `model` (described when it needs words)."""
    response: dict[str, Any] = {"model": model}
    if description:
        response["description"] = description
    return {status: response}


def json_example(example: Any, status: int = 200) -> dict[int | str, dict[str, Any]]:
    """A `responses=` entry that shows `example` as the JSON answer of `status`."""
    return {status: {"content": {"application/json": {"example": example}}}}


TEXT_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/plain": {"schema": {"type": "string"}}}}
}

# The raw-mail routes read the body themselves: FastAPI cannot see it, so it is declared here.
RAW_MAIL_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "One RFC 822 message, as the bytes of a .eml file (any content type "
        "but JSON or multipart)",
        "content": {
            "message/rfc822": {"schema": {"type": "string"}, "example": examples.RAW_MAIL},
            # What client generators know how to send (a file's bytes); the server reads both.
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}
