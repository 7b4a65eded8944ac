"""The review UI's pages: login, queue, message, approvals, feedback and dashboard."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar
from urllib.parse import urlencode

from anyio import CapacityLimiter, to_thread
from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from api.deps import SESSION_KEY, UserDep, get_runtime
from api.params import PathId
from api.ui import charts, supplier
from api.ui.mailview import highlighted, html_part, sanitised_frame
from api.ui.session import (
    UiError,
    check_csrf,
    csrf_token,
    safe_next,
)
from models import ActionState, AuditEvent, AutonomyState, Urgency
from triage.approvals import Decider, DraftEdits
from triage.classify.gate import describe_decision, last_model_decision
from triage.errors import TriageRuntimeError
from triage.policy.model import AUTONOMY_DECIDERS as DECIDERS
from triage.runtime import Runtime
from triage.store.autonomy import VERDICT
from triage.store.feedback import CONFIRMED
from triage.store.review import QueueItem
from triage.store.users import User

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parents[1] / "templates"))
router = APIRouter(include_in_schema=False)
STATES = ("needs_review", "awaiting_approval", "done", "unclassified", "failed")
T = TypeVar("T")
ODOO_LABELS = {
    "sale.order": "Sale order",
    "purchase.order": "Purchase order",
    "account.move": "Invoice",
    "stock.picking": "Transfer",
    "res.partner": "Contact",
}
AUTONOMY_STATES = tuple(s.value for s in AutonomyState)


def page(request: Request, name: str, user: User | None, **context: Any) -> HTMLResponse:
    """Render a template with the user, the CSRF token and the navigation."""
    values = {"user": user, "csrf": csrf_token(request), "path": request.url.path, **context}
    return TEMPLATES.TemplateResponse(request, name, values)


@router.get("/login")
async def login_form(request: Request, next: str | None = None) -> HTMLResponse:
    """The login form."""
    return page(request, "login.html", None, next=safe_next(next), error="")


# One answer whatever failed (name, password, throttle, lock): nothing tells them apart.
LOGIN_REFUSED = "Wrong name or password, or too many attempts: wait a moment and try again."


def _login_slots(request: Request) -> CapacityLimiter:
    """At most `hash_concurrency` logins at once: the others wait here, holding no thread."""
    state = request.app.state
    slots: CapacityLimiter | None = getattr(state, "login_slots", None)
    if slots is None:
        slots = CapacityLimiter(get_runtime(request).settings.api.login.hash_concurrency)
        state.login_slots = slots
    return slots


@router.post("/login", dependencies=[Depends(check_csrf)])
async def login(
    request: Request,
    name: Annotated[str, Form(max_length=255)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form()] = "/queue",
) -> Response:
    """Check the password (throttled); on success a new session (and CSRF token), on to `next`."""
    address = request.client.host if request.client else "unknown"
    attempt = get_runtime(request).login.attempt
    outcome = await to_thread.run_sync(
        attempt, name, password, address, limiter=_login_slots(request)
    )
    if outcome.session_id is None:
        response = page(request, "login.html", None, next=safe_next(next), error=LOGIN_REFUSED)
        response.status_code = 429 if outcome.retry_after else 401
        if outcome.retry_after:
            response.headers["Retry-After"] = str(outcome.retry_after)
        return response
    request.session.clear()
    request.session[SESSION_KEY] = outcome.session_id
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout", dependencies=[Depends(check_csrf)])
async def logout(request: Request) -> Response:
    """End the session in the database: its cookie no longer works, even replayed."""
    session_id = request.session.get(SESSION_KEY)
    if isinstance(session_id, str):
        await run_in_threadpool(get_runtime(request).login.log_out, session_id)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/")
async def home(user: UserDep) -> Response:
    """The queue is the start page."""
    return RedirectResponse("/queue", status_code=303)


def _matches(item: QueueItem, key: str, value: str) -> bool:
    signal = item.signal
    if key == "mailbox":
        return item.mailbox == value
    if key == "state":
        return item.state == value
    if key == "role":
        return item.role == value
    if signal is None:
        return False
    if key == "intent":
        return signal.intent == value
    if key == "urgency":
        return signal.urgency.value == value
    return key != "needs_review" or signal.needs_review == (value == "yes")


def _filtered(items: list[QueueItem], filters: dict[str, str]) -> list[QueueItem]:
    def keep(item: QueueItem) -> bool:
        return all(_matches(item, k, v) for k, v in filters.items() if v)

    return [i for i in items if keep(i)]


async def _queue_context(request: Request, sort: str, filters: dict[str, str]) -> dict[str, Any]:
    everything = await run_in_threadpool(get_runtime(request).review.queue)
    shown = _filtered(everything, filters)
    if sort == "urgent":
        shown.sort(key=lambda i: (i.urgency_rank, -i.received_at.timestamp()))
    counts = {
        "state": Counter(i.state for i in everything),
        "intent": Counter(i.signal.intent for i in everything if i.signal),
        "urgency": Counter(i.signal.urgency.value for i in everything if i.signal),
        "mailbox": Counter(i.mailbox for i in everything),
        "role": Counter(i.role or "unknown" for i in everything),
    }
    return {
        "items": shown[:300],
        "total": len(shown),
        "counts": counts,
        "filters": filters,
        "sort": sort,
        "query": urlencode({k: v for k, v in {**filters, "sort": sort}.items() if v}),
        "states": STATES,
        "urgencies": [u.value for u in Urgency],
    }


@router.get("/queue")
async def queue(
    request: Request,
    user: UserDep,
    sort: Annotated[str, Query(pattern="^(newest|urgent)$")] = "newest",
    mailbox: str = "",
    intent: str = "",
    urgency: str = "",
    state: str = "",
    needs_review: str = "",
    role: str = "",
) -> HTMLResponse:
    """Messages needing attention, with filters and counts; new ones appear by themselves."""
    filters = {
        "mailbox": mailbox,
        "intent": intent,
        "urgency": urgency,
        "state": state,
        "needs_review": needs_review,
        "role": role,
    }
    context = await _queue_context(request, sort, filters)
    template = "queue_rows.html" if request.headers.get("hx-request") else "queue.html"
    return page(request, template, user, **context)


@router.get("/messages/{message_id}")
async def message_page(request: Request, message_id: str, user: UserDep) -> HTMLResponse:
    """One mail: text or sandboxed HTML, entities, signal, links, actions and corrections."""
    context = await run_in_threadpool(_message_context, get_runtime(request), message_id, user)
    return page(request, "message.html", user, **context)


def _message_context(runtime: Runtime, message_id: str, user: User) -> dict[str, Any]:
    """Everything the message page shows (database reads and sanitising: off the loop)."""
    message = runtime.store.get(message_id)
    if message is None:
        raise UiError(404, f"No message {message_id}.")
    raw = runtime.store.raw(message_id)
    html = html_part(raw) if raw and message.html_text else None
    signal = runtime.store.signal(message_id)
    actions = runtime.actions.for_message(message_id)
    links = runtime.links.result(message_id)
    entities = [
        *message.entities,
        *(e for s in (signal.stages if signal else []) for e in s.entities),
    ]
    return {
        "message": message,
        "pipeline": runtime.pipeline.status(message_id),
        "text": highlighted(message.text, entities),
        "subject": highlighted(message.subject, entities, "subject"),
        "frame": sanitised_frame(html) if html else None,
        "signal": signal,
        "links": links,
        "supplier_checks": supplier.check_views(links, signal.intent if signal else None),
        "held_orders": supplier.impacted_views(links),
        "actions": actions,
        "may_decide": {a.id: user.role.may_approve(a.approval) for a in actions},
        "corrections": runtime.review.corrections(message_id),
        "confirmations": confirmations(runtime.audit.for_message(message_id)),
        "autonomy": (
            runtime.autonomy.state(signal.intent, signal.decided_by.value)
            if signal and signal.decided_by.value in DECIDERS
            else None
        ),
        "intents": [i.name for i in runtime.cascade.taxonomy.intents],
        "urgencies": [u.value for u in Urgency],
        "odoo_url": runtime.settings.odoo.url.rstrip("/") if runtime.settings.odoo else "",
        "labels": ODOO_LABELS,
    }


def confirmations(events: list[AuditEvent]) -> list[tuple[AuditEvent, bool]]:
    """Who confirmed the message's intent, and whether the autonomy measurement counted it."""
    counted = {e.actor for e in events if e.event == VERDICT and e.detail.get("correct")}
    return [(e, e.actor in counted) for e in events if e.event == CONFIRMED]


