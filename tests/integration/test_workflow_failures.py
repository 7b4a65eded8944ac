"""The outbox under failure: Odoo down, access refused, a worker killed mid-action, two
workers at once, a webhook receiver that fails, a broken policy file, an overdue approval."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from models import ActionState
from tests.integration.odoo_data import BOT, BOT_API_KEY, DB
from tests.integration.odoo_standin import OdooStandin
from tests.integration.webhook_server import WebhookReceiver
from tests.integration.workflow_support import (
    BANK,
    COMPLAINT,
    ORDER_STATUS,
    SUPPLIER_DELAY,
    UID,
    policy_file,
    running,
    settings_for,
)
from triage.config import WebhookSettings
from triage.errors import ConfigurationError
from triage.policy.loader import PolicyHolder, load_policy, parse_policy
from triage.runtime import Runtime, build_runtime, build_worker

pytestmark = pytest.mark.integration


def ingest(runtime: Runtime, raw: bytes) -> str:
    result = runtime.pipeline.accept(raw, source="test", position="failure")
    assert result.message_id is not None
    return result.message_id


def marked(odoo: OdooStandin, action_id: int) -> list[int]:
    """Activities an action created (its marker is in the note)."""
    return odoo.search("mail.activity", [["note", "ilike", f"[triage action {action_id}]"]])


def until_settled(runtime: Runtime, seconds: float = 15) -> None:
    worker = build_worker(runtime)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        worker.run_due()
        pending = [a for a in runtime.actions.in_state() if a.state in _MOVING]
        if not pending:
            return
        time.sleep(0.1)
    raise AssertionError(f"still moving: {pending}")


_MOVING = {ActionState.APPROVED, ActionState.RUNNING, ActionState.FAILED}


def test_odoo_unreachable_for_a_while_then_each_action_runs_once(
    odoo_server: OdooStandin, tmp_path: Path, trained_model_dir: Path
) -> None:
    with running(settings_for(odoo_server, tmp_path, trained_model_dir)) as runtime:
        message_id = ingest(runtime, ORDER_STATUS)
        odoo_server.inject("disconnect", count=6)
        worker = build_worker(runtime)
        worker.run_due()
        (action,) = runtime.actions.for_message(message_id)
        assert action.state is ActionState.FAILED and action.error_class == "technical"
        assert "OdooUnavailable" in action.last_error
        until_settled(runtime)
        (action,) = runtime.actions.for_message(message_id)
    assert action.state is ActionState.DONE and action.attempts >= 1
    assert len(marked(odoo_server, action.id)) == 1


def test_access_error_fails_with_the_reason_and_is_not_retried(
    odoo_server: OdooStandin, tmp_path: Path, trained_model_dir: Path
) -> None:
    odoo_server.deny(BOT, "create", "mail.activity")
    with running(settings_for(odoo_server, tmp_path, trained_model_dir)) as runtime:
        message_id = ingest(runtime, ORDER_STATUS)
        worker = build_worker(runtime)
        assert worker.run_due() == 1
        time.sleep(0.5)
        assert worker.run_due() == 0  # no retry storm
        (action,) = runtime.actions.for_message(message_id)
        failures = runtime.actions.failures()
    assert action.state is ActionState.FAILED and action.attempts == 1
    assert action.error_class == "technical" and "OdooAccessError" in action.last_error
    assert failures == {"technical": 1}
    assert len(odoo_server.calls_to("mail.activity", "create")) == 1


def test_a_refusal_by_odoo_is_a_business_failure(
    odoo_server: OdooStandin, tmp_path: Path, trained_model_dir: Path
) -> None:
    with running(settings_for(odoo_server, tmp_path, trained_model_dir)) as runtime:
        message_id = ingest(runtime, ORDER_STATUS)
        odoo_server.inject(
            "odoo_error",
            model="mail.activity",
            method="create",
            name="ValidationError",
            message="The due date is in a closed period",
        )
        build_worker(runtime).run_due()
        (action,) = runtime.actions.for_message(message_id)
        assert runtime.actions.failures() == {"business": 1}
    assert action.state is ActionState.FAILED and action.error_class == "business"
    assert "closed period" in action.last_error


def test_worker_killed_mid_action_then_restarted_acts_once(
    odoo_server: OdooStandin, tmp_path: Path, trained_model_dir: Path
) -> None:
    db = f"sqlite:///{tmp_path / 'kill.db'}"
    settings = settings_for(odoo_server, tmp_path, trained_model_dir, db)
    with running(settings) as runtime:
        message_id = ingest(runtime, ORDER_STATUS)
        (action,) = runtime.actions.for_message(message_id)
    # The activity is created in Odoo, then the answer is held back: the worker dies before
    # it can record that the action is done.
    odoo_server.inject("answer_late", model="mail.activity", method="create", seconds=60)
    env = dict(
        os.environ,
        TRIAGE_DATABASE_URL=db,
        TRIAGE_DATA_DIR=str(tmp_path),
        TRIAGE_POLICY=str(settings.policy),
        TRIAGE_ODOO=json.dumps(
            {"url": odoo_server.url, "database": DB, "login": BOT, "api_key": BOT_API_KEY}
        ),
        TRIAGE_WORKER__INTERVAL_SECONDS="0.2",
        TRIAGE_CLASSIFY__MODEL_DIR=str(trained_model_dir),
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "triage", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not marked(odoo_server, action.id) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert marked(odoo_server, action.id), "the worker never reached Odoo"
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    with running(settings) as runtime:
        assert runtime.actions.get(action.id).state is ActionState.RUNNING  # type: ignore[union-attr]
        time.sleep(2.5)  # past stale_after_seconds: the claim of the dead worker lapses
        assert build_worker(runtime).run_due() == 1
        done = runtime.actions.get(action.id)
        events = [e.event for e in runtime.audit.for_message(message_id)]
    assert done is not None and done.state is ActionState.DONE
    assert len(marked(odoo_server, action.id)) == 1
    assert events.count("done") == 1


def test_two_workers_at_once_do_each_action_once(
    odoo_server: OdooStandin, tmp_path: Path, trained_model_dir: Path, database_url: str
) -> None:
    settings = settings_for(odoo_server, tmp_path, trained_model_dir, database_url)
    with running(settings) as runtime:
        for raw in (ORDER_STATUS, SUPPLIER_DELAY, COMPLAINT):
            ingest(runtime, raw)
        approved = runtime.actions.in_state(ActionState.APPROVED)
        odoo_server.inject(
            "slow", count=len(approved), model="mail.activity", method="create", seconds=0.2
        )
        workers = [build_worker(runtime, name=f"w{i}") for i in range(2)]
        ran = [0, 0]

        def work(i: int) -> None:
            ran[i] = workers[i].run_due()

        threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        finished = runtime.actions.in_state(ActionState.DONE)
    assert sum(ran) == len(approved) >= 7 and all(ran), ran
    assert {a.id for a in finished} == {a.id for a in approved}
    for action in approved:
        if action.kind == "activity":
            assert len(marked(odoo_server, action.id)) == 1, action


def test_webhook_failing_twice_is_delivered_once_with_one_key_and_valid_signatures(
    odoo_server: OdooStandin, tmp_path: Path, trained_model_dir: Path
) -> None:
    def notify_n8n(data: dict[str, Any]) -> None:
        rule = next(r for r in data["rules"] if r["id"] == "order-status")
        rule["actions"].append({"kind": "webhook", "webhook": "n8n", "summary": "{summary}"})

    secret = "whsec-test-0123456789"
    with WebhookReceiver() as receiver:
        receiver.fail_next = 2
        settings = settings_for(
            odoo_server,
            tmp_path,
            trained_model_dir,
            policy=policy_file(tmp_path, notify_n8n),
            webhooks={"n8n": WebhookSettings(url=receiver.url, secret=secret)},
        )
        with running(settings) as runtime:
            message_id = ingest(runtime, ORDER_STATUS)
            until_settled(runtime)
            hook = next(a for a in runtime.actions.for_message(message_id) if a.kind == "webhook")
    assert hook.state is ActionState.DONE and hook.attempts == 2
    assert [d.status for d in receiver.deliveries] == [500, 500, 204]
    assert len({d.headers["idempotency-key"] for d in receiver.deliveries}) == 1
    assert all(WebhookReceiver.verify(secret, d) for d in receiver.deliveries)
    assert not WebhookReceiver.verify("another-secret", receiver.deliveries[-1])
    event = json.loads(receiver.deliveries[-1].body)
    assert event["message_id"] == message_id and event["intent"] == "order_status"


def test_unconfigured_webhook_is_a_business_failure(
    odoo_server: OdooStandin, tmp_path: Path, trained_model_dir: Path
) -> None:
    def notify(data: dict[str, Any]) -> None:
        rule = next(r for r in data["rules"] if r["id"] == "order-status")
        rule["actions"] = [{"kind": "webhook", "webhook": "nowhere"}]

    settings = settings_for(
        odoo_server, tmp_path, trained_model_dir, policy=policy_file(tmp_path, notify)
    )
    with running(settings) as runtime:
        message_id = ingest(runtime, ORDER_STATUS)
        build_worker(runtime).run_due()
        (hook,) = runtime.actions.for_message(message_id)
    assert hook.state is ActionState.FAILED and "'nowhere' is not configured" in hook.last_error


BAD_SYNTAX = "version: '1'\nroles: {supervisor: boss}\nrules:\n  - id: x\n    actions: [\n"
UNKNOWN_KIND = """\
version: "1"
roles: {supervisor: boss}
rules:
  - id: refunds
    when: {intent: [return_request]}
    actions:
      - kind: refund_money
        target: order
