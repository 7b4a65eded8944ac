"""People deciding proposed actions, on SQLite and PostgreSQL, through real servers: one
winner among concurrent deciders, the executor run at most once, the JSON API and the UI
holding the same rules, corrections written with their audit event, ids bounded."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from models import ActionRecord, ActionState, AuditEvent, UserRole
from tests.integration.approval_support import (
    ApiDoor,
    Live,
    UiDoor,
    action_of,
    csrf_of,
    decisions,
    dispute_mail,
    ingest,
    live_triage,
    order_status_mail,
)
from tests.integration.odoo_standin import OdooStandin
from tests.integration.workflow_support import (
    DISPUTE,
    ORDER_STATUS,
    SUPPLIER_DELAY,
    running,
    settings_for,
)
from triage.approvals import Decider
from triage.runtime import Runtime, build_worker
from triage.store.actions import StateConflict

pytestmark = pytest.mark.integration
DECIDERS = 32
ROUNDS = 4
PAULA = Decider("paula", UserRole.APPROVER, "user")
ALEX = Decider("alex", UserRole.AGENT, "user")


def _race(decide: Callable[[int], int]) -> list[int]:
    """Run `decide(i)` for every decider at once (released together by a barrier)."""
    start = threading.Barrier(DECIDERS)

    def released(i: int) -> int:
        start.wait(timeout=30)
        return decide(i)

    with ThreadPoolExecutor(DECIDERS) as pool:
        return list(pool.map(released, range(DECIDERS)))


def _over_http(live: Live, action_id: int) -> Callable[[int], int]:
    """Decider `i` approves (odd) or rejects (even) through the JSON API, on its own connection."""
    headers = {"Authorization": f"Bearer {live.keys['paula']}"}

    def decide(i: int) -> int:
        verb = "approve" if i % 2 else "reject"
        with httpx.Client(base_url=live.url, timeout=60) as http:
            return http.post(f"/v1/actions/{action_id}/{verb}", headers=headers).status_code

    return decide


def _settled(runtime: Runtime, action_id: int) -> ActionRecord:
    """The action once the embedded worker has nothing left to do with it."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        action = runtime.actions.get(action_id)
        assert action is not None
        if action.state in (ActionState.DONE, ActionState.REJECTED):
            time.sleep(0.3)  # give a second, wrong run the chance to show
            return action
        time.sleep(0.05)
    raise AssertionError(f"action {action_id} did not settle: {runtime.actions.get(action_id)}")


def test_concurrent_approve_and_reject_over_http_have_one_winner(
    odoo_server: OdooStandin, tmp_path: Path, trained_model_dir: Path, database_url: str
) -> None:
    with live_triage(odoo_server, tmp_path, trained_model_dir, database_url, worker=True) as live:
        runtime = live.runtime
        for n in range(ROUNDS):
            message_id = ingest(runtime, order_status_mail(n))
            hook = action_of(runtime, message_id, "webhook")
            assert hook.state is ActionState.PROPOSED and hook.approval == "approver"
            codes = _race(_over_http(live, hook.id))
            assert sorted(codes) == [200] + [409] * (DECIDERS - 1), codes
            (decision,) = decisions(runtime, message_id, hook.id)
            final = _settled(runtime, hook.id)
            key = f"triage-action-{hook.id}"
            sent = [d for d in live.receiver.deliveries if d.headers.get("idempotency-key") == key]
            trail = runtime.audit.for_message(message_id)
            ran = [e.event for e in trail if e.action_id == hook.id].count("done")
            if decision == "approved":
                assert final.state is ActionState.DONE and len(sent) == 1 and ran == 1
            else:
                assert final.state is ActionState.REJECTED and sent == [] and ran == 0


