"""The distributor's scenarios end to end against the Odoo stand-in over real HTTP:
mail in, signal, links, decision under the default policy, actions, records changed."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from models import ActionState, UserRole
from tests.integration.odoo_profiles import VERSIONS
from tests.integration.odoo_standin import OdooStandin
from tests.integration.workflow_support import (
    BANK,
    COMPLAINT,
    DISPUTE,
    ORDER_STATUS,
    SUPPLIER_DELAY,
    UID,
    policy_file,
    running,
    settings_for,
)
from triage.runtime import Runtime, build_worker

pytestmark = pytest.mark.integration
ODOO_VERSIONS = VERSIONS  # each stand-in test runs on Odoo 17.0 and 18.0
FIXTURES = Path(__file__).parents[1] / "fixtures" / "emails"


def ingest(runtime: Runtime, raw: bytes) -> str:
    result = runtime.pipeline.accept(raw, source="test", position="scenario")
    assert result.message_id is not None, result.reason
    return result.message_id


def activities(odoo: OdooStandin, model: str, rid: int) -> list[dict[str, Any]]:
    ids = odoo.search("mail.activity", [["res_model", "=", model], ["res_id", "=", rid]])
    return [row for i in ids if (row := odoo.record("mail.activity", i)) is not None]


def messages(odoo: OdooStandin, model: str, rid: int) -> list[dict[str, Any]]:
    ids = odoo.search("mail.message", [["model", "=", model], ["res_id", "=", rid]])
    return [row for i in ids if (row := odoo.record("mail.message", i)) is not None]


def states(runtime: Runtime, message_id: str) -> list[tuple[str, str, str]]:
    return [(a.kind, a.target.name, a.state.value) for a in runtime.actions.for_message(message_id)]


def test_order_status_becomes_an_activity_for_the_salesperson(
    odoo_server: OdooStandin, tmp_path: Path, trained_model_dir: Path, database_url: str
) -> None:
    before = len(activities(odoo_server, "sale.order", 7))
    with running(settings_for(odoo_server, tmp_path, trained_model_dir, database_url)) as runtime:
        message_id = ingest(runtime, ORDER_STATUS)
        assert runtime.store.signal(message_id).intent == "order_status"  # type: ignore[union-attr]
        assert build_worker(runtime).run_due() == 1
        assert states(runtime, message_id) == [("activity", "S00042", "done")]
        audit = [(e.event, e.actor.split(":")[0]) for e in runtime.audit.for_message(message_id)]
    new = activities(odoo_server, "sale.order", 7)[before:]
    assert len(new) == 1
    activity = new[0]
    assert activity["user_id"] == UID["sales"] and "S00042" in activity["summary"]
    assert "https://triage.example/messages/" in activity["note"]
    assert "References: S00042" in activity["note"]
    assert activity["date_deadline"] >= date.today().isoformat()
    assert audit == [("decided", "policy"), ("approved", "policy"), ("done", "worker")]


def test_supplier_delay_fans_out_with_drafts_awaiting_approval(
    odoo_server: OdooStandin, tmp_path: Path, trained_model_dir: Path
) -> None:
    settings = settings_for(odoo_server, tmp_path, trained_model_dir)
    app = create_app(settings)
    runtime: Runtime = app.state.runtime
    approver = runtime.keys.create("paula", UserRole.APPROVER)
    with TestClient(app) as client:
        message_id = ingest(runtime, SUPPLIER_DELAY)
        assert build_worker(runtime).run_due() == 5  # the note, 3 activities, the buyer's
        actions = runtime.actions.for_message(message_id)
        drafts = [a for a in actions if a.kind == "customer_update"]
        # S00042 and S00045 are at risk for the new date; S00048 (due 2025-03-25) is not.
        assert sorted(a.target.name for a in drafts) == ["S00042", "S00045"]
        assert all(a.state is ActionState.PROPOSED and a.approval == "approver" for a in drafts)
        languages = {a.target.name: a.payload["draft"]["language"] for a in drafts}
        assert languages == {"S00042": "es", "S00045": "nl"}  # the customers' languages
        assert all(a.payload["draft"]["source"] == "template" for a in drafts)

        s00042 = next(a for a in drafts if a.target.name == "S00042")
        edited = "Estimado cliente: su pedido S00042 llegará el 20 de marzo. Disculpe."
        answer = client.post(
            f"/v1/actions/{s00042.id}/approve",
            json={"body": edited},
            headers={"Authorization": f"Bearer {approver}"},
        )
        assert answer.status_code == 200 and answer.json()["state"] == "approved"
        assert build_worker(runtime).run_due() == 1
        as_approver = {"Authorization": f"Bearer {approver}"}
        view = client.get(f"/v1/messages/{message_id}", headers=as_approver)
        trail = client.get(
            "/v1/audit", params={"model": "sale.order", "record_id": 7}, headers=as_approver
        ).json()["events"]
    assert {e["event"] for e in trail} >= {"approved", "proposed", "done"}
    po_notes = [m for m in messages(odoo_server, "purchase.order", 3) if "delay" in m["body"]]
    assert len(po_notes) == 1 and "S00042, S00045, S00048" in po_notes[0]["body"]
    for order in (7, 10, 13):
        late = [
            a
            for a in activities(odoo_server, "sale.order", order)
            if "is late" in (a["summary"] or "")
        ]
        assert len(late) == 1 and late[0]["user_id"] == UID["sales"]
    sent = [
        m
        for m in messages(odoo_server, "sale.order", 7)
        if m["message_type"] == "comment" and edited in m["body"]
    ]
    assert len(sent) == 1 and sent[0]["partner_ids"] == [10]
    unapproved = next(a for a in drafts if a.target.name == "S00045").payload["draft"]
    s00045 = messages(odoo_server, "sale.order", 10)
    assert not any(m["subject"] == unapproved["subject"] for m in s00045)
    body = view.json()
    assert {a["kind"] for a in body["actions"]} == {"note", "activity", "customer_update"}
    assert any(e["event"] == "approved" and e["actor"] == "key:paula" for e in body["audit"])


def test_invoice_dispute_holds_the_invoice_only_after_approval(
    odoo_server: OdooStandin, odoo_version: str, tmp_path: Path, trained_model_dir: Path
) -> None:
    settings = settings_for(odoo_server, tmp_path, trained_model_dir)
    app = create_app(settings)
    runtime: Runtime = app.state.runtime
    agent = runtime.keys.create("alex", UserRole.AGENT)
    approver = runtime.keys.create("paula", UserRole.APPROVER)
    with TestClient(app) as client:
        message_id = ingest(runtime, DISPUTE)
        actions = {a.kind: a for a in runtime.actions.for_message(message_id)}
        hold, activity = actions["hold_invoice"], actions["activity"]
        assert hold.state is ActionState.PROPOSED and hold.approval == "approver"
        ran = build_worker(runtime).run_due()  # the activity if it needed no review, not the hold
        assert ran == (activity.state is ActionState.APPROVED)
        assert odoo_server.record("account.move", 24)["payment_state"] == "not_paid"  # type: ignore[index]

        as_agent = {"Authorization": f"Bearer {agent}"}
        refused = client.post(f"/v1/actions/{hold.id}/approve", headers=as_agent)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
        if activity.state is ActionState.PROPOSED:  # the signal needed review: an agent confirms
            assert activity.approval == "agent"
            assert (
                client.post(f"/v1/actions/{activity.id}/approve", headers=as_agent).status_code
                == 200
            )
        queue = client.get("/v1/actions", params={"state": "proposed"}, headers=as_agent).json()
        assert [a["id"] for a in queue["actions"]] == [hold.id]
        as_approver = {"Authorization": f"Bearer {approver}"}
        assert client.post(f"/v1/actions/{hold.id}/approve", headers=as_approver).status_code == 200
        again = client.post(f"/v1/actions/{hold.id}/approve", headers=as_approver)
        assert again.status_code == 409
        assert build_worker(runtime).run_due() == 2 - ran
        (done,) = [
            e
            for e in runtime.audit.for_message(message_id)
            if e.action_id == hold.id and e.event == "done"
        ]
    invoice = odoo_server.record("account.move", 24)
    held = [a for a in activities(odoo_server, "account.move", 24) if "Hold" in a["summary"]]
    assert invoice is not None and done.detail["odoo_version"] == odoo_version
    if odoo_version == "18.0":  # Odoo 18 blocks the payment
        assert invoice["payment_state"] == "blocked" and not held
        assert done.detail["hold"] == "payment_blocked"
    else:  # Odoo 17 cannot: a person holds it, and the result says so
        assert invoice["payment_state"] == "not_paid" and len(held) == 1
        assert done.detail["hold"] == "activity" and done.detail["payment_blocked"] is False
        assert held[0]["user_id"] == UID["finance"]  # the policy's finance role holds it
    finance = [a for a in activities(odoo_server, "account.move", 24) if "disputes" in a["summary"]]
    assert len(finance) == 1 and finance[0]["user_id"] == UID["finance"]
    assert any("On hold" in m["body"] for m in messages(odoo_server, "account.move", 24))


def test_bank_detail_change_is_blocked_until_an_approver_signs_off(
    odoo_server: OdooStandin, tmp_path: Path, trained_model_dir: Path
) -> None:
    settings = settings_for(odoo_server, tmp_path, trained_model_dir)
    app = create_app(settings)
    runtime: Runtime = app.state.runtime
    agent = runtime.keys.create("alex", UserRole.AGENT)
    admin = runtime.keys.create("root", UserRole.ADMIN)
    with TestClient(app) as client:
        message_id = ingest(runtime, BANK)
        signal = runtime.store.signal(message_id)
        assert signal is not None and signal.intent == "account_update" and signal.needs_review
        (action,) = runtime.actions.for_message(message_id)
        assert action.state is ActionState.PROPOSED and action.approval == "approver"
        assert build_worker(runtime).run_due() == 0
        before = len(odoo_server.search("mail.activity", []))
        refused = client.post(
            f"/v1/actions/{action.id}/approve", headers={"Authorization": f"Bearer {agent}"}
        )
        assert refused.status_code == 403
        assert build_worker(runtime).run_due() == 0
        assert len(odoo_server.search("mail.activity", [])) == before
        approved = client.post(
            f"/v1/actions/{action.id}/approve", headers={"Authorization": f"Bearer {admin}"}
        )
        assert approved.status_code == 200
        assert build_worker(runtime).run_due() == 1
    created = odoo_server.search(
        "mail.activity", [["summary", "ilike", "Verify the account change"]]
    )
    assert len(created) == 1
    assert odoo_server.record("mail.activity", created[0])["user_id"] == UID["finance"]  # type: ignore[index]


def test_a_complaint_gets_high_priority_activities_and_is_escalated_when_left(
    odoo_server: OdooStandin, tmp_path: Path, trained_model_dir: Path
) -> None:
    def review_everything(data: dict[str, Any]) -> None:
        rule = next(r for r in data["rules"] if r["id"] == "delivery-problem")
        for action in rule["actions"]:
            action["approval"] = "agent"  # a team that wants every complaint looked at

    policy = policy_file(tmp_path, review_everything)
    settings = settings_for(odoo_server, tmp_path, trained_model_dir, policy=policy)
    with running(settings) as runtime:
        message_id = ingest(runtime, COMPLAINT)
        proposed = runtime.actions.for_message(message_id)
        assert {a.state for a in proposed} == {ActionState.PROPOSED}
        worker = build_worker(runtime)
        assert worker.escalator is not None
        from datetime import UTC, datetime, timedelta

        later = datetime.now(UTC) + timedelta(days=4)
        assert worker.escalator.run(later) == len(proposed)
        assert worker.escalator.run(later) == 0  # once
        worker.run_due()
        escalated = runtime.actions.for_message(message_id)
    flagged = [a for a in escalated if a.escalated_at is not None]
    assert len(flagged) == len(proposed)
    supervisor = [
        a for a in activities(odoo_server, "sale.order", 7) if a["user_id"] == UID["admin"]
    ]
    assert supervisor and all(a["summary"].startswith("Escalated: approval of") for a in supervisor)
    high = [a for a in proposed if a.kind == "activity"]
    assert all(a.payload["summary"].startswith("[High]") for a in high)
    assert all(a.payload["deadline"] == date.today().isoformat() for a in high)


def test_an_auto_reply_is_filed_with_no_action(
    odoo_server: OdooStandin, tmp_path: Path, trained_model_dir: Path
) -> None:
    with running(settings_for(odoo_server, tmp_path, trained_model_dir)) as runtime:
        message_id = ingest(runtime, (FIXTURES / "out_of_office.eml").read_bytes())
        assert runtime.store.signal(message_id).intent == "auto_reply"  # type: ignore[union-attr]
        assert runtime.actions.for_message(message_id) == []
        decided = [e for e in runtime.audit.for_message(message_id) if e.event == "decided"]
    assert decided and decided[0].detail["rules"] == []


def test_a_shadow_rule_records_without_acting(
    odoo_server: OdooStandin, tmp_path: Path, trained_model_dir: Path
) -> None:
    def shadow(data: dict[str, Any]) -> None:
        next(r for r in data["rules"] if r["id"] == "order-status")["shadow"] = True

    policy = policy_file(tmp_path, shadow)
    before = len(odoo_server.search("mail.activity", []))
    settings = settings_for(odoo_server, tmp_path, trained_model_dir, policy=policy)
    with running(settings) as runtime:
        message_id = ingest(runtime, ORDER_STATUS)
        assert states(runtime, message_id) == [("activity", "S00042", "shadowed")]
        assert build_worker(runtime).run_due() == 0
        events = [e.event for e in runtime.audit.for_message(message_id)]
    assert events == ["decided", "shadowed"]
    assert len(odoo_server.search("mail.activity", [])) == before
