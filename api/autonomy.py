"""Earned autonomy over HTTP: the standings table, pins, confirmations and spot checks.

Reads take an API key or a review-UI session; so do writes, which then also need the
session's CSRF token in the X-CSRF-Token header (the cookie alone is not consent). Pinning
is for admins; an API key acts with the role it was created with (the bootstrap key is admin).
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict
from starlette.concurrency import run_in_threadpool

from api import examples
from api.deps import SESSION_KEY, get_runtime, require_api_key
from api.errors import ApiError
from api.schema_docs import error_responses, json_example
from models import AutonomyState, Signal, SpotCheck, Standing, UserRole
from triage.approvals import Decider
from triage.errors import NotFound
from triage.policy.model import AUTONOMY_DECIDERS as DECIDERS
from triage.runtime import Runtime

router = APIRouter(prefix="/v1", tags=["autonomy"], responses=error_responses(401, 503))
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"


class StandingList(BaseModel):
    """Every (intent, decider) with a state or observations, by intent then decider."""

    standings: list[Standing]


class SpotCheckList(BaseModel):
    """The spot-check queue, as the service orders it."""

    spot_checks: list[SpotCheck]


class Pin(BaseModel):
    """The state to pin; null unpins (the learned state applies again)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [examples.PIN]})

    state: AutonomyState | None


class Confirmation(BaseModel):
    """A person confirmed a message's intent."""

    message_id: str
    intent: str
    decider: str
    confirmed_by: str


def caller_decider(request: Request) -> Decider:
    """Who asks, with their role: an API key's owner, or else the session's user (401)."""
    if request.headers.get("authorization"):
        caller = require_api_key(request)
        return Decider(caller.name, caller.role, "key")
    session_id = request.session.get(SESSION_KEY) if "session" in request.scope else None
    user = get_runtime(request).login.user_for(session_id) if isinstance(session_id, str) else None
    if user is None:
        raise ApiError(401, "unauthorized", "send an API key (Authorization: Bearer) or log in")
    return Decider(user.name, user.role, "user")


def writer_decider(request: Request) -> Decider:
    """As `caller_decider`; a session-borne write must also carry the session's CSRF token."""
    decider = caller_decider(request)
    if decider.door == "user":
        given = request.headers.get(CSRF_HEADER, "")
        expected = request.session.get(CSRF_FIELD)
        if not isinstance(expected, str) or not hmac.compare_digest(given, expected):
            raise ApiError(403, "forbidden", "a write with a session needs the X-CSRF-Token header")
    return decider


def admin_decider(request: Request) -> Decider:
    """As `writer_decider`, for admins only (403 for an agent or approver, key or session)."""
    decider = writer_decider(request)
    if decider.role is not UserRole.ADMIN:
        raise ApiError(
            403, "forbidden", f"a {decider.role.value} may not pin autonomy: admins only"
        )
    return decider


Reader = Annotated[Decider, Depends(caller_decider)]
Writer = Annotated[Decider, Depends(writer_decider)]
Admin = Annotated[Decider, Depends(admin_decider)]


def _json(model: BaseModel) -> Response:
    return Response(model.model_dump_json(), media_type="application/json")


@router.get("/autonomy", response_model=StandingList, summary="The autonomy standings")
async def list_standings(request: Request, _caller: Reader) -> Response:
    """Per intent and decider: n, precision, Wilson lower bound, state, pin and last change."""
    standings = await run_in_threadpool(get_runtime(request).autonomy.standings)
    return _json(StandingList(standings=standings))


@router.put(
    "/autonomy/{intent}/{decider}",
    response_model=Standing,
    summary="Pin or unpin an autonomy state (admins)",
    responses=error_responses(403, 404, 413, 422),
)
async def pin_state(
    request: Request, intent: str, decider: str, body: Pin, caller: Admin
) -> Response:
    """Pin a state for an (intent, decider), or unpin with null; admins only."""
    runtime = get_runtime(request)
    check_pair(runtime, intent, decider)
    autonomy = runtime.autonomy
    standing = await run_in_threadpool(autonomy.pin, intent, decider, body.state, caller.actor)
    return _json(standing)


def check_pair(runtime: Runtime, intent: str, decider: str) -> None:
    """422 for a decider that is not a cascade stage, 404 for an intent outside the taxonomy."""
    if decider not in DECIDERS:
        allowed = ", ".join(sorted(DECIDERS))
        raise ApiError(422, "invalid_request", f"unknown decider {decider!r}: one of {allowed}")
    if runtime.cascade.taxonomy.get(intent) is None:
        raise ApiError(404, "not_found", f"no intent {intent!r} in the taxonomy")


@router.post(
    "/messages/{message_id}/confirm",
    response_model=Confirmation,
    summary="Confirm a message's intent",
    responses=json_example(examples.CONFIRMATION) | error_responses(403, 404),
)
async def confirm(request: Request, message_id: str, caller: Writer) -> Response:
    """Say the message's intent is right (counts once per message toward its precision)."""
    runtime = get_runtime(request)
    return await run_in_threadpool(_confirm, runtime, message_id, caller)


def _confirm(runtime: Runtime, message_id: str, caller: Decider) -> Response:
    signal = confirm_message(runtime, message_id, caller)
    confirmation = Confirmation(
        message_id=message_id,
        intent=signal.intent,
        decider=signal.decided_by.value,
        confirmed_by=caller.actor,
    )
    return _json(confirmation)


def confirm_message(runtime: Runtime, message_id: str, decider: Decider) -> Signal:
    """Confirm the message's intent (a label, audited with it; both doors: the API and the UI)."""
    runtime.approvals.confirm(message_id, decider)
    signal = runtime.store.signal(message_id)
    if signal is None:  # confirm raised NotFound already; a signal cannot vanish
        raise NotFound(f"No message {message_id} with a signal.")
    return signal


@router.get(
    "/spot-checks",
    response_model=SpotCheckList,
    summary="The spot-check queue",
    responses=error_responses(422),
)
async def list_spot_checks(
    request: Request,
    _caller: Reader,
    pending: Annotated[bool, Query(description="Only the ones nobody looked at yet")] = True,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> Response:
    """Mail routed alone that was picked for a person to check, newest first."""
    autonomy = get_runtime(request).autonomy
    found = await run_in_threadpool(autonomy.spot_checks, pending, limit)
    return _json(SpotCheckList(spot_checks=found))
