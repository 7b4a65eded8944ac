"""POST /v1/classify (one, batch, raw .eml) and GET /v1/taxonomy."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from api import examples
from api.batching import MicroBatcher
from api.deps import get_runtime, require_api_key
from api.errors import ApiError
from api.metrics import Metrics
from api.schema_docs import RAW_MAIL_BODY, error_responses, json_example
from models import DefectCode, Message, Signal, Taxonomy
from parsers import EntityPatterns, message_from_text, parse_message
from triage.errors import ClassificationFailed, TriageError
from triage.runtime import Runtime

MAX_TEXT_CHARS = 200_000
MAX_BATCH = 1_000
BATCH_ITEMS = 64  # past this, a bigger batch saves the model little and adds latency
LLM_BATCHES_IN_FLIGHT = 16
router = APIRouter(
    prefix="/v1",
    tags=["classify"],
    dependencies=[Depends(require_api_key)],
    responses=error_responses(401, 503),
)


class ClassifyRequest(BaseModel):
    """A text to classify, with what is known about it."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        json_schema_extra={"examples": [examples.CLASSIFY_REQUEST]},
    )

    subject: str = Field(default="", max_length=2_000, description="The mail's subject, if any")
    text: str = Field(max_length=MAX_TEXT_CHARS, description="The text: a mail body, plain")
    from_: str | None = Field(
        default=None,
        alias="from",
        max_length=320,
        pattern=r"^[^@\s]+@[^@\s]+$",
        description="The sender's address, when known (the rules know supplier domains)",
    )
    language: str | None = Field(
        default=None, pattern=r"^[a-z]{2}$", description="ISO 639-1 code; detected when absent"
    )


class BatchRequest(BaseModel):
    """Up to 1,000 texts classified in one call."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [examples.BATCH_REQUEST]}
    )

    items: list[ClassifyRequest]


class BatchResponse(BaseModel):
    """Signals in the order of the request's items."""

    signals: list[Signal]


def _classify(request: Request, messages: list[Message]) -> list[Signal]:
    return _classify_with(get_runtime(request), request.app.state.metrics, messages)


def _classify_with(runtime: Runtime, metrics: Metrics, messages: list[Message]) -> list[Signal]:
    try:
        signals = runtime.cascade.classify_many(messages)
    except TriageError:
        raise
    except Exception as exc:  # one unreadable text: a typed answer with the reason, not a 500
        raise ClassificationFailed(f"{type(exc).__name__}: {exc}") from exc
    metrics.record_signals(signals)
    return signals


async def _classify_one(request: Request, item: ClassifyRequest | Message) -> Signal:
    """Classified in a batch with the requests that arrive meanwhile, in a worker thread:
    CPU work or an LLM call never holds the event loop."""
    batcher: MicroBatcher[ClassifyRequest | Message, Signal] | None = getattr(
        request.app.state, "classify_batcher", None
    )
    if batcher is None:
        batcher = request.app.state.classify_batcher = _new_batcher(request)
    return await batcher.submit(item)


def _new_batcher(request: Request) -> MicroBatcher[ClassifyRequest | Message, Signal]:
    state = request.app.state

    def work(items: list[ClassifyRequest | Message]) -> list[Signal]:
        runtime: Runtime = state.runtime  # the app's runtime now, not when the batcher began
        patterns = runtime.settings.entities
        messages = [i if isinstance(i, Message) else _message(patterns, i) for i in items]
        return _classify_with(runtime, state.metrics, messages)

    # Without an LLM the work is CPU-bound: one batch at a time is as fast as several (the
    # GIL) and makes bigger batches. With one, a slow LLM answer must not hold up the rest.
    in_flight = 1 if get_runtime(request).cascade.llm is None else LLM_BATCHES_IN_FLIGHT
    return MicroBatcher(work, max_items=BATCH_ITEMS, max_in_flight=in_flight)


def _json(model: BaseModel) -> Response:
    # Serialised by pydantic directly: the model is already validated, and FastAPI's
    # response_model pass would validate it a second time on every request.
    return Response(model.model_dump_json(), media_type="application/json")


def _message(patterns: EntityPatterns, item: ClassifyRequest) -> Message:
    return message_from_text(
        item.text,
        subject=item.subject,
        sender=item.from_,
        language=item.language,
        patterns=patterns,
    )


# Parsing and classifying run in worker threads: one hostile text must not stall the event
# loop (and /healthz with it), even though the GIL makes threads no faster at CPU work.
# A single text is parsed in its batch's thread (api/batching.py), not in a thread of its own.
@router.post(
    "/classify",
    response_model=Signal,
    summary="Classify one text",
    responses=json_example(examples.SIGNAL) | error_responses(413, 422),
)
async def classify(request: Request, item: ClassifyRequest) -> Response:
    """Classify one text."""
    return _json(await _classify_one(request, item))


@router.post(
    "/classify/batch",
    response_model=BatchResponse,
    summary="Classify up to 1,000 texts",
    responses=json_example(examples.BATCH_RESPONSE) | error_responses(413, 422),
)
async def classify_batch(request: Request, batch: BatchRequest) -> Response:
    """Classify up to 1,000 texts at once (in a worker thread: it can take a while)."""
    if len(batch.items) > MAX_BATCH:
        raise ApiError(413, "payload_too_large", f"batch of {len(batch.items)} > {MAX_BATCH} items")

    patterns = get_runtime(request).settings.entities

    def work() -> list[Signal]:
        return _classify(request, [_message(patterns, i) for i in batch.items])

    return _json(BatchResponse(signals=await run_in_threadpool(work)))


@router.post(
    "/classify/eml",
    response_model=Signal,
    summary="Classify a raw mail",
    responses=json_example(examples.SIGNAL) | error_responses(413, 415, 422),
    openapi_extra=RAW_MAIL_BODY,
)
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


@router.get(
    "/taxonomy",
    response_model=Taxonomy,
    summary="The intents",
    responses=json_example(examples.TAXONOMY),
)
async def taxonomy(request: Request) -> Taxonomy:
    """The intents this service classifies into, with their descriptions."""
    return get_runtime(request).cascade.taxonomy
