"""Classical-stage benchmark: the model BEFORE (n-grams built as strings, `mail_ngrams`) and
AFTER (the same n-grams counted with numpy, `MailGrams`), trained here on the same split.

Per model: batch msg/s on real mail (the shared corpora as the model reads them, subject plus
new text) and on held-out Bitext lines, single-message latency, macro-F1 on three held-out
sets, the per-mail cost of the classical part of the cascade (whole text, request segments,
familiarity check), training time, load time, file size. One thread (OMP_NUM_THREADS=1): the
figures are per core. Goal: >= 2,000 msg/s per core on real mail, macro-F1 within 0.005.
"""

from __future__ import annotations

import csv
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before numpy loads: figures per core

import resource  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from functools import partial  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

from figures import record  # noqa: E402

from models import Message, Taxonomy  # noqa: E402
from parsers import parse_message  # noqa: E402
from triage.classify.cascade import Cascade  # noqa: E402
from triage.classify.classical import MODEL_FILE, ClassicalModel, Features, model_text  # noqa: E402
from triage.classify.evaluation import evaluate  # noqa: E402
from triage.classify.files import load_taxonomy  # noqa: E402
from triage.classify.rules import load_rules  # noqa: E402
from triage.classify.training import TEAM, Example, load_training_data, predictions, train  # noqa: E402
from triage.config import get_settings  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT.parent / "shared" / "corpora"
MULTILINGUAL = ROOT / "data" / "multilingual_eval.csv"
CORPUS_LIMIT = 5_000
SINGLE_RUNS = 1_000
RATE_GOAL = 2_000
F1_SLACK = 0.005
VARIANTS: dict[str, Features] = {"BEFORE": "mail_ngrams", "AFTER": "grams"}


def corpus_messages(limit: int = CORPUS_LIMIT) -> list[Message]:
    """Real mails of the shared corpora, parsed (empty when the corpora are absent)."""
    if not CORPORA.is_dir():
        return []
    files = sorted(p for p in CORPORA.rglob("*") if p.is_file() and p.name != "README.md")
    return [parse_message(p.read_bytes()) for p in files[:limit]]


def corpus_texts(limit: int = CORPUS_LIMIT) -> list[str]:
    """Subject plus new text of real mails, as the model reads them."""
    return [model_text(m.subject, m.text) for m in corpus_messages(limit)]


def model_folder() -> Path:
    """The saved model's folder, training one into a temporary folder if needed."""
    folder = get_settings().model_dir
    if (folder / MODEL_FILE).is_file():
        return folder
    folder = Path(tempfile.mkdtemp()) / "classical"
    print(f"no saved model: training one into {folder}")
    train(load_training_data(ROOT / "data", load_taxonomy())).model.save(folder)
    return folder


def multilingual() -> list[Example]:
    """The team's multilingual evaluation mails, as the model reads them."""
    with MULTILINGUAL.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [Example(model_text(r["subject"], r["text"]), r["intent"], "eval") for r in rows]


def timed(action: Callable[[], object]) -> float:
    """Wall-clock seconds of one call."""
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def cpu_timed(action: Callable[[], object]) -> float:
    """CPU seconds of one call (this process): what a busy machine takes least away from."""
    start = time.process_time()
    action()
    return time.process_time() - start


def batch_rate(model: ClassicalModel, texts: list[str]) -> tuple[float, float]:
    """Messages per second for one batched call, wall clock and CPU time (best of three)."""
    wall = min(timed(lambda: model.predict_proba(texts)) for _ in range(3))
    cpu = min(cpu_timed(lambda: model.predict_proba(texts)) for _ in range(3))
    return len(texts) / wall, len(texts) / cpu


def single_latency(model: ClassicalModel, texts: list[str]) -> str:
    """Median and p99 latency of one message at a time."""
    samples = [timed(partial(model.predict_proba, [t])) for t in texts[:SINGLE_RUNS]]
    p99 = statistics.quantiles(samples, n=100)[98]
    return f"median {statistics.median(samples) * 1e3:.2f} ms, p99 {p99 * 1e3:.2f} ms"


def macro_f1(model: ClassicalModel, examples: list[Example]) -> float:
    """Macro-F1 of the model's top answer."""
    predicted, confidence = predictions(model, [e.text for e in examples])
    truth = [e.label for e in examples]
    meta = model.metadata
    return evaluate(truth, predicted, confidence, meta.thresholds, meta.target_precision).macro_f1


def cascade_cost(model: ClassicalModel, taxonomy: Taxonomy, messages: list[Message]) -> float:
    """Microseconds per mail of the cascade's classical part: whole text, segments, familiarity."""
    cascade = Cascade(taxonomy, load_rules(), model)

    def classical_part() -> None:
        cascade._probabilities(messages)
        cascade._similarity(messages)

    return min(timed(classical_part) for _ in range(3)) / len(messages) * 1e6


