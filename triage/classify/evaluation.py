"""Metrics for a classifier: accuracy, macro-F1, per-intent scores, calibration, coverage."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
)

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


def evaluate(
    y_true: Sequence[str],
    y_pred: Sequence[str],
    confidence: Sequence[float],
    thresholds: dict[str, float],
    target_precision: float,
) -> EvalReport:
    """Score predictions; `coverage` is the share routed at or above each intent's threshold."""
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
        macro_f1=float(f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)),
        per_intent=per_intent,
        labels=labels,
        confusion=confusion_matrix(y_true, y_pred, labels=labels).tolist(),
        ece=expected_calibration_error(correct, conf),
        coverage=float(routed.mean()) if len(routed) else 0.0,
        precision_at_coverage=float(correct[routed].mean()) if routed.any() else 0.0,
        target_precision=target_precision,
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
    y_true: Sequence[str], y_pred: Sequence[str], confidence: Sequence[float], target: float
) -> dict[str, float]:
    """Per intent, the lowest confidence at which routed answers reach `target` precision.

    An intent whose answers never reach the target gets 1.0 (never auto-routed)."""
    truth, pred = np.asarray(y_true), np.asarray(y_pred)
    conf = np.asarray(confidence, dtype=float)
    return {
        str(label): _threshold_for(truth[pred == label] == label, conf[pred == label], target)
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
