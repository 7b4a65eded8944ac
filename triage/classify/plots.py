"""PNG plots for `triage eval --plot`: the confusion matrix and the coverage/precision curve."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no display on a server

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from triage.classify.evaluation import EvalReport, coverage_curve  # noqa: E402


def write_plots(
    folder: Path,
    report: EvalReport,
    truth: Sequence[str],
    predicted: Sequence[str],
    confidence: Sequence[float],
) -> list[Path]:
    """Write confusion.png and coverage.png into `folder`; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    correct = np.asarray(truth) == np.asarray(predicted)
    return [
        _confusion(folder / "confusion.png", report),
        _coverage(folder / "coverage.png", correct, np.asarray(confidence, dtype=float), report),
    ]


def _confusion(path: Path, report: EvalReport) -> Path:
    size = max(6.0, 0.45 * len(report.labels))
    fig, ax = plt.subplots(figsize=(size, size))
    ax.imshow(np.asarray(report.confusion), cmap="Blues")
    ax.set_xticks(range(len(report.labels)), report.labels, rotation=90)
    ax.set_yticks(range(len(report.labels)), report.labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(f"Confusion matrix (n={report.n}, macro-F1 {report.macro_f1:.3f})")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def _coverage(path: Path, correct: np.ndarray, confidence: np.ndarray, report: EvalReport) -> Path:
    curve = coverage_curve(correct, confidence)
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot([c for c, _ in curve], [p for _, p in curve], marker=".", label="one global threshold")
    ax.scatter(
        [report.coverage],
        [report.precision_at_coverage],
        color="red",
        zorder=3,
        label="per-intent thresholds",
    )
    ax.axhline(report.target_precision, color="grey", linestyle="--", label="target precision")
    ax.set_xlabel("coverage (share routed without review)")
    ax.set_ylabel("precision")
    ax.legend(loc="lower left")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
