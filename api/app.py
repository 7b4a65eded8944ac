"""The FastAPI application: health, metrics and the JSON API (the review UI comes later)."""

from __future__ import annotations

import gc
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import metadata

from fastapi import Depends, FastAPI, Request
from fastapi.responses import Response
from fastapi.routing import APIRoute

from api import errors, openapi, ui
from api.actions import router as actions_router
from api.autonomy import router as autonomy_router
from api.classify import router as classify_router
from api.deps import require_api_key
from api.limits import BodyLimitMiddleware
from api.messages import router as messages_router
from api.metrics import Metrics, MetricsMiddleware
from api.schema_docs import TEXT_ANSWER, error_responses
from api.status import router as status_router
from triage.config import Settings, get_settings
from triage.ingest.service import WatcherPool, build_watchers
from triage.pipeline.sweep import run_sweep
from triage.runtime import Runtime, build_runtime, build_worker

JSON_BODY_LIMIT = 5 * 1024 * 1024


def create_app(settings: Settings | None = None, *, background: bool = True) -> FastAPI:
    """Build the app around a runtime made from `settings`; `background` runs the watchers,
    the recovery sweep and the outbox worker in this process (one of `serve --workers`)."""
    settings = settings or get_settings()
    runtime = build_runtime(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The model and the start-up objects live for the whole process: keep them out of
        # the collector's scans, which otherwise stall requests for hundreds of milliseconds.
        gc.freeze()
        if not background:
            yield
            app.state.runtime.engine.dispose()
            return
        pool = WatcherPool(build_watchers(runtime, settings.mailboxes), runtime)
        pool.start()
        stop = threading.Event()
        sweep = threading.Thread(
            target=run_sweep,
            args=(runtime.pipeline, settings.pipeline.sweep_seconds, stop),
            name="recovery-sweep",
            daemon=True,
        )
        sweep.start()
        worker = None
        if settings.worker.enabled:
            worker = threading.Thread(
                target=build_worker(runtime).run, args=(stop,), name="outbox-worker", daemon=True
            )
            worker.start()
        yield
        stop.set()
        pool.stop()
        if worker is not None:
            worker.join(timeout=30)
        sweep.join(timeout=30)
        app.state.runtime.engine.dispose()

    # FastAPI's own /docs, /redoc and /openapi.json would be open to anyone: the schema is at
    # /v1/openapi.json and the reference at /v1/reference instead, behind a key or a session.
    app = FastAPI(
        title="triage",
        version=metadata.version("triage"),
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        generate_unique_id_function=operation_id,
    )
    app.state.runtime = runtime
    app.state.metrics = metrics = Metrics()
    if runtime.llm is not None:
        metrics.watch_llm(runtime.llm.service)
    errors.install(app)
    app.add_api_route("/healthz", healthz, methods=["GET"], tags=["health"], summary="Liveness")
    app.include_router(status_router)
    app.add_api_route(
        "/metrics",
        metrics_endpoint,
        methods=["GET"],
        dependencies=[Depends(require_api_key)],
        response_class=Response,  # no JSON: the 200 is declared as text below
        tags=["health"],
        summary="Prometheus metrics",
        responses=TEXT_ANSWER | error_responses(401, 503),
    )
    app.include_router(classify_router)
    app.include_router(messages_router)
    app.include_router(actions_router)
    app.include_router(autonomy_router)
    ui.install(app, settings)
    openapi.install(app)
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=JSON_BODY_LIMIT,
        raw_max_bytes=settings.parse.max_bytes,
        raw_paths=frozenset({"/v1/classify/eml", "/v1/messages"}),
    )
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    return app


def operation_id(route: APIRoute) -> str:
    """The operationId of a route: its function's name (a generated client's method name)."""
    return route.name


async def healthz() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


def metrics_endpoint(request: Request) -> Response:
    """Prometheus metrics in the text exposition format."""
    metrics: Metrics = request.app.state.metrics
    runtime: Runtime = request.app.state.runtime
    metrics.record_mailboxes(runtime.mailbox_state.health())
    actions = runtime.actions
    metrics.record_actions(actions.counts(), actions.failures(), actions.escalated())
    return Response(metrics.render(), media_type="text/plain; version=0.0.4")
