"""Abstention benchmark: the familiarity check before (off) and after (on).

1. ../shared/corpora (real mail, none of it a distributor's business: spam, mailing lists,
   bounces) through the full cascade without an LLM: the share routed alone to a business
   intent (customer or supplier group). Goal: at most 2% with the check on.
2. The team-written examples' validation split (held out from training; written by the team,
   not real mail): coverage and precision of the classical model at its own thresholds, and
   the best coverage one global threshold reaches at the target precision. Goal: at least 90%
   coverage at precision >= target with the check on.

A model is trained here on the shipped data, so the splits are the ones it was trained with.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TypeVar

import numpy as np

from bench.classify import CORPORA
from models import IntentGroup, Message
from parsers import parse_message
from triage.classify.cascade import Cascade
from triage.classify.classical import ClassicalModel
from triage.classify.evaluation import coverage_curve, evaluate, routing_report
from triage.classify.files import load_taxonomy
from triage.classify.rules import load_rules
from triage.classify.training import TEAM, Example, load_training_data, predictions, train

ROOT = Path(__file__).resolve().parents[1]
T = TypeVar("T")


def timed(action: Callable[[], T]) -> tuple[T, float]:
    """The action's result and its wall-clock seconds."""
    start = time.perf_counter()
    result = action()
    return result, time.perf_counter() - start


def corpus_messages() -> list[Message]:
    """Every mail of the shared corpora, parsed with its headers (rules see them)."""
    files = sorted(p for p in CORPORA.rglob("*") if p.is_file() and p.name != "README.md")
    return [parse_message(p.read_bytes(), position=str(p)) for p in files]


def corpus_figures(models: dict[str, ClassicalModel], messages: list[Message]) -> None:
    """Routed-alone share of the corpora through rules and the model, per model variant."""
    taxonomy = load_taxonomy()
    business = taxonomy.in_group(IntentGroup.CUSTOMER, IntentGroup.SUPPLIER)
    for label, model in models.items():
        cascade = Cascade(taxonomy, load_rules(), model)
        signals, seconds = timed(partial(cascade.classify_many, messages))
        report = routing_report(signals, business)
        top = ", ".join(f"{k} {v}" for k, v in list(report.routed_alone.items())[:4])
        print(
            f"corpora, familiarity {label:<3}: n={report.n}  reached model {report.checked}  "
            f"flagged unfamiliar {report.unfamiliar_share:.1%}  routed alone to business "
            f"{report.routed_alone_share:.2%} ({sum(report.routed_alone.values())}: {top})  "
            f"time {seconds:.1f} s"
        )


def team_figures(model: ClassicalModel, examples: list[Example]) -> None:
    """Coverage and precision on the team validation split, without and with abstention."""
    texts = [e.text for e in examples]
    (predicted, confidence), seconds = timed(lambda: predictions(model, texts))
    truth = [e.label for e in examples]
    assert model.familiarity is not None
    familiar = model.familiarity.familiar(texts)
    meta = model.metadata
    report = evaluate(
        truth, predicted, confidence, meta.thresholds, meta.target_precision, familiar.tolist()
    )
    print(
        f"team validation split (held out, team-written, not real mail): n={report.n}  "
        f"macro-F1 {report.macro_f1:.3f}  flagged unfamiliar {report.unfamiliar_share:.1%}  "
        f"time {seconds:.2f} s"
    )
    print(
        f"    familiarity off: coverage {report.coverage:.1%} at precision "
        f"{report.precision_at_coverage:.3f} (per-intent thresholds, target "
        f"{meta.target_precision})"
    )
    print(
        f"    familiarity on : coverage {report.coverage_familiar:.1%} at precision "
        f"{report.precision_familiar:.3f}"
    )
    correct = np.asarray(truth) == np.asarray(predicted)
    conf = np.asarray(confidence)
    for label, mask in (("off", np.ones(len(conf), bool)), ("on ", familiar)):
        best = _best_coverage(correct, np.where(mask, conf, -1.0), meta.target_precision)
        print(f"    familiarity {label}: best coverage of one global threshold {best}")


def _best_coverage(correct: np.ndarray, confidence: np.ndarray, target: float) -> str:
    curve = [(c, p) for c, p in coverage_curve(correct, confidence, 200) if p >= target]
    if not curve:
        return f"none reaches precision {target}"
    coverage, precision = max(curve)
    return f"{coverage:.1%} at precision {precision:.3f}"


def main() -> int:
    """Train, then print the corpus and team-split figures."""
    examples = load_training_data(ROOT / "data", load_taxonomy())
    result, seconds = timed(lambda: train(examples))
    model = result.model
    print(
        f"trained {model.version} on {len(result.splits.train)} examples in {seconds:.1f} s; "
        f"familiarity threshold {model.metadata.familiarity_threshold:.3f}; "
        f"languages {', '.join(model.metadata.languages)}"
    )
    team_figures(model, [e for e in result.splits.validation if e.source == TEAM])
    if not CORPORA.is_dir():
        print(f"skipped the corpora: {CORPORA} is absent")
        return 0
    messages, seconds = timed(corpus_messages)
    print(f"parsed {len(messages)} corpus mails in {seconds:.1f} s")
    without = ClassicalModel(model.pipeline, model.metadata, familiarity=None)
    corpus_figures({"off": without, "on": model}, messages)
    return 0


if __name__ == "__main__":
    sys.exit(main())