def test_concurrent_decisions_in_the_service_have_one_winner(
    odoo_server: OdooStandin, tmp_path: Path, trained_model_dir: Path, database_url: str
) -> None:
    settings = settings_for(odoo_server, tmp_path, trained_model_dir, database_url)
    with running(settings) as runtime:
        worker = build_worker(runtime)
        for n in range(ROUNDS):
            message_id = ingest(runtime, dispute_mail(n))
            hold = action_of(runtime, message_id, "hold_invoice")
            assert hold.state is ActionState.PROPOSED
            assert sorted(_race(_in_service(runtime, hold.id))) == [200] + [409] * (DECIDERS - 1)
            (decision,) = decisions(runtime, message_id, hold.id)
            worker.run_due()
            worker.run_due()
            trail = runtime.audit.for_message(message_id)
            ran = [e.event for e in trail if e.action_id == hold.id].count("done")
            final = runtime.actions.get(hold.id)
            assert final is not None
            if decision == "approved":
                assert final.state is ActionState.DONE and ran == 1
            else:
                assert final.state is ActionState.REJECTED and ran == 0


def _in_service(runtime: Runtime, action_id: int) -> Callable[[int], int]:
    """Decider `i` approves (odd) or rejects (even) by calling Approvals in its own thread."""

    def decide(i: int) -> int:
        try:
            if i % 2:
                runtime.approvals.approve(action_id, PAULA)
            else:
                runtime.approvals.reject(action_id, PAULA, f"no ({i})")
        except StateConflict:
            return 409
        return 200

    return decide


@pytest.mark.parametrize("door", ["api", "ui"])
def test_the_api_and_the_ui_accept_and_refuse_the_same_decisions(
    door: str,
    odoo_server: OdooStandin,
    tmp_path: Path,
    trained_model_dir: Path,
    database_url: str,
) -> None:
    with live_triage(odoo_server, tmp_path, trained_model_dir, database_url) as live:
        runtime = live.runtime
        delay = ingest(runtime, SUPPLIER_DELAY)
        drafts = [a for a in runtime.actions.for_message(delay) if a.kind == "customer_update"]
        first, second = sorted(drafts, key=lambda a: a.id)
        hold = action_of(runtime, ingest(runtime, DISPUTE), "hold_invoice")
        own_text = {k: second.payload["draft"][k] for k in ("subject", "body")}
        client = ApiDoor(live) if door == "api" else UiDoor(live)
        try:
            outcomes = {
                "an agent decides an approver's draft": client.decide(
                    "alex", "approve", first.id, {"body": "Edited."}
                ),
                "an edit of an action without a draft": client.decide(
                    "paula", "approve", hold.id, {"body": "Pay it anyway."}
                ),
                "an edit of a draft": client.decide(
                    "paula", "approve", first.id, {"subject": "Update", "body": "Edited."}
                ),
                "a decision on a decided action": client.decide("paula", "reject", first.id, {}),
                "a draft sent back unchanged": client.decide(
                    "paula", "approve", second.id, own_text
                ),
                "a decision on no action": client.decide("paula", "approve", 987_654, {}),
            }
        finally:
            client.close()
        edited, unchanged = runtime.actions.get(first.id), runtime.actions.get(second.id)
        still = runtime.actions.get(hold.id)
    assert outcomes == {
        "an agent decides an approver's draft": 403,
        "an edit of an action without a draft": 422,
        "an edit of a draft": 200,
        "a decision on a decided action": 409,
        "a draft sent back unchanged": 200,
        "a decision on no action": 404,
    }
    assert edited is not None and edited.state is ActionState.APPROVED
    assert edited.payload["draft"]["body"] == "Edited."
    assert edited.payload["draft"]["subject"] == "Update"
    assert edited.payload["draft"]["edited_by"] == "paula"
    assert unchanged is not None and unchanged.state is ActionState.APPROVED
    assert unchanged.payload == second.payload  # the draft's own text is not an edit
    assert (
        still is not None and still.state is ActionState.PROPOSED and still.payload == hold.payload
    )


