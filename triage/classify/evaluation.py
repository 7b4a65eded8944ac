"""Metrics for a classifier: accuracy, macro-F1, per-intent scores, calibration, coverage."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
from pydantic import BaseModel
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
)

from models import Signal, Stage
from triage.classify.familiarity import UNFAMILIAR

ECE_BINS = 10


class IntentScores(BaseModel):
    """Precision, recall and F1 of one intent."""

    precision: float
    recall: float
    f1: float
    support: int


class EvalReport(BaseModel):
    """Everything `triage eval` prints."""

    n: int
    accuracy: float
    macro_f1: float
    per_intent: dict[str, IntentScores]
    labels: list[str]
    confusion: list[list[int]]
    ece: float
    coverage: float
    precision_at_coverage: float
    target_precision: float
    unfamiliar_share: float | None = None
    coverage_familiar: float | None = None
    precision_familiar: float | None = None


class RoutingReport(BaseModel):
    """What the cascade did with a set of mails: flagged unfamiliar, routed alone to business."""

    n: int
    checked: int
    unfamiliar_share: float
    routed_alone_share: float
    routed_alone: dict[str, int]


def evaluate(
    y_true: Sequence[str],
    y_pred: Sequence[str],
    confidence: Sequence[float],
    thresholds: dict[str, float],
    target_precision: float,
    familiar: Sequence[bool] | None = None,
) -> EvalReport:
    """Score predictions; `coverage` is the share routed at or above each intent's threshold.

    Macro-F1 averages over the labels present in `y_true` only. With `familiar`, the report
    also gives the share flagged unfamiliar and coverage and precision when those abstain."""
    if not y_true:
        return EvalReport(
            n=0,
            accuracy=0.0,
            macro_f1=0.0,
            per_intent={},
            labels=[],
            confusion=[],
            ece=0.0,
            coverage=0.0,
            precision_at_coverage=0.0,
            target_precision=target_precision,
        )
    labels = sorted(set(y_true) | set(y_pred))
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0
    )
    per_intent = {
        label: IntentScores(precision=float(p), recall=float(r), f1=float(f), support=int(s))
        for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
    }
    correct = np.asarray(y_true) == np.asarray(y_pred)
    conf = np.asarray(confidence, dtype=float)
    routed = conf >= np.asarray([thresholds.get(p, 1.0) for p in y_pred])
    return EvalReport(
        n=len(y_true),
        accuracy=float(accuracy_score(y_true, y_pred)),
        macro_f1=macro_f1(y_true, y_pred),
        per_intent=per_intent,
        labels=labels,
        confusion=confusion_matrix(y_true, y_pred, labels=labels).tolist(),
        ece=expected_calibration_error(correct, conf),
        coverage=float(routed.mean()) if len(routed) else 0.0,
        precision_at_coverage=float(correct[routed].mean()) if routed.any() else 0.0,
        target_precision=target_precision,
        **_abstention(correct, routed, familiar),
    )


def macro_f1(y_true: Sequence[str], y_pred: Sequence[str]) -> float:
    """Mean F1 over the labels that occur in `y_true` (a label never true has no F1 to earn)."""
    present = sorted(set(y_true))
    if not present:
        return 0.0
    return float(f1_score(y_true, y_pred, labels=present, average="macro", zero_division=0))


def _abstention(
    correct: np.ndarray, routed: np.ndarray, familiar: Sequence[bool] | None
) -> dict[str, float]:
    if familiar is None:
        return {}
    known = np.asarray(familiar, dtype=bool)
    kept = routed & known
    return {
        "unfamiliar_share": float((~known).mean()),
        "coverage_familiar": float(kept.mean()),
        "precision_familiar": float(correct[kept].mean()) if kept.any() else 0.0,
    }


def routing_report(signals: Iterable[Signal], business: set[str]) -> RoutingReport:
    """Of these signals: the share flagged unfamiliar and routed alone to a business intent."""
    n = checked = unfamiliar = 0
    alone: Counter[str] = Counter()
    for signal in signals:
        n += 1
        classical = next((s for s in signal.stages if s.stage is Stage.CLASSICAL), None)
        checked += bool(classical and not classical.skipped)
        unfamiliar += bool(classical and classical.reason.startswith(UNFAMILIAR))
        if not signal.needs_review and signal.intent in business:
            alone[signal.intent] += 1
    return RoutingReport(
        n=n,
        checked=checked,
        unfamiliar_share=unfamiliar / n if n else 0.0,
        routed_alone_share=sum(alone.values()) / n if n else 0.0,
        routed_alone=dict(alone.most_common()),
    )


def expected_calibration_error(correct: np.ndarray, confidence: np.ndarray) -> float:
    """Mean gap between confidence and accuracy over equal-width confidence bins."""
    if len(correct) == 0:
        return 0.0
    bins = np.minimum((confidence * ECE_BINS).astype(int), ECE_BINS - 1)
    total = 0.0
    for b in range(ECE_BINS):
        mask = bins == b
        if mask.any():
            total += mask.mean() * abs(correct[mask].mean() - confidence[mask].mean())
    return float(total)


def choose_thresholds(
    y_true: Sequence[str],
    y_pred: Sequence[str],
    confidence: Sequence[float],
    target: float,
    min_support: int = 0,
) -> dict[str, float]:
    """Per intent, the lowest confidence at which routed answers reach `target` precision.

    An intent predicted fewer than `min_support` times takes the threshold chosen over all
    answers together: a handful of answers cannot tell a precision of 0.97 from 0.8. An
    intent whose answers never reach the target gets 1.0 (never auto-routed)."""
    truth, pred = np.asarray(y_true), np.asarray(y_pred)
    conf = np.asarray(confidence, dtype=float)
    pooled = _threshold_for(truth == pred, conf, target) if min_support else 1.0
    return {
        str(label): (
            _threshold_for(truth[pred == label] == label, conf[pred == label], target)
            if np.count_nonzero(pred == label) >= min_support
            else pooled
        )
        for label in sorted(set(pred))
    }


def _threshold_for(correct: np.ndarray, conf: np.ndarray, target: float) -> float:
    order = np.argsort(-conf)
    correct, conf = correct[order], conf[order]
    precision = np.cumsum(correct) / np.arange(1, len(correct) + 1)
    # The deepest cut of the most confident answers that still meets the target.
    ok = np.flatnonzero(precision >= target)
    return float(conf[ok[-1]]) if len(ok) else 1.0


def coverage_curve(
    correct: np.ndarray, confidence: np.ndarray, points: int = 50
) -> list[tuple[float, float]]:
    """(coverage, precision) pairs for a sweep of one global threshold."""
    curve = []
    for threshold in np.linspace(0.0, 1.0, points):
        routed = confidence >= threshold
        if routed.any():
            curve.append((float(routed.mean()), float(correct[routed].mean())))
    return curve
