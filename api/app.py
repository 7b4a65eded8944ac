"""The FastAPI application: health, metrics and the JSON API (the review UI comes later)."""

from __future__ import annotations

import gc
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import text

from api import errors, ui
from api.actions import router as actions_router
from api.classify import router as classify_router
from api.deps import require_api_key
from api.limits import BodyLimitMiddleware
from api.messages import router as messages_router
from api.metrics import Metrics, MetricsMiddleware
from triage.config import Settings, get_settings
from triage.ingest.service import WatcherPool, build_watchers, stale_folders
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
    app.add_api_route("/readyz", readyz, methods=["GET"])
    app.add_api_route(
        "/metrics", metrics_endpoint, methods=["GET"], dependencies=[Depends(require_api_key)]
    )
    app.include_router(classify_router)
    app.include_router(messages_router)
    app.include_router(actions_router)
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


def readyz(request: Request) -> JSONResponse:
    """Readiness: the database answers and the classical model is loaded."""
    runtime: Runtime = request.app.state.runtime
    model = runtime.cascade.classical
    body: dict[str, object] = {"model": model.version if model else "missing"}
    try:
        with runtime.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any database failure means not ready; say which kind
        body |= {"status": "not_ready", "database": type(exc).__name__}
        return JSONResponse(body, status_code=503)
    body |= {"database": "ok", "messages": runtime.store.count()}
    stale = stale_folders(runtime.mailbox_state.health(), runtime.settings.mailboxes)
    body["mailboxes"] = _mailbox_report(runtime, stale)
    if model is None or stale:
        return JSONResponse(body | {"status": "not_ready"}, status_code=503)
    return JSONResponse(body | {"status": "ready"})


def _mailbox_report(runtime: Runtime, stale: list[str]) -> dict[str, dict[str, object]]:
    report: dict[str, dict[str, object]] = {}
    for h in runtime.mailbox_state.health():
        name = f"{h.account}/{h.folder}"
        report[name] = {
            "last_poll_at": h.last_poll_at.isoformat() if h.last_poll_at else None,
            "last_message_at": h.last_message_at.isoformat() if h.last_message_at else None,
            "backlog": h.backlog,
            "errors": h.errors,
            "last_error": h.last_error,
            "stale": name in stale,
        }
    for name in stale:
        report.setdefault(name, {"last_poll_at": None, "stale": True})
    return report


def metrics_endpoint(request: Request) -> Response:
    """Prometheus metrics in the text exposition format."""
    metrics: Metrics = request.app.state.metrics
    runtime: Runtime = request.app.state.runtime
    metrics.record_mailboxes(runtime.mailbox_state.health())
    actions = runtime.actions
    metrics.record_actions(actions.counts(), actions.failures(), actions.escalated())
    return Response(metrics.render(), media_type="text/plain; version=0.0.4")
