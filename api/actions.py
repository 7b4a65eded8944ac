"""The outbox over HTTP: list actions, approve or reject a proposal (rules in Approvals)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from api import examples
from api.deps import CallerDep, get_runtime, require_api_key
from api.params import PathId, QueryId
from api.schema_docs import error_responses
from models import ActionRecord, ActionState, AuditEvent
from triage.approvals import Decider, DraftEdits
from triage.store.apikeys import Caller

router = APIRouter(
    prefix="/v1",
    tags=["actions"],
    dependencies=[Depends(require_api_key)],
    responses=error_responses(401, 503),
)


class ActionList(BaseModel):
    """Actions, oldest first."""

    actions: list[ActionRecord]


class Approval(BaseModel):
    """An approval, with the approver's edits of a drafted customer update."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [examples.APPROVAL]})

    subject: str | None = Field(default=None, max_length=200)
    body: str | None = Field(default=None, max_length=10_000)


class Rejection(BaseModel):
    """Why a proposal was rejected."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [examples.REJECTION]})

    reason: str = Field(default="", max_length=2_000)


class AuditList(BaseModel):
    """Audit events, oldest first."""

    events: list[AuditEvent]


def _json(model: BaseModel) -> Response:
    return Response(model.model_dump_json(), media_type="application/json")


@router.get(
    "/actions", response_model=ActionList, summary="List actions", responses=error_responses(422)
)
async def list_actions(
    request: Request, state: Annotated[ActionState | None, Query()] = None
) -> Response:
    """Actions in a state (e.g. ?state=proposed for the approval queue)."""
    found = await run_in_threadpool(get_runtime(request).actions.in_state, state)
    return _json(ActionList(actions=found))


@router.get(
    "/audit",
    response_model=AuditList,
    summary="The audit trail of an Odoo record",
    responses=error_responses(422),
)
async def audit_of_record(
    request: Request, model: Annotated[str, Query(max_length=64)], record_id: QueryId
) -> Response:
    """The audit trail of one Odoo record (e.g. ?model=sale.order&record_id=7)."""
    events = await run_in_threadpool(get_runtime(request).audit.for_record, model, record_id)
    return _json(AuditList(events=events))


@router.post(
    "/actions/{action_id}/approve",
    response_model=ActionRecord,
    summary="Approve a proposed action",
    responses=error_responses(403, 404, 409, 413, 422),
)
async def approve(
    request: Request, action_id: PathId, caller: CallerDep, edits: Approval | None = None
) -> Response:
    """Approve a proposed action, with edits of a draft; only a role the action allows may."""
    changes = DraftEdits(**edits.model_dump()) if edits else None
    approvals = get_runtime(request).approvals
    action = await run_in_threadpool(approvals.approve, action_id, _decider(caller), changes)
    return _json(action)


@router.post(
    "/actions/{action_id}/reject",
    response_model=ActionRecord,
    summary="Reject a proposed action",
    responses=error_responses(403, 404, 409, 413, 422),
)
async def reject(
    request: Request, action_id: PathId, caller: CallerDep, body: Rejection | None = None
) -> Response:
    """Reject a proposed action (same roles as approving it)."""
    reason = body.reason if body else ""
    approvals = get_runtime(request).approvals
    action = await run_in_threadpool(approvals.reject, action_id, _decider(caller), reason)
    return _json(action)


def _decider(caller: Caller) -> Decider:
    return Decider(caller.name, caller.role, "key")
