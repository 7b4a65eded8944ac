"""A mail with two requests through the real pipeline, the Odoo stand-in and the shipped policy:
both intents end on the stored signal, and each intent's own actions end in the outbox."""

from __future__ import annotations

from pathlib import Path

import pytest

from models import ActionState
from tests.integration.odoo_standin import OdooStandin
from tests.integration.workflow_support import mail, running, settings_for
from triage.runtime import Runtime, build_worker

pytestmark = pytest.mark.integration

TWO_REQUESTS = mail(
    "two-requests",
    "accounts@lopez-catering.example",
    "Invoice and order",
    "Hello,\n\nWe were charged twice on INV/2025/00012, please correct it. "
    "Also, when will order S00042 ship?\n\nRegards, Jordi",
)


def ingest(runtime: Runtime, raw: bytes) -> str:
    result = runtime.pipeline.accept(raw, source="test", position="multi-intent")
    assert result.message_id is not None, result.reason
    return result.message_id


def test_a_two_request_mail_gets_both_intents_and_both_intents_actions(
    odoo_server: OdooStandin, tmp_path: Path, trained_model_dir: Path, database_url: str
) -> None:
    settings = settings_for(odoo_server, tmp_path, trained_model_dir, database_url)
    with running(settings) as runtime:
        message_id = ingest(runtime, TWO_REQUESTS)
        signal = runtime.store.signal(message_id)
        assert signal is not None
        names = [i.intent for i in signal.intents]
        assert names[:2] == ["billing_dispute", "order_status"]
        assert signal.intents[1].routed
        actions = runtime.actions.for_message(message_id)
        by_intent = {(a.payload["intent"], a.rule_id, a.kind, a.target.name) for a in actions}
        assert by_intent == {
            ("billing_dispute", "billing-dispute", "activity", "INV/2025/00012"),
            ("billing_dispute", "billing-dispute", "hold_invoice", "INV/2025/00012"),
            ("order_status", "order-status", "activity", "S00042"),
        }
        hold = next(a for a in actions if a.kind == "hold_invoice")
        assert hold.state is ActionState.PROPOSED and hold.approval == "approver"

        # The same mail again stores nothing more; a rerun of the policy neither.
        assert runtime.pipeline.accept(TWO_REQUESTS, source="test", position="again")
        message, links = runtime.store.get(message_id), runtime.links.result(message_id)
        assert message is not None and links is not None
        assert runtime.workflow.decide(message, signal, links) == []
        assert len(runtime.actions.for_message(message_id)) == 3
        # The order-status request's own action waits only when the mail as a whole is held.
        status = next(a for a in actions if a.payload["intent"] == "order_status")
        assert status.approval == ("agent" if signal.needs_review else None)
        approved = [a for a in actions if a.state is ActionState.APPROVED]
        assert bool(approved) is not signal.needs_review  # held as a whole, or some run alone
        ran = build_worker(runtime).run_due()
    assert ran == len(approved)
