"""A mail with several requests: the cascade routes each request that passes its own threshold."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from models import IntentScore, Message, Signal, Stage, StageResult, Taxonomy
from parsers import message_from_text, parse_message
from tests.conftest import FIXTURES
from triage.classify.cascade import LLM_REQUEST_MIN, Cascade
from triage.classify.classical import ClassicalModel
from triage.classify.files import load_taxonomy
from triage.classify.rules import load_rules
from triage.classify.segments import MAX_SEGMENTS

DISPUTE_AND_STATUS = (
    "We were charged twice on INV/2025/00012, please correct it. Also, when will order S00042 ship?"
)
RETURN_AND_DELIVERY = (
    "Hello,\n\nWe would like to return the 10 spare fire blankets from S00042; they are "
    "unopened and we simply ordered too many.\n\nAlso, today's delivery WH/OUT/00005 arrived "
    "without the two wall brackets that are on the delivery note. Can you send those on?"
)
ONE_REQUEST = [
    "Hello, could you tell me when our order S00042 will be delivered? Thanks, Maria",
    "I want to cancel my order S00042. The project it was for has been stopped. "
    "Please confirm the cancellation by return.",
    "Hello,\n\nplease send us a copy of invoice INV/2025/00012, we cannot find it.\n\n"
    "Kind regards, Jordi",
]


class CountingModel(ClassicalModel):
    """The real model, counting its calls and the texts in each."""

    def __init__(self, model: ClassicalModel) -> None:
        super().__init__(model.pipeline, model.metadata)
        self.calls: list[int] = []

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        self.calls.append(len(texts))
        return super().predict_proba(texts)


class ListingLlm:
    """An LLM stage (behind the cascade's LlmStage protocol) that answers a fixed intent list."""

    def __init__(self, intents: list[IntentScore]) -> None:
        self.intents = intents

    def classify(self, message: Message, taxonomy: Taxonomy, role: str = "") -> StageResult:
        return StageResult(stage=Stage.LLM, intents=self.intents, certain=True, reason="scripted")

    def extract(self, message: Message) -> StageResult:
        return StageResult(stage=Stage.LLM, skipped=True, reason="not asked")


@pytest.fixture(scope="module")
def model(trained_model_dir: Path) -> ClassicalModel:
    return ClassicalModel.load(trained_model_dir)


@pytest.fixture(scope="module")
def cascade(model: ClassicalModel) -> Cascade:
    return Cascade(load_taxonomy(), load_rules(), model)


def routed(signal: Signal) -> list[str]:
    return [i.intent for i in signal.intents if i.routed]


def acted_on(signal: Signal) -> list[str]:
    """The intents the policy proposes actions for: the primary and each routed one."""
    return [i.intent for n, i in enumerate(signal.intents) if n == 0 or i.routed]


def test_a_dispute_and_a_status_question_get_both_intents(
    cascade: Cascade, model: ClassicalModel
) -> None:
    signal = cascade.classify(message_from_text(DISPUTE_AND_STATUS))
    assert [i.intent for i in signal.intents[:2]] == ["billing_dispute", "order_status"]
    primary, status = signal.intents[:2]
    # Each intent is routed on its own threshold: the primary on the whole text's confidence.
    assert primary.routed == (primary.confidence >= model.threshold("billing_dispute"))
    assert status.routed and status.confidence >= model.threshold("order_status")
    (classical,) = [s for s in signal.stages if s.stage is Stage.CLASSICAL]
    assert "order_status" in [s.intent for s in classical.segment_intents]
    assert signal.decided_by is Stage.CLASSICAL


def test_a_return_and_a_delivery_problem_are_both_routed(cascade: Cascade) -> None:
    signal = cascade.classify(message_from_text(RETURN_AND_DELIVERY))
    assert sorted(routed(signal)) == ["delivery_problem", "return_request"]
    assert signal.intents[0].routed and not signal.needs_review


@pytest.mark.parametrize("text", ONE_REQUEST)
def test_a_single_request_gets_one_routed_intent(cascade: Cascade, text: str) -> None:
    signal = cascade.classify(message_from_text(text))
    assert acted_on(signal) == [signal.intent]
    assert signal.intents[0].routed == (not signal.needs_review)


def test_segments_ride_in_the_same_model_call_and_are_capped(model: ClassicalModel) -> None:
    counting = CountingModel(model)
    cascade = Cascade(load_taxonomy(), load_rules(), counting)
    many = "\n\n".join(f"Question {i}: when will order S0004{i} ship to us?" for i in range(9))
    texts = [DISPUTE_AND_STATUS, RETURN_AND_DELIVERY, many, ONE_REQUEST[0]]
    signals = cascade.classify_many([message_from_text(t) for t in texts])
    assert len(counting.calls) == 1
    # 4 whole texts + 2 + 2 segments + the capped 9 paragraphs + none for one sentence.
    assert counting.calls[0] == 4 + 2 + 2 + MAX_SEGMENTS
    assert routed(signals[1]) == routed(cascade.classify(message_from_text(texts[1])))


def test_a_mail_the_rules_decide_is_not_segmented(cascade: Cascade) -> None:
    signal = cascade.classify(parse_message((FIXTURES / "dsn_bounce.eml").read_bytes()))
    assert signal.decided_by is Stage.RULES
    assert routed(signal) == [signal.intent] and len(signal.stages) == 1


def test_when_the_llm_decides_its_own_list_decides(model: ClassicalModel) -> None:
    answer = [
        IntentScore(intent="order_cancel", confidence=0.9),
        IntentScore(intent="payment", confidence=LLM_REQUEST_MIN),
        IntentScore(intent="complaint", confidence=LLM_REQUEST_MIN - 0.1),
    ]
    cascade = Cascade(load_taxonomy(), load_rules(), model, ListingLlm(answer))
    signal = cascade.classify(message_from_text(DISPUTE_AND_STATUS))
    assert signal.decided_by is Stage.LLM
    assert routed(signal) == ["order_cancel", "payment"]
    # The segments' order_status is no request of the LLM's list: information at most.
    assert all(not i.routed for i in signal.intents if i.intent not in routed(signal))
    assert "complaint" in [i.intent for i in signal.intents]


def test_a_high_risk_request_makes_the_whole_mail_high_risk(model: ClassicalModel) -> None:
    answer = [
        IntentScore(intent="order_status", confidence=0.9),
        IntentScore(intent="account_update", confidence=0.8),
    ]
    cascade = Cascade(load_taxonomy(), load_rules(), model, ListingLlm(answer))
    signal = cascade.classify(message_from_text(DISPUTE_AND_STATUS))
    assert routed(signal) == ["order_status", "account_update"]
    assert signal.high_risk and signal.needs_review
