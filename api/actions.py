"""The outbox over HTTP: list actions, approve or reject a proposal (role-checked)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from api.auth import require_api_key
from api.errors import ApiError
from models import ActionRecord, ActionState, AuditEvent
from triage.runtime import Runtime
from triage.store.apikeys import Caller

router = APIRouter(prefix="/v1", dependencies=[Depends(require_api_key)])
CallerDep = Annotated[Caller, Depends(require_api_key)]


class ActionList(BaseModel):
    """Actions, oldest first."""

    actions: list[ActionRecord]


class Approval(BaseModel):
    """An approval, with the approver's edits of a drafted customer update."""

    model_config = ConfigDict(extra="forbid")

    subject: str | None = Field(default=None, max_length=200)
    body: str | None = Field(default=None, max_length=10_000)


class Rejection(BaseModel):
    """Why a proposal was rejected."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(default="", max_length=2_000)


class AuditList(BaseModel):
    """Audit events, oldest first."""

    events: list[AuditEvent]


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _json(model: BaseModel) -> Response:
    return Response(model.model_dump_json(), media_type="application/json")


@router.get("/actions", response_model=ActionList)
async def list_actions(
    request: Request, state: Annotated[ActionState | None, Query()] = None
) -> Response:
    """Actions in a state (e.g. ?state=proposed for the approval queue)."""
    found = await run_in_threadpool(_runtime(request).actions.in_state, state)
    return _json(ActionList(actions=found))


@router.get("/audit", response_model=AuditList)
async def audit_of_record(
    request: Request, model: Annotated[str, Query(max_length=64)], record_id: int
) -> Response:
    """The audit trail of one Odoo record (e.g. ?model=sale.order&record_id=7)."""
    events = await run_in_threadpool(_runtime(request).audit.for_record, model, record_id)
    return _json(AuditList(events=events))


@router.post("/actions/{action_id}/approve", response_model=ActionRecord)
async def approve(
    request: Request, action_id: int, caller: CallerDep, edits: Approval | None = None
) -> Response:
    """Approve a proposed action; only a role the action allows may."""
    runtime = _runtime(request)
    action = _proposed(runtime, action_id, caller)
    payload: dict[str, Any] = {}
    if edits is not None and (edits.subject is not None or edits.body is not None):
        draft = action.payload.get("draft")
        if not isinstance(draft, dict):
            raise ApiError(422, "invalid_request", "only a drafted customer update can be edited")
        changes = {k: v for k, v in edits.model_dump().items() if v is not None}
        payload["draft"] = {**draft, **changes, "edited_by": caller.name}
    await run_in_threadpool(runtime.actions.approve, action_id, f"key:{caller.name}", payload)
    return _json(_found(runtime, action_id))


@router.post("/actions/{action_id}/reject", response_model=ActionRecord)
async def reject(
    request: Request, action_id: int, caller: CallerDep, body: Rejection | None = None
) -> Response:
    """Reject a proposed action (same roles as approving it)."""
    runtime = _runtime(request)
    _proposed(runtime, action_id, caller)
    reason = body.reason if body else ""
    await run_in_threadpool(runtime.actions.reject, action_id, f"key:{caller.name}", reason)
    return _json(_found(runtime, action_id))


def _proposed(runtime: Runtime, action_id: int, caller: Caller) -> ActionRecord:
    action = _found(runtime, action_id)
    if action.state is not ActionState.PROPOSED:
        raise ApiError(409, "state_conflict", f"action {action_id} is {action.state}, not proposed")
    if not caller.role.may_approve(action.approval):
        raise ApiError(
            403,
            "forbidden",
            f"a {caller.role} may not decide an action that needs an {action.approval}",
        )
    return action


def _found(runtime: Runtime, action_id: int) -> ActionRecord:
    action = runtime.actions.get(action_id)
    if action is None:
        raise ApiError(404, "not_found", f"no action {action_id}")
    return action
