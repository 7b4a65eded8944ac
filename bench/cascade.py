"""Cascade benchmark: how much mail reaches the LLM at the default triggers, and what an open
circuit breaker adds per message.

1. Share: the held-out Bitext evaluation split (and the shared real-world corpus when present)
   go through the cascade with a stand-in LLM stage that only counts who reaches it.
2. Breaker open: the real LLM stage, pointed at a closed port until its breaker opens and set
   to be asked for every message, against the cascade without any LLM, one message at a time
   on the same messages.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench.classify import corpus_texts, model_folder
from models import Message, Stage, StageResult, Taxonomy
from parsers import message_from_text
from triage.classify.files import load_taxonomy
from triage.classify.training import load_training_data, split
from triage.config import ClassifySettings, LlmSettings, LlmTriggers, Settings
from triage.runtime import build_cascade, build_runtime

ROOT = Path(__file__).resolve().parents[1]
LATENCY_RUNS = 2_000


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


def share(settings: Settings, messages: list[Message], label: str) -> None:
    """Print the share of messages the default triggers send to the LLM, by trigger."""
    stage = CountingStage()
    cascade = build_cascade(settings, stage)
    signals = cascade.classify_many(messages)
    reached = Counter(t for s in signals for t in [_trigger(s.stages)] if t)
    total = sum(reached.values())
    print(f"{label}: {total} of {len(messages)} reach the LLM ({100 * total / len(messages):.1f}%)")
    for trigger, n in reached.most_common():
        print(f"    {n:6d}  {trigger.split(' (')[0]}")


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
    folder = model_folder()
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
    corpus = [
        message_from_text(t.split("\n", 1)[-1], subject=t.split("\n", 1)[0]) for t in corpus_texts()
    ]
    if corpus:
        share(settings, corpus, "shared real-world corpus")
    breaker_latency(settings, messages)
    return 0


if __name__ == "__main__":
    sys.exit(main())