@router.post("/messages/{message_id}/label", dependencies=[Depends(check_csrf)])
async def correct_label(
    request: Request,
    message_id: str,
    user: UserDep,
    intent: Annotated[str, Form(max_length=64)],
    urgency: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    """Record a correction (a training label for `triage train`)."""
    approvals = get_runtime(request).approvals
    await _as_page(approvals.correct, message_id, intent, urgency or None, _decider(user))
    return RedirectResponse(f"/messages/{message_id}#label", status_code=303)


@router.post("/actions/{action_id}/approve", dependencies=[Depends(check_csrf)])
async def approve(
    request: Request,
    action_id: PathId,
    user: UserDep,
    subject: Annotated[str | None, Form(max_length=200)] = None,
    body: Annotated[str | None, Form(max_length=10_000)] = None,
    back: Annotated[str, Form()] = "",
) -> Response:
    """Approve a proposal, with the edits made to a drafted customer update."""
    approvals = get_runtime(request).approvals
    edits = DraftEdits(subject=subject, body=body)
    action = await _as_page(approvals.approve, action_id, _decider(user), edits)
    return RedirectResponse(
        safe_next(back) if back else f"/messages/{action.message_id}", status_code=303
    )


@router.post("/actions/{action_id}/reject", dependencies=[Depends(check_csrf)])
async def reject(
    request: Request,
    action_id: PathId,
    user: UserDep,
    reason: Annotated[str, Form(max_length=2_000)] = "",
    back: Annotated[str, Form()] = "",
) -> Response:
    """Reject a proposal."""
    approvals = get_runtime(request).approvals
    action = await _as_page(approvals.reject, action_id, _decider(user), reason)
    return RedirectResponse(
        safe_next(back) if back else f"/messages/{action.message_id}", status_code=303
    )


def _decider(user: User) -> Decider:
    return Decider(user.name, user.role, "user")


async def _as_page(call: Callable[..., T], *args: Any) -> T:
    """Run a use case in the thread pool; its refusals become error pages with their status."""
    try:
        return await run_in_threadpool(call, *args)
    except TriageRuntimeError as exc:
        raise UiError(exc.status_code, exc.message) from exc


@router.get("/approvals")
async def approvals(request: Request, user: UserDep) -> HTMLResponse:
    """Actions waiting for a decision this user may take, with why each needs one."""
    context = await run_in_threadpool(_approvals_context, get_runtime(request), user)
    return page(request, "approvals.html", user, **context)


def _approvals_context(runtime: Runtime, user: User) -> dict[str, Any]:
    waiting = runtime.actions.in_state(ActionState.PROPOSED)
    mine = [a for a in waiting if user.role.may_approve(a.approval)]
    subjects = {
        a.message_id: (m.subject if (m := runtime.store.get(a.message_id)) else "") for a in mine
    }
    return {"actions": mine, "others": len(waiting) - len(mine), "subjects": subjects}


@router.get("/feedback")
async def feedback(request: Request, user: UserDep) -> HTMLResponse:
    """Corrections people made, newest first."""
    items = await run_in_threadpool(get_runtime(request).review.feedback)
    return page(request, "feedback.html", user, items=items)


@router.get("/dashboard")
async def dashboard(request: Request, user: UserDep) -> HTMLResponse:
    """Mail per day by intent, routing, queue age, the autonomy table, LLM use."""
    runtime = get_runtime(request)
    board = await run_in_threadpool(runtime.review.dashboard)
    autonomy = await run_in_threadpool(autonomy_board, runtime)
    per_day = [(d.strftime("%d.%m"), dict(board.by_day_intent[d])) for d in board.days]
    routing = [(k, float(v)) for k, v in sorted(board.routing.items())]
    ages = [(k, float(board.queue_age.get(k, 0))) for k in ("< 1 h", "1-4 h", "4-24 h", "> 24 h")]
    llm_days = [(d.strftime("%d.%m"), board.llm_by_day.get(d, (0, 0))) for d in board.days]
    return page(
        request,
        "dashboard.html",
        user,
        per_day=charts.stacked_columns(per_day),
        routing=charts.bars(routing),
        routing_total=sum(board.routing.values()),
        ages=charts.bars(ages),
        **autonomy,
        calls=charts.bars([(d, float(c)) for d, (c, _) in llm_days if c]),
        tokens=charts.bars([(d, float(t)) for d, (_, t) in llm_days if t]),
    )


def autonomy_board(runtime: Runtime) -> dict[str, Any]:
    """The dashboard's autonomy table, the policy's bars, and the choices of the pin form."""
    return {
        "standings": runtime.autonomy.standings(),
        "autonomy_policy": runtime.policy.current().autonomy,
        "intents": [i.name for i in runtime.cascade.taxonomy.intents],
        "deciders": DECIDERS,
        "autonomy_states": AUTONOMY_STATES,
        "model_version": runtime.cascade.classical.version if runtime.cascade.classical else "",
        "model_decision": _model_decision(runtime),
    }


def _model_decision(runtime: Runtime) -> str:
    """The last promotion-gate decision, in one line ('' before the first gated training)."""
    found = last_model_decision(runtime.audit)
    return describe_decision(*found) if found else ""