"""


def test_a_policy_with_a_syntax_error_or_an_unknown_kind_is_refused_with_the_line(
    tmp_path: Path,
) -> None:
    with pytest.raises(ConfigurationError, match=r"policy\.yaml:6: YAML syntax error"):
        parse_policy(BAD_SYNTAX, "policy.yaml")
    with pytest.raises(ConfigurationError, match=r"policy\.yaml:7: rules\.0\.actions\.0\.kind"):
        parse_policy(UNKNOWN_KIND, "policy.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text(UNKNOWN_KIND)
    with pytest.raises(ConfigurationError, match="refund_money"):
        build_runtime(settings_for_policy(tmp_path, bad))


def settings_for_policy(folder: Path, policy: Path) -> Any:
    from triage.config import Settings

    return Settings(data_dir=folder, policy=policy)


def test_the_running_service_keeps_the_last_good_policy(tmp_path: Path) -> None:
    path = policy_file(tmp_path)
    holder = PolicyHolder(path)
    good = holder.current().full_version
    path.write_text(UNKNOWN_KIND)
    os.utime(path, (time.time() + 5, time.time() + 5))
    assert holder.current().full_version == good
    assert "refund_money" in holder.last_error and ":7:" in holder.last_error
    fixed = path.read_text().replace("refund_money", "activity")
    path.write_text(fixed)
    os.utime(path, (time.time() + 10, time.time() + 10))
    assert holder.current().version == "1" and holder.last_error == ""
    assert load_policy(path).full_version == holder.current().full_version


def test_an_approval_left_past_its_sla_is_escalated_once(
    odoo_server: OdooStandin, tmp_path: Path, trained_model_dir: Path
) -> None:
    with running(settings_for(odoo_server, tmp_path, trained_model_dir)) as runtime:
        message_id = ingest(runtime, BANK)
        (proposal,) = runtime.actions.for_message(message_id)
        worker = build_worker(runtime)
        assert worker.escalator is not None
        assert worker.escalator.run(datetime.now(UTC) + timedelta(minutes=30)) == 0  # in time
        later = datetime.now(UTC) + timedelta(days=1)
        assert worker.escalator.run(later) == 2  # the waiting approval, and the waiting review
        assert worker.escalator.run(later + timedelta(days=1)) == 0
        assert worker.run_due() == 2  # two escalation activities; the proposal still waits
        actions = runtime.actions.for_message(message_id)
        assert runtime.actions.escalated() == 1
        events = [e.event for e in runtime.audit.for_message(message_id)]
    flagged = next(a for a in actions if a.id == proposal.id)
    assert flagged.state is ActionState.PROPOSED and flagged.escalated_at is not None
    assert events.count("escalated") == 1 and events.count("review_escalated") == 1
    escalations = [a for a in actions if a.rule_id == "escalation"]
    summaries = []
    for escalation in escalations:
        assert escalation.state is ActionState.DONE
        (created,) = marked(odoo_server, escalation.id)
        row = odoo_server.record("mail.activity", created)
        assert row is not None and row["user_id"] == UID["admin"]
        summaries.append(row["summary"])
    assert sorted(s.split(" waiting")[0] for s in summaries) == [
        "Escalated: approval of activity on Jordi Puig",
        "Escalated: review",
    ]


def test_repeated_technical_failures_end_dead_and_visible(
    odoo_server: OdooStandin, tmp_path: Path, trained_model_dir: Path
) -> None:
    from triage.store.actions import MAX_ATTEMPTS

    with running(settings_for(odoo_server, tmp_path, trained_model_dir)) as runtime:
        message_id = ingest(runtime, ORDER_STATUS)
        odoo_server.inject("disconnect", count=1_000)
        until_settled(runtime, seconds=30)
        (action,) = runtime.actions.for_message(message_id)
        failures, counts = runtime.actions.failures(), runtime.actions.counts()
    assert action.state is ActionState.DEAD and action.attempts == MAX_ATTEMPTS
    assert failures == {"technical": 1} and counts == {"dead": 1}
