"""POST /v1/classify (one, batch, raw .eml) and GET /v1/taxonomy."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from api.deps import get_runtime, require_api_key
from api.errors import ApiError
from api.metrics import Metrics
from models import DefectCode, Message, Signal, Taxonomy
from parsers import message_from_text, parse_message
from triage.errors import ClassificationFailed, TriageError

MAX_TEXT_CHARS = 200_000
MAX_BATCH = 1_000
router = APIRouter(prefix="/v1", dependencies=[Depends(require_api_key)])


class ClassifyRequest(BaseModel):
    """A text to classify, with what is known about it."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    subject: str = Field(default="", max_length=2_000)
    text: str = Field(max_length=MAX_TEXT_CHARS)
    from_: str | None = Field(
        default=None, alias="from", max_length=320, pattern=r"^[^@\s]+@[^@\s]+$"
    )
    language: str | None = Field(default=None, pattern=r"^[a-z]{2}$")


class BatchRequest(BaseModel):
    """Up to 1,000 texts classified in one call."""

    model_config = ConfigDict(extra="forbid")

    items: list[ClassifyRequest]


class BatchResponse(BaseModel):
    """Signals in the order of the request's items."""

    signals: list[Signal]


def _classify(request: Request, messages: list[Message]) -> list[Signal]:
    try:
        signals = get_runtime(request).cascade.classify_many(messages)
    except TriageError:
        raise
    except Exception as exc:  # one unreadable text: a typed answer with the reason, not a 500
        raise ClassificationFailed(f"{type(exc).__name__}: {exc}") from exc
    metrics: Metrics = request.app.state.metrics
    metrics.record_signals(signals)
    return signals


async def _classify_one(request: Request, message: Message) -> Signal:
    """Classified in a worker thread: CPU work or an LLM call never holds the event loop."""
    return (await run_in_threadpool(_classify, request, [message]))[0]


def _json(model: BaseModel) -> Response:
    # Serialised by pydantic directly: the model is already validated, and FastAPI's
    # response_model pass would validate it a second time on every request.
    return Response(model.model_dump_json(), media_type="application/json")


def _message(request: Request, item: ClassifyRequest) -> Message:
    patterns = get_runtime(request).settings.entities
    return message_from_text(
        item.text,
        subject=item.subject,
        sender=item.from_,
        language=item.language,
        patterns=patterns,
    )


def _classify_text(request: Request, item: ClassifyRequest) -> Signal:
    return _classify(request, [_message(request, item)])[0]


# Parsing and classifying run in worker threads: one hostile text must not stall the event
# loop (and /healthz with it), even though the GIL makes threads no faster at CPU work.
@router.post("/classify", response_model=Signal)
async def classify(request: Request, item: ClassifyRequest) -> Response:
    """Classify one text."""
    return _json(await run_in_threadpool(_classify_text, request, item))


@router.post("/classify/batch", response_model=BatchResponse)
async def classify_batch(request: Request, batch: BatchRequest) -> Response:
    """Classify up to 1,000 texts at once (in a worker thread: it can take a while)."""
    if len(batch.items) > MAX_BATCH:
        raise ApiError(413, "payload_too_large", f"batch of {len(batch.items)} > {MAX_BATCH} items")

    def work() -> list[Signal]:
        return _classify(request, [_message(request, i) for i in batch.items])

    return _json(BatchResponse(signals=await run_in_threadpool(work)))


@router.post("/classify/eml", response_model=Signal)
async def classify_eml(request: Request) -> Response:
    """Classify a raw RFC 822 message sent as the request body (parsed in a worker thread)."""
    if request.headers.get("content-type", "").startswith(("application/json", "multipart/")):
        raise ApiError(415, "unsupported_media_type", "send the raw message as message/rfc822")
    raw = await request.body()
    runtime = get_runtime(request)
    message = await run_in_threadpool(
        parse_message,
        raw,
        source="api",
        options=runtime.settings.parse,
        patterns=runtime.settings.entities,
    )
    if message.has_defect(DefectCode.NOT_MAIL):
        raise ApiError(422, "invalid_request", "the body is not an RFC 822 message")
    return _json(await _classify_one(request, message))


@router.get("/taxonomy", response_model=Taxonomy)
async def taxonomy(request: Request) -> Taxonomy:
    """The intents this service classifies into, with their descriptions."""
    return get_runtime(request).cascade.taxonomy
