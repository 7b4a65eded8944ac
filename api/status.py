"""Readiness: a public yes or no at /readyz, the details behind a key or a session at
/v1/status.

The details (message count, model version, mailbox errors) tell an outsider what runs and
what fails, so only a caller with an API key or a logged-in session sees them.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from api.deps import KeyOrSessionDep, RuntimeDep
from api.schema_docs import ReadyState, StatusReport, error_responses, model_response
from triage.ingest.service import stale_folders
from triage.runtime import Runtime

router = APIRouter()


@router.get(
    "/readyz",
    tags=["health"],
    summary="Readiness",
    responses=model_response(200, ReadyState) | model_response(503, ReadyState, "Not ready"),
)
def readyz(runtime: RuntimeDep) -> JSONResponse:
    """Readiness for a load balancer: ready or not, nothing more."""
    ready, _ = readiness(runtime)
    if not ready:
        return JSONResponse({"status": "not_ready"}, status_code=503)
    return JSONResponse({"status": "ready"})


@router.get(
    "/v1/status",
    tags=["health"],
    summary="Readiness with its details",
    responses=model_response(200, StatusReport)
    | model_response(503, StatusReport, "Not ready: the details say why")
    | error_responses(401),
)
def status(runtime: RuntimeDep, caller: KeyOrSessionDep) -> JSONResponse:
    """Readiness with its details: database, messages, model and each mailbox folder."""
    ready, body = readiness(runtime)
    return JSONResponse(body, status_code=200 if ready else 503)


def readiness(runtime: Runtime) -> tuple[bool, dict[str, object]]:
    """Whether the database answers, the classical model is loaded and no folder is stale."""
    model = runtime.cascade.classical
    body: dict[str, object] = {"model": model.version if model else "missing"}
    try:
        with runtime.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any database failure means not ready; say which kind
        return False, body | {"status": "not_ready", "database": type(exc).__name__}
    body |= {"database": "ok", "messages": runtime.store.count()}
    stale = stale_folders(runtime.mailbox_state.health(), runtime.settings.mailboxes)
    body["mailboxes"] = _mailbox_report(runtime, stale)
    if runtime.odoo is not None:
        body["odoo"] = _odoo_report(runtime)
    ready = model is not None and not stale
    return ready, body | {"status": "ready" if ready else "not_ready"}


def _odoo_report(runtime: Runtime) -> dict[str, object]:
    """What the capability probe found (it runs at the first link; status does not call Odoo)."""
    caps = runtime.odoo.known_capabilities() if runtime.odoo else None
    if caps is None:
        return {"probed": False}
    return {"probed": True} | caps.model_dump(
        mode="json", include={"server_version", "modules", "disabled", "tz", "probe_errors"}
    )


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
