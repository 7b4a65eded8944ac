"""The published API description: /v1/openapi.json, built from the routes by FastAPI.

FastAPI writes the paths and the models; this module adds what it cannot see: the security
schemes (read from each route's real guard, so the schema cannot claim less than the code
checks), the one error shape for every documented error, and the text that says how to
authenticate. The schema is behind a key or a session like every route but health.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute, iter_route_contexts

from api.autonomy import admin_decider, caller_decider, writer_decider
from api.deps import KeyOrSessionDep, key_or_session, require_api_key
from api.reference import router as reference_router
from api.schema_docs import error_responses

SCHEMA_PATH = "/v1/openapi.json"
KEY = "apiKey"
SESSION = "session"
REF = "#/components/schemas/"

DESCRIPTION = """\
Classify mail and text into a wholesale distributor's intents, ingest raw mail into the
triage pipeline, and decide the actions it proposes.

Authentication: every operation but /healthz and /readyz needs an API key, sent as
`Authorization: Bearer <key>`. An admin creates one with `triage apikey create NAME --role
agent|approver|admin` (the key is printed once). Operations marked "key or session" also
accept the review UI's session cookie; a write made with the cookie must also send the
session's CSRF token in the `X-CSRF-Token` header.

Errors: every error answer is JSON of one shape, {"error": {"code", "message", "details"}}.
`code` is stable and meant for programs; `message` is for people; `details` lists each
problem of a request that did not validate (422).

Limits: a JSON body may be up to 5 MiB and a raw mail up to the server's parse limit (413
beyond); a text to classify up to 200,000 characters; a batch up to 1,000 items.
"""

TAGS = [
    {"name": "classify", "description": "Classify a text or a raw mail without storing it."},
    {"name": "messages", "description": "Ingest raw mail into the pipeline and read it back."},
    {"name": "actions", "description": "The outbox: proposed actions, approvals, audit trail."},
    {"name": "autonomy", "description": "Earned autonomy per intent and decider; spot checks."},
    {"name": "health", "description": "Liveness, readiness and metrics."},
]

SECURITY_SCHEMES: dict[str, dict[str, str]] = {
    KEY: {
        "type": "http",
        "scheme": "bearer",
        "description": "An API key from `triage apikey create NAME`: Authorization: Bearer <key>",
    },
    SESSION: {
        "type": "apiKey",
        "in": "cookie",
        "name": "triage_session",
        "description": "The review UI's session after logging in at /login; a write with it "
        "also needs the X-CSRF-Token header",
    },
}

# Each guard a route can depend on, and the credentials it accepts.
_GUARDS: dict[Callable[..., Any], list[dict[str, list[str]]]] = {
    require_api_key: [{KEY: []}],
    key_or_session: [{KEY: []}, {SESSION: []}],
    caller_decider: [{KEY: []}, {SESSION: []}],
    writer_decider: [{KEY: []}, {SESSION: []}],
    admin_decider: [{KEY: []}, {SESSION: []}],
}


def install(app: FastAPI) -> None:
    """Serve the schema at /v1/openapi.json and the reference page, to a key or a session."""
    app.openapi = lambda: openapi_schema(app)  # type: ignore[method-assign]
    app.include_router(router)
    app.include_router(reference_router)


router = APIRouter(include_in_schema=False)


@router.get(SCHEMA_PATH)
def openapi_json(request: Request, _who: KeyOrSessionDep) -> JSONResponse:
    """The OpenAPI 3.1 description of the JSON API."""
    return JSONResponse(request.app.openapi())


def openapi_schema(app: FastAPI) -> dict[str, Any]:
    """The app's OpenAPI document with security, tags and the description (built once)."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=DESCRIPTION,
            routes=app.routes,
            tags=TAGS,
        )
        schema.setdefault("components", {})["securitySchemes"] = SECURITY_SCHEMES
        # Included routers appear as route contexts (FastAPI's own schema walks them so too).
        for route in iter_route_contexts(app.routes):
            if isinstance(route.original_route, APIRoute) and route.include_in_schema:
                _secure(schema["paths"][route.path_format], route.dependant, route.methods or ())
        _one_error_model(schema)
        app.openapi_schema = schema
    return app.openapi_schema


def _secure(path_item: dict[str, Any], dependant: Dependant, methods: Iterable[str]) -> None:
    security = next((_GUARDS[c] for c in _calls(dependant) if c in _GUARDS), None)
    if security is None:
        return
    for method in methods:
        path_item[method.lower()]["security"] = security


def _one_error_model(schema: dict[str, Any]) -> None:
    """FastAPI's own 422 ({"detail": [...]}) is not what the API sends: use the one shape."""
    ours = error_responses(422)[422]
    content = {
        "application/json": {"schema": {"$ref": f"{REF}ErrorResponse"}}
        | ours["content"]["application/json"]
    }
    for path_item in schema["paths"].values():
        for operation in path_item.values():
            response = operation.get("responses", {}).get("422", {})
            media = response.get("content", {}).get("application/json", {})
            if media.get("schema", {}).get("$ref") == f"{REF}HTTPValidationError":
                response.update(description=ours["description"], content=content)
    for name in ("HTTPValidationError", "ValidationError"):
        schema["components"]["schemas"].pop(name, None)


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _calls(sub)
