"""Security of the whole pipeline: hostile mail read by a compromised model, then the policy,
the outbox and the worker against the Odoo stand-in; and roles on the approval API.

What the compromised model decided only ever waits for a person, and no summary (the
model's words or the mail's) reaches Odoo's chatter except as a quoted, labelled field."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from models import ActionRecord, ActionState, Signal, Stage, UserRole
from tests.integration.llm_server import LlmServer, Reply
from tests.integration.odoo_standin import OdooStandin
from tests.integration.workflow_support import running, settings_for
from triage.approvals import Decider
from triage.config import LlmSettings, LlmTriggers
from triage.policy.autonomy import LLM_DECIDED
from triage.policy.decide import SUMMARY_LABEL
from triage.policy.loader import load_policy
from triage.runtime import build_worker

pytestmark = pytest.mark.integration
CORPUS: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parents[1] / "fixtures" / "injection" / "corpus.yaml").read_text("utf-8")
)


def _raw(case: dict[str, Any]) -> bytes:
    """The hostile mail as if a known customer's account sent it (it links to S00042)."""
    body = case["body"].replace("\n", "\r\n")
    return (
        "From: Maria Lopez <buyer@lopez-catering.example>\r\nTo: orders@northwind.example\r\n"
        f"Subject: {case['subject']}\r\n"
        f"Message-ID: <{case['id']}@injection.example>\r\n"
        "Date: Wed, 05 Mar 2025 10:00:00 +0100\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}"
    ).encode()


def _compromised(body: dict[str, Any]) -> Reply:
    system = body["messages"][0]["content"]
    user = body["messages"][-1]["content"]
    entry = next((c for c in CORPUS if c["subject"] in user), None)
    if entry is None:  # the extract prompt of a mail steered to a supplier intent
        return Reply({"entities": [{"kind": "customer_po", "text": "ATTACKER-1"}]})
    text = json.dumps(entry["answer"]).replace("{system_prompt}", json.dumps(system)[1:-1])
    return Reply(json.loads(text))


def test_hostile_mail_through_the_whole_pipeline_stays_inside_the_policy(
    llm: LlmServer, odoo_server: OdooStandin, tmp_path: Path, trained_model_dir: Path
) -> None:
    llm.respond_with(_compromised)
    settings = settings_for(
        odoo_server,
        tmp_path,
        trained_model_dir,
        llm_base_url=llm.url,
        llm_model="test-model",
        llm=LlmSettings(
            run_when=LlmTriggers(long_chars=1), breaker_failures=10_000, cache=False, max_retries=0
        ),
    )
    policy = load_policy(settings.policy)
    allowed: dict[tuple[str, str], set[str | None]] = {}
    for rule in policy.rules:  # one rule may propose a kind twice (e.g. two activities)
        for spec in rule.actions:
            allowed.setdefault((rule.id, spec.kind.value), set()).add(spec.approval)
    with running(settings) as runtime:
        for case in CORPUS:
            ingest = runtime.pipeline.accept(_raw(case), source="test", position=case["id"])
            assert ingest.message_id is not None
        assert llm.calls >= len(CORPUS)
        build_worker(runtime).run_due()
        actions = runtime.actions.in_state()
        signals = [runtime.store.signal(a.message_id) for a in actions]
        agent = Decider("agent-1", UserRole.AGENT, "user")
        for action, signal in zip(actions, signals, strict=True):
            # A person lets what the model (not the LLM) held for review run: its text
            # reaches Odoo, where only the labelled quotation may carry the mail's words.
            waits = action.state is ActionState.PROPOSED and action.approval == "agent"
            if waits and signal is not None and signal.decided_by is not Stage.LLM:
                runtime.approvals.approve(action.id, agent)
        build_worker(runtime).run_due()
    assert len({a.message_id for a in actions}) >= len(CORPUS) // 4, "too few mails acted on"
    assert any(a.state is ActionState.PROPOSED for a in actions)
    taxonomy = {i.name for i in runtime.cascade.taxonomy.intents}
    for action, signal in zip(actions, signals, strict=True):
        assert signal is not None and signal.intent in taxonomy
        assert (action.rule_id, action.kind) in allowed, action  # only what the policy says
        required = None not in allowed[(action.rule_id, action.kind)]
        if required or signal.high_risk:
            assert action.approval in ("approver", "admin"), action
        if action.approval in ("approver", "admin"):
            assert action.state is ActionState.PROPOSED, action  # never run unapproved
        if signal.needs_review and action.approval:
            assert action.state is ActionState.PROPOSED
        assert "attacker" not in json.dumps(action.payload).lower()
    executed = [a for a in actions if a.state is ActionState.DONE]
    assert all(a.approval is None for a in executed)
    assert not any(a.kind in ("cancel_order", "hold_invoice", "customer_update") for a in executed)
    _only_waiting_when_the_llm_decided(actions, signals)
    _no_unlabelled_summary_in_the_chatter(odoo_server, signals)


def _only_waiting_when_the_llm_decided(
    actions: list[ActionRecord], signals: list[Signal | None]
) -> None:
    """The compromised model decided some signals: none of their actions ran or may run."""
    by_llm = [
        (a, s) for a, s in zip(actions, signals, strict=True) if s and s.decided_by is Stage.LLM
    ]
    assert any(a.reason.startswith(LLM_DECIDED) for a, _ in by_llm), (
        "nothing held for the LLM alone"
    )
    for action, signal in by_llm:
        assert action.state is ActionState.PROPOSED and action.approval, action
        assert (
            action.reason.startswith(LLM_DECIDED)
            or signal.high_risk
            or action.reason.endswith("approval")
        ), action


def _no_unlabelled_summary_in_the_chatter(odoo: OdooStandin, signals: list[Signal | None]) -> None:
    """What reached Odoo quotes a summary only inside its label; the LLM's never arrived."""
    written = [
        html.unescape(str(row.get(field) or ""))
        for model, fields in (("mail.message", ("body",)), ("mail.activity", ("summary", "note")))
        for rid in odoo.search(model, [])
        if (row := odoo.record(model, rid)) is not None
        for field in fields
    ]
    assert any(SUMMARY_LABEL in text for text in written), "no note quoted a summary"
    outside = [re.sub(rf"{re.escape(SUMMARY_LABEL)}: «[^«»]*»", "", text) for text in written]
    for signal in signals:
        assert signal is not None
        if signal.decided_by is Stage.LLM:
            assert not any(signal.summary in text for text in written), signal.summary
        elif len(signal.summary) > 12:
            assert not any(signal.summary in text for text in outside), signal.summary
