"""Cascade benchmark: how much mail reaches the LLM at the default triggers, and what an open
circuit breaker adds per message.

1. Share: the held-out Bitext evaluation split, the team's multilingual labelled mail
   (data/multilingual_eval.csv, per language and in total; goal: at most 20% reach the LLM) and
   the shared real-world corpus when present go through the cascade, built with default
   settings, with a stand-in LLM stage that only counts who reaches it.
2. Breaker open: the real LLM stage, pointed at a closed port until its breaker opens and set
   to be asked for every message, against the cascade without any LLM, one message at a time
   on the same messages.
"""

from __future__ import annotations

import csv
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

from bench.classify import corpus_texts, model_folder
from models import Message, Signal, Stage, StageResult, Taxonomy
from parsers import message_from_text
from triage.classify.classical import METADATA_FILE, ModelMetadata
from triage.classify.files import load_taxonomy
from triage.classify.training import data_hash, load_training_data, split, train
from triage.config import ClassifySettings, LlmSettings, LlmTriggers, Settings
from triage.runtime import build_cascade, build_runtime

ROOT = Path(__file__).resolve().parents[1]
MULTILINGUAL = ROOT / "data" / "multilingual_eval.csv"
LATENCY_RUNS = 2_000
LLM_SHARE_GOAL = 0.20


class CountingStage:
    """Stands in for the LLM: records each message that reaches it and why, answers nothing."""

    def __init__(self) -> None:
        self.triggers: Counter[str] = Counter()

    def classify(self, message: Message, taxonomy: Taxonomy, role: str = "") -> StageResult:
        """Count the call; a failed result, so the cascade falls back as it would."""
        return StageResult(stage=Stage.LLM, failed=True, reason="counted")

    def extract(self, message: Message) -> StageResult:
        """Not counted here: extraction follows the decision."""
        return StageResult(stage=Stage.LLM, failed=True, reason="counted")


def share(settings: Settings, messages: list[Message], label: str) -> list[Signal]:
    """Print the share of messages the default triggers send to the LLM, by trigger."""
    stage = CountingStage()
    cascade = build_cascade(settings, stage)
    signals = cascade.classify_many(messages)
    _print_share(label, [_trigger(s.stages) for s in signals])
    return signals


def multilingual_share(settings: Settings, path: Path = MULTILINGUAL) -> None:
    """The LLM share on the team's labelled multilingual mail, per language and in total."""
    rows = _read_labelled(path)
    messages = [message_from_text(r["text"], subject=r["subject"]) for r in rows]
    signals = share(settings, messages, f"multilingual labelled mail ({path.name})")
    triggers = [_trigger(s.stages) for s in signals]
    by_language: dict[str, list[str]] = defaultdict(list)
    for row, trigger in zip(rows, triggers, strict=True):
        by_language[row["language"]].append(trigger)
    for language, found in sorted(by_language.items()):
        _print_share(f"  {language}", found)
    alone = [
        (row["intent"], signal)
        for row, signal, trigger in zip(rows, signals, triggers, strict=True)
        if not trigger
    ]
    right = sum(signal.intents[0].intent == intent for intent, signal in alone)
    reached = (len(signals) - len(alone)) / max(1, len(signals))
    print(
        f"  goal: at most {LLM_SHARE_GOAL:.0%} reach the LLM: "
        f"{'met' if reached <= LLM_SHARE_GOAL else 'missed'}; "
        f"{len(alone)} decided without the LLM, {right} of them right "
        f"({100 * right / max(1, len(alone)):.1f}% precision)"
    )


def _read_labelled(path: Path) -> list[dict[str, str]]:
    """Rows of a labelled CSV with columns subject, text, intent, language."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    missing = {"subject", "text", "intent", "language"} - set(rows[0] if rows else {})
    if missing:
        raise SystemExit(f"{path}: missing columns {sorted(missing)}")
    return rows


def _print_share(label: str, triggers: list[str]) -> None:
    reached = Counter(t.split(" (")[0] for t in triggers if t)
    total = sum(reached.values())
    print(f"{label}: {total} of {len(triggers)} reach the LLM ({100 * total / len(triggers):.1f}%)")
    for trigger, n in reached.most_common():
        print(f"    {n:6d}  {trigger}")


def current_model_folder() -> Path:
    """The saved model when it was trained on today's data, else a fresh one from it."""
    folder = model_folder()
    examples = load_training_data(ROOT / "data", load_taxonomy())
    saved = ModelMetadata.model_validate_json((folder / METADATA_FILE).read_text())
    if saved.data_hash == data_hash(split(examples).train):
        return folder
    folder = Path(tempfile.mkdtemp()) / "classical"
    print(f"the saved model predates the training data: training one into {folder}")
    train(examples).model.save(folder)
    return folder


def breaker_latency(settings: Settings, messages: list[Message]) -> None:
    """Median and p99 of the per-message latency with the breaker open, against no LLM."""
    every = settings.llm.model_copy(update={"run_when": LlmTriggers(long_chars=1)})
    runtime = build_runtime(settings.model_copy(update={"llm": every}))
    try:
        plain = build_cascade(settings.model_copy(update={"llm_base_url": None}))
        assert runtime.llm is not None
        runtime.llm.classify(messages[0], runtime.cascade.taxonomy)  # closed port: it opens
        assert runtime.llm.service.breaker_state == "open"
        sample = (messages * (1 + LATENCY_RUNS // len(messages)))[:LATENCY_RUNS]
        with_llm = [_timed(runtime.cascade, m) for m in sample]
        without = [_timed(plain, m) for m in sample]
        fallbacks = runtime.llm.service.stats.fallbacks["breaker_open"]
    finally:
        runtime.engine.dispose()
    added = statistics.median(with_llm) - statistics.median(without)
    p99 = statistics.quantiles(with_llm, n=100)[98] - statistics.quantiles(without, n=100)[98]
    print(
        f"breaker open: median {statistics.median(with_llm) * 1e3:.3f} ms vs "
        f"{statistics.median(without) * 1e3:.3f} ms without an LLM: "
        f"+{added * 1e3:.3f} ms per message (p99 +{p99 * 1e3:.3f} ms); "
        f"{fallbacks} refusals (classify and extract), no call made"
    )


def _trigger(stages: list[StageResult]) -> str:
    return next((s.trigger for s in stages if s.trigger), "")


def _timed(cascade: object, message: Message) -> float:
    start = time.perf_counter()
    cascade.classify(message)  # type: ignore[attr-defined]
    return time.perf_counter() - start


def main() -> int:
    """Run both measurements and print the figures."""
    folder = current_model_folder()
    data_dir = Path(tempfile.mkdtemp())
    settings = Settings(
        data_dir=data_dir,
        llm_base_url="http://127.0.0.1:9/v1",
        llm=LlmSettings(breaker_failures=1, breaker_reset_seconds=3_600, max_retries=0),
        classify=ClassifySettings(model_dir=folder),
    )
    heldout = split(load_training_data(ROOT / "data", load_taxonomy())).test
    messages = [message_from_text(e.text) for e in heldout]
    share(settings, messages, "held-out Bitext split")
    if MULTILINGUAL.is_file():
        multilingual_share(settings)
    corpus = [
        message_from_text(t.split("\n", 1)[-1], subject=t.split("\n", 1)[0]) for t in corpus_texts()
    ]
    if corpus:
        share(settings, corpus, "shared real-world corpus")
    breaker_latency(settings, messages)
    return 0


if __name__ == "__main__":
    sys.exit(main())