def measure(
    label: str, features: Features, examples: list[Example], corpus: list[Message]
) -> dict[str, float]:
    """Train one variant, print its figures, return the ones the goal compares."""
    start = time.perf_counter()
    result = train(examples, features=features)
    trained = time.perf_counter() - start
    folder = Path(tempfile.mkdtemp()) / "classical"
    result.model.save(folder)
    start = time.perf_counter()
    model = ClassicalModel.load(folder)
    loaded = time.perf_counter() - start
    size = (folder / MODEL_FILE).stat().st_size / 1e6
    print(
        f"{label} ({features}): trained in {trained:.1f} s (incl. 5 out-of-fold fits), "
        f"load {loaded:.2f} s, file {size:.1f} MB"
    )
    figures: dict[str, float] = {}
    splits = result.splits
    sets = {
        "held-out Bitext": splits.test,
        "team validation": [e for e in splits.validation if e.source == TEAM],
        "multilingual_eval": multilingual(),
    }
    for name, held in sets.items():
        figures[f"F1 {name}"] = macro_f1(model, held)
    print("    macro-F1: " + ", ".join(f"{k[3:]} {v:.4f}" for k, v in figures.items()))
    bitext = [e.text for e in splits.test]
    texts = [model_text(m.subject, m.text) for m in corpus]
    if texts:
        figures["rate"], figures["cpu rate"] = batch_rate(model, texts)
        chars = sum(map(len, texts)) / len(texts)
        print(
            f"    batch real corpus mail  {figures['rate']:8,.0f} msg/s wall, "
            f"{figures['cpu rate']:8,.0f} msg/s CPU time  "
            f"({len(texts)} texts, {chars:.0f} chars avg)"
        )
    wall, cpu = batch_rate(model, bitext * 8)
    print(
        f"    batch held-out Bitext   {wall:8,.0f} msg/s wall, {cpu:8,.0f} msg/s CPU time  "
        f"({len(bitext) * 8} texts, {sum(map(len, bitext)) / len(bitext):.0f} chars avg)"
    )
    print(f"    single message, Bitext: {single_latency(model, bitext * 3)}")
    if texts:
        print(f"    single message, corpus: {single_latency(model, texts)}")
        per_mail = cascade_cost(model, load_taxonomy(), corpus)
        print(
            f"    cascade classical part (text + segments + familiarity): "
            f"{per_mail:,.0f} us per corpus mail"
        )
    return figures


def verdict(before: dict[str, float], after: dict[str, float]) -> None:
    """Print the goal, the figures it compares, and met or missed."""
    if "rate" in after:
        met = "met" if after["rate"] >= RATE_GOAL else "MISSED"
        print(
            f"goal >= {RATE_GOAL:,} msg/s per core on real mail: BEFORE {before['rate']:,.0f}, "
            f"AFTER {after['rate']:,.0f} ({after['rate'] / before['rate']:.1f}x): {met} "
            f"(wall clock; in CPU time BEFORE {before['cpu rate']:,.0f}, AFTER "
            f"{after['cpu rate']:,.0f}: a busy machine lowers the wall-clock figures)"
        )
    else:
        print(f"goal >= {RATE_GOAL:,} msg/s per core on real mail: not measured ({CORPORA} absent)")
    for key in (k for k in after if k.startswith("F1")):
        held = after[key] >= before[key] - F1_SLACK
        print(
            f"goal macro-F1 within {F1_SLACK} on {key[3:]}: BEFORE {before[key]:.4f}, "
            f"AFTER {after[key]:.4f}: {'met' if held else 'MISSED'}"
        )


def main() -> int:
    """Train both variants on the same data and print their figures side by side."""
    examples = load_training_data(ROOT / "data", load_taxonomy())
    corpus = corpus_messages()
    figures = {label: measure(label, f, examples, corpus) for label, f in VARIANTS.items()}
    verdict(figures["BEFORE"], figures["AFTER"])
    for label, prefix in (("AFTER", "classify"), ("BEFORE", "classify.same_run_before")):
        if "rate" in figures[label]:
            record(f"{prefix}.corpus_msg_s", figures[label]["rate"])
            record(f"{prefix}.corpus_msg_s_cpu", figures[label]["cpu rate"])
        record(f"{prefix}.macro_f1", figures[label]["F1 team validation"])
        record(f"{prefix}.macro_f1_multilingual", figures[label]["F1 multilingual_eval"])
        record(f"{prefix}.macro_f1_bitext", figures[label]["F1 held-out Bitext"])
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MB (both models and the corpus in one process)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
