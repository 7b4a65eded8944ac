"""The review UI's side of earned autonomy: confirm a message, pin a state, the spot checks."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from api.autonomy import confirm_message
from api.deps import UserDep, get_runtime
from api.ui.pages import AUTONOMY_STATES, _as_page, _decider, page
from api.ui.session import UiError, check_csrf
from models import AutonomyState, UserRole
from triage.policy.model import AUTONOMY_DECIDERS as DECIDERS

router = APIRouter(include_in_schema=False)


@router.post("/messages/{message_id}/confirm", dependencies=[Depends(check_csrf)])
async def confirm(request: Request, message_id: str, user: UserDep) -> Response:
    """The person says the message's intent is right (counted once per message)."""
    await _as_page(confirm_message, get_runtime(request), message_id, _decider(user))
    return RedirectResponse(f"/messages/{message_id}#intent", status_code=303)


@router.post("/autonomy/pin", dependencies=[Depends(check_csrf)])
async def pin(
    request: Request,
    user: UserDep,
    intent: Annotated[str, Form(max_length=64)],
    decider: Annotated[str, Form(max_length=16)],
    state: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    """An admin pins an (intent, decider) to a state, or unpins it with an empty state."""
    if user.role is not UserRole.ADMIN:
        raise UiError(403, "Only an admin may pin or unpin an autonomy state.")
    runtime = get_runtime(request)
    if decider not in DECIDERS or (state and state not in AUTONOMY_STATES):
        raise UiError(422, f"Unknown decider {decider!r} or state {state!r}.")
    if runtime.cascade.taxonomy.get(intent) is None:
        raise UiError(404, f"No intent {intent!r} in the taxonomy.")
    chosen = AutonomyState(state) if state else None
    await _as_page(runtime.autonomy.pin, intent, decider, chosen, _decider(user).actor)
    return RedirectResponse("/dashboard#autonomy", status_code=303)


@router.get("/spot-checks")
async def spot_checks(request: Request, user: UserDep, done: bool = False) -> HTMLResponse:
    """Mail routed alone that was picked for a person to confirm or correct."""
    autonomy = get_runtime(request).autonomy
    items = await run_in_threadpool(autonomy.spot_checks, not done)
    return page(request, "spot_checks.html", user, items=items, show_done=done)
