"""The promotion gate's pure parts: the frozen slice of reviewed mail and the verdict."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from models import AuditEvent
from triage.classify.classical import ClassicalModel, ModelMetadata, build_pipeline
from triage.classify.gate import (
    MODEL_DECISIONS,
    MODEL_REFUSED,
    MODEL_SWITCHED,
    ModelFigures,
    ReviewedExample,
    figure_drops,
    in_gate_slice,
    judge,
    last_model_decision,
    split_reviewed,
)
from triage.classify.training import FEEDBACK, Example
from triage.config import GateSettings

TEMPLATES = {
    "order_status": "Where is my order S{n:05d}? When will it ship, any tracking?",
    "billing_dispute": "Invoice INV/2025/{n:05d} charges too much, the amount is wrong",
    "return_request": "I want to send back the goods of delivery {n}, please issue an RMA",
}


def _examples(numbers: range) -> list[Example]:
    return [
        Example(template.format(n=n), label, FEEDBACK)
        for n in numbers
        for label, template in TEMPLATES.items()
    ]


def _model(examples: list[Example], version: str) -> ClassicalModel:
    pipeline = build_pipeline().fit([e.text for e in examples], [e.label for e in examples])
    labels = [str(c) for c in pipeline.classes_]
    metadata = ModelMetadata(
        version=version,
        labels=labels,
        data_hash=version,
        created_at=datetime.now(UTC),
        target_precision=0.97,
        thresholds=dict.fromkeys(labels, 0.5),
    )
    return ClassicalModel(pipeline, metadata)


def _rotated(examples: list[Example]) -> list[Example]:
    """The same texts, each with the label of the next intent: a model that learns lies."""
    names = list(TEMPLATES)
    return [
        Example(e.text, names[(names.index(e.label) + 1) % len(names)], e.source) for e in examples
    ]


@pytest.fixture(scope="module")
def good() -> ClassicalModel:
    return _model(_examples(range(0, 30)), "good")


@pytest.fixture(scope="module")
def bad() -> ClassicalModel:
    return _model(_rotated(_examples(range(0, 30))), "bad")


GATE = _examples(range(100, 110))  # 30 reviewed messages the models never saw
STRICT = GateSettings(share=0.2, min_messages=20, tolerance=0.0)


def test_the_slice_is_near_its_share_and_stable_as_feedback_grows() -> None:
    ids = [f"m{i:05d}" for i in range(4000)]
    first = {i for i in ids[:1000] if in_gate_slice(i, 0.2)}
    assert 0.17 < len(first) / 1000 < 0.23
    grown = [ReviewedExample(i, Example(i, "other", FEEDBACK)) for i in ids]
    gate, trainable = split_reviewed(grown, 0.2)
    held_out = {e.text for e in gate}
    assert first <= held_out  # no message left the slice when 3,000 more arrived
    assert held_out.isdisjoint(e.text for e in trainable)
    assert len(gate) + len(trainable) == len(ids)
    assert 0.17 < len(gate) / len(ids) < 0.23


def test_a_larger_share_only_adds_messages_to_the_slice() -> None:
    ids = [f"m{i:05d}" for i in range(1000)]
    small = {i for i in ids if in_gate_slice(i, 0.1)}
    large = {i for i in ids if in_gate_slice(i, 0.3)}
    assert small < large
    assert not any(in_gate_slice(i, 0.0) for i in ids)


def test_a_worse_candidate_is_refused(good: ClassicalModel, bad: ClassicalModel) -> None:
    decision = judge(bad, good, GATE, STRICT)
    assert not decision.switch and decision.judged and decision.event == MODEL_REFUSED
    assert decision.current is not None and decision.current.version == "good"
    assert decision.candidate.macro_f1 < decision.current.macro_f1
    assert decision.candidate.n == decision.current.n == len(GATE)
    assert "macro-F1 drops" in decision.reason


def test_a_better_or_equal_candidate_switches(good: ClassicalModel, bad: ClassicalModel) -> None:
    better = judge(good, bad, GATE, STRICT)
    assert better.switch and better.judged and not better.forced
    assert better.event == MODEL_SWITCHED
    same = judge(good, good, GATE, STRICT)
    assert same.switch and same.candidate == same.current


def test_force_switches_despite_a_drop(good: ClassicalModel, bad: ClassicalModel) -> None:
    decision = judge(bad, good, GATE, STRICT, force=True)
    assert decision.switch and decision.forced and decision.event == MODEL_SWITCHED
    assert decision.reason.startswith("forced despite macro-F1 drops")


def test_a_drop_within_the_tolerance_switches(good: ClassicalModel, bad: ClassicalModel) -> None:
    refused = judge(bad, good, GATE, STRICT)
    assert refused.current is not None
    ours, theirs = refused.candidate, refused.current
    gap = max(
        theirs.macro_f1 - ours.macro_f1,
        theirs.precision_at_coverage - ours.precision_at_coverage,
    )
    lenient = STRICT.model_copy(update={"tolerance": min(1.0, gap + 0.01)})
    decision = judge(bad, good, GATE, lenient)
    assert decision.switch and decision.judged and not decision.forced


def test_without_a_current_model_or_enough_reviewed_mail_it_switches_unjudged(
    good: ClassicalModel, bad: ClassicalModel
) -> None:
    first = judge(bad, None, GATE, STRICT)
    assert first.switch and not first.judged and first.current is None
    assert first.reason == "no current model to compare with"
    few = judge(bad, good, GATE[:19], STRICT)
    assert few.switch and not few.judged and few.current is not None
    assert few.reason.startswith("no reviewed mail to compare on: 19 message(s)")
    empty = judge(bad, good, [], STRICT)
    assert empty.switch and empty.candidate.n == 0


def test_figure_drops_names_each_figure_that_fell() -> None:
    current = ModelFigures(
        version="a", n=50, macro_f1=0.90, precision_at_coverage=0.98, coverage=0.6
    )
    lower_precision = current.model_copy(update={"precision_at_coverage": 0.96})
    assert figure_drops(lower_precision, current, 0.0) == ["precision drops from 0.980 to 0.960"]
    assert figure_drops(lower_precision, current, 0.02) == []
    both = lower_precision.model_copy(update={"macro_f1": 0.8})
    assert len(figure_drops(both, current, 0.005)) == 2
    assert figure_drops(current, current, 0.0) == []


class FakeDecisionLog:
    """The audit store's `latest`, in memory."""

    def __init__(self) -> None:
        self.events: list[AuditEvent] = []

    def latest(self, *events: str) -> AuditEvent | None:
        found = [e for e in self.events if e.event in events]
        return found[-1] if found else None


def test_the_last_decision_reads_back_from_its_audit_event(
    good: ClassicalModel, bad: ClassicalModel
) -> None:
    log = FakeDecisionLog()
    assert last_model_decision(log) is None
    for decision in (judge(good, bad, GATE, STRICT), judge(bad, good, GATE, STRICT)):
        log.events.append(
            AuditEvent(
                at=datetime.now(UTC),
                event=decision.event,
                actor="train",
                detail={**decision.detail(), "saved_in": "/tmp/x"},
            )
        )
    log.events.append(AuditEvent(at=datetime.now(UTC), event="corrected", actor="user:anna"))
    found = last_model_decision(log)
    assert found is not None
    event, decision = found
    assert event.event == MODEL_REFUSED and event.event in MODEL_DECISIONS
    assert decision.candidate.version == "bad" and not decision.switch