def test_a_correction_writes_feedback_and_audit_together(
    odoo_server: OdooStandin, tmp_path: Path, trained_model_dir: Path, database_url: str
) -> None:
    with live_triage(odoo_server, tmp_path, trained_model_dir, database_url) as live:
        runtime = live.runtime
        message_id = ingest(runtime, ORDER_STATUS)
        ui = UiDoor(live)
        browser = ui.browsers["alex"]

        def label(target: str, intent: str, urgency: str) -> int:
            form = {"intent": intent, "urgency": urgency, "csrf": csrf_of(browser, "/feedback")}
            return browser.post(f"/messages/{target}/label", data=form).status_code

        refused = [
            label(message_id, "not_an_intent", "high"),
            label(message_id, "complaint", "whenever"),
            label("no-such-message", "complaint", "high"),
        ]
        nothing = (runtime.review.corrections(message_id), _corrected(runtime, message_id))
        assert label(message_id, "delivery_problem", "high") == 303
        ui.close()
        (correction,) = runtime.review.corrections(message_id)
        (event,) = _corrected(runtime, message_id)
    assert refused == [422, 422, 404]
    assert nothing == ([], [])
    assert (correction.intent, correction.urgency, correction.user) == (
        "delivery_problem",
        "high",
        "alex",
    )
    assert event.actor == "user:alex"
    assert event.detail == {"intent": "delivery_problem", "urgency": "high"}


def _corrected(runtime: Runtime, message_id: str) -> list[AuditEvent]:
    return [e for e in runtime.audit.for_message(message_id) if e.event == "corrected"]


def _refuse_audit(engine: Engine, event: str) -> None:
    """Make the database itself refuse audit events of one kind."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(
                text(
                    f"CREATE TRIGGER refuse_{event} BEFORE INSERT ON audit_events "
                    f"WHEN NEW.event = '{event}' BEGIN SELECT RAISE(ABORT, 'refused'); END"
                )
            )
        else:
            conn.execute(
                text(
                    f"ALTER TABLE audit_events ADD CONSTRAINT refuse_{event} "
                    f"CHECK (event <> '{event}') NOT VALID"  # new rows only
                )
            )


def test_a_change_whose_audit_is_refused_is_not_made_either(
    odoo_server: OdooStandin, tmp_path: Path, trained_model_dir: Path, database_url: str
) -> None:
    settings = settings_for(odoo_server, tmp_path, trained_model_dir, database_url)
    with running(settings) as runtime:
        message_id = ingest(runtime, DISPUTE)
        hold = action_of(runtime, message_id, "hold_invoice")
        _refuse_audit(runtime.engine, "corrected")
        _refuse_audit(runtime.engine, "approved")
        with pytest.raises(IntegrityError):
            runtime.approvals.correct(message_id, "complaint", "high", ALEX)
        with pytest.raises(IntegrityError):
            runtime.approvals.approve(hold.id, PAULA)
        corrections = runtime.review.corrections(message_id)
        after = runtime.actions.get(hold.id)
    assert corrections == []
    assert after is not None and after.state is ActionState.PROPOSED


# The id columns are INTEGER (32 bits on PostgreSQL): beyond that the client is wrong.
IDS = {2**63: 422, 2**64: 422, 2**63 - 1: 422, 2**31: 422, 0: 422, -1: 422, 2**31 - 1: 404}


def test_ids_beyond_a_bigint_are_refused_not_crashed_on(
    odoo_server: OdooStandin, tmp_path: Path, trained_model_dir: Path, database_url: str
) -> None:
    with live_triage(odoo_server, tmp_path, trained_model_dir, database_url) as live:
        api, ui = ApiDoor(live), UiDoor(live)
        headers = {"Authorization": f"Bearer {live.keys['paula']}"}
        answers = {}
        for value in IDS:
            query = {"model": "sale.order", "record_id": str(value)}
            audit = api.http.get("/v1/audit", params=query, headers=headers).status_code
            answers[value] = (
                api.decide("paula", "approve", value, {}),
                ui.decide("paula", "reject", value, {}),
                audit,
            )
        api.close()
        ui.close()
    # An id a row may have but none has: not found (the audit of such a record: empty).
    assert answers == {v: (s, s, 200 if s == 404 else 422) for v, s in IDS.items()}
