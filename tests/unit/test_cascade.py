"""The cascade with the shipped rules and the default model trained on the shipped data."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from models import Signal, Stage, Urgency
from parsers import message_from_text, parse_message
from tests.conftest import FIXTURES
from triage.classify.cascade import Cascade
from triage.classify.classical import ClassicalModel
from triage.classify.files import load_taxonomy
from triage.classify.rules import RuleSet, load_rules


@pytest.fixture(scope="module")
def cascade(trained_model_dir: Path) -> Cascade:
    return Cascade(load_taxonomy(), load_rules(), ClassicalModel.load(trained_model_dir))


def _classify(cascade: Cascade, text: str, **kwargs: str) -> Signal:
    return cascade.classify(message_from_text(text, **kwargs))


def test_certain_rule_short_circuits_the_model(cascade: Cascade) -> None:
    signal = cascade.classify(parse_message((FIXTURES / "dsn_bounce.eml").read_bytes()))
    assert signal.intent == "bounce" and signal.decided_by is Stage.RULES
    assert [s.stage for s in signal.stages] == [Stage.RULES]
    assert signal.urgency is Urgency.LOW and not signal.needs_review


def test_confident_model_decides_and_every_stage_is_recorded(cascade: Cascade) -> None:
    signal = _classify(
        cascade, "I want to cancel my order S00042, please confirm the cancellation."
    )
    assert signal.intent == "order_cancel"
    assert signal.decided_by is Stage.CLASSICAL
    assert [s.stage for s in signal.stages] == [Stage.RULES, Stage.CLASSICAL]
    assert signal.stages[1].version == signal.model_version.split("classical:")[1]
    assert signal.data_hash and not signal.needs_review
    assert [e.value for e in signal.intents[0].entities] == ["S00042"]


def test_bank_details_are_high_risk_and_always_reviewed(cascade: Cascade) -> None:
    signal = _classify(cascade, "Please note our new bank details, IBAN DE89370400440532013000.")
    assert "account_update" in [i.intent for i in signal.intents]
    assert signal.high_risk and signal.needs_review
    assert "high risk" in signal.review_reason


def test_unsure_model_asks_for_review_and_names_the_missing_llm(cascade: Cascade) -> None:
    signal = _classify(cascade, "Could you check this for me?")
    assert signal.needs_review and signal.review_reason.startswith("unsure: ")
    assert "below threshold" in signal.review_reason
    assert [s.stage for s in signal.stages] == [Stage.RULES, Stage.CLASSICAL, Stage.LLM]
    assert signal.stages[2].skipped and signal.stages[2].reason == "no LLM configured"


def test_a_text_unlike_any_training_example_is_unfamiliar(cascade: Cascade) -> None:
    signal = _classify(cascade, "Hmm.")  # no word the model learned from
    assert signal.needs_review and signal.review_reason.startswith("unfamiliar: ")
    assert signal.decided_by is Stage.CLASSICAL and not signal.stages[1].certain


def test_empty_message_is_other_and_reviewed(cascade: Cascade) -> None:
    signal = _classify(cascade, "   ")
    assert signal.intent == "other" and signal.confidence == 0.0
    assert signal.needs_review and signal.review_reason == "empty message"


def test_known_supplier_is_limited_to_supplier_intents(trained_model_dir: Path) -> None:
    rules = RuleSet.model_validate({"senders": {"supplier_domains": ["parts.example"]}})
    cascade = Cascade(load_taxonomy(), rules, ClassicalModel.load(trained_model_dir))
    text = "Unfortunately P00017 will ship two weeks late, new ETA 2025-04-02."
    signal = _classify(cascade, text, sender="sales@parts.example")
    supplier = {
        "supplier_delay",
        "supplier_confirmation",
        "supplier_shipment",
        "supplier_invoice",
        "supplier_price_change",
        "auto_reply",
        "bounce",
        "newsletter",
        "spam",
        "other",
    }
    assert {i.intent for i in signal.stages[1].intents} <= supplier
    assert signal.intent == "supplier_delay"


def test_without_a_model_rules_still_answer() -> None:
    cascade = Cascade(load_taxonomy(), load_rules(), None)
    signal = cascade.classify(parse_message((FIXTURES / "out_of_office.eml").read_bytes()))
    assert signal.intent == "auto_reply"
    plain = cascade.classify(message_from_text("Where is my order?"))
    assert plain.intent == "other" and plain.needs_review
    assert plain.stages[1].skipped


def test_batch_equals_one_by_one(cascade: Cascade) -> None:
    texts = ["Where is my order S00042?", "Please send a quote for 200 pallets", "Thanks!"]
    messages = [message_from_text(t, received_at=datetime(2025, 3, 5, tzinfo=UTC)) for t in texts]
    batch = cascade.classify_many(messages)
    assert [s.intents for s in batch] == [cascade.classify(m).intents for m in messages]
