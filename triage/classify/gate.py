"""The model promotion gate: a frozen held-out slice of reviewed mail, and the verdict on a
candidate model against the current one on that slice.

Each reviewed message falls in the gate slice or the training slice by a hash of its id, so
it never moves as more feedback arrives, and the gate slice is never trained on. (Changing
`share` moves messages: raising it puts mail the current model learned from in the slice.)
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import BaseModel, Field

from models import AuditEvent
from triage.classify.classical import ClassicalModel
from triage.classify.training import Example, score
from triage.config import GateSettings

MODEL_SWITCHED = "model_switched"
MODEL_REFUSED = "model_refused"
MODEL_DECISIONS = (MODEL_SWITCHED, MODEL_REFUSED)
_SALT = b"triage-gate-v1\x00"


@dataclass(frozen=True)
class ReviewedExample:
    """A message a person labelled, as a training example, with the message's id."""

    message_id: str
    example: Example


def slice_position(message_id: str) -> float:
    """Where a message falls in [0, 1): a hash of its id, the same on every run."""
    digest = hashlib.sha256(_SALT + message_id.encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def in_gate_slice(message_id: str, share: float) -> bool:
    """Whether a reviewed message is held out for the gate (never trained on)."""
    return slice_position(message_id) < share


def split_reviewed(
    reviewed: Iterable[ReviewedExample], share: float
) -> tuple[list[Example], list[Example]]:
    """(gate slice, training slice) of the reviewed examples."""
    gate: list[Example] = []
    trainable: list[Example] = []
    for item in reviewed:
        (gate if in_gate_slice(item.message_id, share) else trainable).append(item.example)
    return gate, trainable


class ModelFigures(BaseModel):
    """One model's figures on the gate slice."""

    version: str
    n: int
    macro_f1: float
    precision_at_coverage: float
    coverage: float

    @classmethod
    def measure(cls, model: ClassicalModel, examples: list[Example]) -> ModelFigures:
        """Score a model on the slice with its own thresholds."""
        report = score(model, examples)
        return cls(
            version=model.version,
            n=report.n,
            macro_f1=report.macro_f1,
            precision_at_coverage=report.precision_at_coverage,
            coverage=report.coverage,
        )


class GateDecision(BaseModel):
    """Whether the candidate replaces the current model, why, and the figures behind it.

    Its JSON dump is the detail of the `model_switched` / `model_refused` audit event."""

    switch: bool
    forced: bool = False
    judged: bool = Field(description="False when there was nothing to compare with")
    reason: str
    candidate: ModelFigures
    current: ModelFigures | None = None
    tolerance: float
    min_messages: int
    share: float

    @property
    def event(self) -> str:
        """The audit event this decision is recorded as."""
        return MODEL_SWITCHED if self.switch else MODEL_REFUSED

    def detail(self) -> dict[str, Any]:
        """The audit event's detail."""
        return self.model_dump(mode="json")


def judge(
    candidate: ClassicalModel,
    current: ClassicalModel | None,
    gate: list[Example],
    settings: GateSettings,
    *,
    force: bool = False,
) -> GateDecision:
    """Compare candidate and current model on the gate slice; refuse a drop unless forced."""
    ours = ModelFigures.measure(candidate, gate)
    theirs = ModelFigures.measure(current, gate) if current is not None else None
    common = {
        "candidate": ours,
        "current": theirs,
        "tolerance": settings.tolerance,
        "min_messages": settings.min_messages,
        "share": settings.share,
    }
    if theirs is None:
        return GateDecision(
            switch=True, judged=False, reason="no current model to compare with", **common
        )
    if len(gate) < settings.min_messages:
        reason = (
            f"no reviewed mail to compare on: {len(gate)} message(s) in the gate slice, "
            f"fewer than {settings.min_messages}"
        )
        return GateDecision(switch=True, judged=False, reason=reason, **common)
    drops = figure_drops(ours, theirs, settings.tolerance)
    if not drops:
        reason = f"no drop on {len(gate)} reviewed message(s)"
        return GateDecision(switch=True, judged=True, reason=reason, **common)
    reason = "; ".join(drops)
    if force:
        return GateDecision(
            switch=True, forced=True, judged=True, reason=f"forced despite {reason}", **common
        )
    return GateDecision(switch=False, judged=True, reason=reason, **common)


def figure_drops(candidate: ModelFigures, current: ModelFigures, tolerance: float) -> list[str]:
    """The figures on which the candidate falls more than `tolerance` below the current."""
    drops = []
    for name, label in (("macro_f1", "macro-F1"), ("precision_at_coverage", "precision")):
        ours, theirs = getattr(candidate, name), getattr(current, name)
        if ours < theirs - tolerance:
            drops.append(f"{label} drops from {theirs:.3f} to {ours:.3f}")
    return drops


class DecisionLog(Protocol):
    """Where model decisions are read from (the audit store)."""

    def latest(self, *events: str) -> AuditEvent | None:
        """The newest event of the given kinds, or None."""


def last_model_decision(audit: DecisionLog) -> tuple[AuditEvent, GateDecision] | None:
    """The last model switch or refusal (when, by whom, and its figures), or None."""
    event = audit.latest(*MODEL_DECISIONS)
    if event is None:
        return None
    return event, GateDecision.model_validate(event.detail)


def describe_decision(event: AuditEvent, decision: GateDecision) -> str:
    """One line on the last gate decision: what happened, when, by whom and why."""
    what = "switched to" if decision.switch else "refused"
    forced = " (forced)" if decision.forced else ""
    when = f"{event.at:%Y-%m-%d %H:%M} UTC by {event.actor}"
    return f"{what} {decision.candidate.version}{forced} on {when}: {decision.reason}"
