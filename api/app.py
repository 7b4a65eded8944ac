"""The FastAPI application: health, metrics and the JSON API (the review UI comes later)."""

from __future__ import annotations

import gc
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request
from fastapi.responses import Response

from api import errors, ui
from api.actions import router as actions_router
from api.autonomy import router as autonomy_router
from api.classify import router as classify_router
from api.deps import require_api_key
from api.limits import BodyLimitMiddleware
from api.messages import router as messages_router
from api.metrics import Metrics, MetricsMiddleware
from api.status import router as status_router
from triage.config import Settings, get_settings
from triage.ingest.service import WatcherPool, build_watchers
from triage.pipeline.sweep import run_sweep
from triage.runtime import Runtime, build_runtime, build_worker

JSON_BODY_LIMIT = 5 * 1024 * 1024


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app around a runtime made from `settings`."""
    settings = settings or get_settings()
    runtime = build_runtime(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The model and the start-up objects live for the whole process: keep them out of
        # the collector's scans, which otherwise stall requests for hundreds of milliseconds.
        gc.freeze()
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

    # No /docs, /redoc or /openapi.json: every route but health needs a key.
    app = FastAPI(
        title="triage",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.runtime = runtime
    app.state.metrics = metrics = Metrics()
    if runtime.llm is not None:
        metrics.watch_llm(runtime.llm.service)
    errors.install(app)
    app.add_api_route("/healthz", healthz, methods=["GET"])
    app.include_router(status_router)
    app.add_api_route(
        "/metrics", metrics_endpoint, methods=["GET"], dependencies=[Depends(require_api_key)]
    )
    app.include_router(classify_router)
    app.include_router(messages_router)
    app.include_router(actions_router)
    app.include_router(autonomy_router)
    ui.install(app, settings)
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=JSON_BODY_LIMIT,
        raw_max_bytes=settings.parse.max_bytes,
        raw_paths=frozenset({"/v1/classify/eml", "/v1/messages"}),
    )
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    return app


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
