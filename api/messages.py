"""POST /v1/messages (the mail pipeline: identify, store, classify, link, decide) and
GET /v1/messages/{id}."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from api.deps import get_runtime, require_api_key
from api.errors import ApiError
from api.schema_docs import RAW_MAIL_BODY, error_responses, model_response
from models import ActionRecord, AuditEvent, LinkResult, Message, Signal
from models.pipeline import PipelineStatus
from triage.runtime import Runtime

router = APIRouter(
    prefix="/v1",
    tags=["messages"],
    dependencies=[Depends(require_api_key)],
    responses=error_responses(401, 503),
)


class MessageView(BaseModel):
    """A stored message with its pipeline status, signal, links, actions and audit trail."""

    message: Message
    pipeline: PipelineStatus | None
    signal: Signal | None
    links: LinkResult | None
    actions: list[ActionRecord] = []
    audit: list[AuditEvent] = []
    outcome: str = "stored"


def _view(runtime: Runtime, message_id: str, outcome: str = "stored") -> Response:
    message = runtime.store.get(message_id)
    if message is None:
        raise ApiError(404, "not_found", f"no message {message_id}")
    view = MessageView(
        message=message,
        pipeline=runtime.pipeline.status(message_id),
        signal=runtime.store.signal(message_id),
        links=runtime.links.result(message_id),
        actions=runtime.actions.for_message(message_id),
        audit=runtime.audit.for_message(message_id),
        outcome=outcome,
    )
    return Response(view.model_dump_json(by_alias=True), media_type="application/json")


@router.post(
    "/messages",
    response_model=MessageView,
    status_code=201,
    summary="Ingest a raw mail",
    responses=model_response(200, MessageView, "Already stored: nothing changed")
    | error_responses(413, 415, 422),
    openapi_extra=RAW_MAIL_BODY,
)
async def post_message(request: Request) -> Response:
    """Ingest a raw RFC 822 message: parse, store once, classify, link; a duplicate is 200."""
    if request.headers.get("content-type", "").startswith(("application/json", "multipart/")):
        raise ApiError(415, "unsupported_media_type", "send the raw message as message/rfc822")
    raw = await request.body()
    return await run_in_threadpool(_accept, get_runtime(request), raw)


def _accept(runtime: Runtime, raw: bytes) -> Response:
    result = runtime.pipeline.accept(raw, source="api", position="http")
    if result.message_id is None:
        raise ApiError(422, "invalid_request", result.reason or "the body is not a mail")
    response = _view(runtime, result.message_id, result.outcome.value)
    response.status_code = 201 if result.outcome.value == "stored" else 200
    return response


@router.get(
    "/messages/{message_id}",
    response_model=MessageView,
    summary="A stored message with everything known about it",
    responses=error_responses(404),
)
def get_message(request: Request, message_id: str) -> Response:
    """The message, its signal, its Odoo links, its actions and their audit trail."""
    return _view(get_runtime(request), message_id)
