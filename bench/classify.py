"""Classical-stage benchmark: batch throughput, single-message latency, load time, size, RSS.

Uses the saved model (TRIAGE data dir), or trains one into a temporary folder when none
exists. Inputs: the held-out Bitext split and, when present, the shared real-world corpus.
"""

from __future__ import annotations

import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

from parsers import parse_message
from triage.classify.classical import MODEL_FILE, ClassicalModel, model_text
from triage.classify.files import load_taxonomy
from triage.classify.training import load_training_data, split, train
from triage.config import get_settings

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT.parent / "shared" / "corpora"
SINGLE_RUNS = 2_000


def model_folder() -> Path:
    """The saved model's folder, training one into a temporary folder if needed."""
    folder = get_settings().model_dir
    if (folder / MODEL_FILE).is_file():
        return folder
    folder = Path(tempfile.mkdtemp()) / "classical"
    print(f"no saved model: training one into {folder}")
    train(load_training_data(ROOT / "data", load_taxonomy())).model.save(folder)
    return folder


def corpus_texts(limit: int = 5_000) -> list[str]:
    """Subject plus new text of real mails, as the model reads them."""
    if not CORPORA.is_dir():
        return []
    files = sorted(p for p in CORPORA.rglob("*") if p.is_file() and p.name != "README.md")
    messages = (parse_message(p.read_bytes()) for p in files[:limit])
    return [model_text(m.subject, m.text) for m in messages]


def batch_rate(model: ClassicalModel, texts: list[str], label: str) -> None:
    """Messages per second for one batched call (best of three)."""
    best = min(_timed(lambda: model.predict_proba(texts)) for _ in range(3))
    chars = sum(map(len, texts)) / len(texts)
    rate = len(texts) / best
    print(f"batch {label:<22} {rate:10,.0f} msg/s  ({len(texts)} texts, {chars:.0f} chars avg)")


def single_latency(model: ClassicalModel, texts: list[str]) -> None:
    """Median and p99 latency of one message at a time."""
    samples = [_timed(lambda t=t: model.predict_proba([t])) for t in texts[:SINGLE_RUNS]]
    p99 = statistics.quantiles(samples, n=100)[98]
    print(
        f"single message: median {statistics.median(samples) * 1e3:.2f} ms, p99 {p99 * 1e3:.2f} ms"
    )


def _timed(action: object) -> float:
    assert callable(action)
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> int:
    """Run the benchmark and print its figures."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    folder = model_folder()
    start = time.perf_counter()
    model = ClassicalModel.load(folder)
    print(
        f"model {model.version}: load {time.perf_counter() - start:.2f} s, "
        f"file {(folder / MODEL_FILE).stat().st_size / 1e6:.1f} MB"
    )
    heldout = [e.text for e in split(load_training_data(ROOT / "data", load_taxonomy())).test]
    batch_rate(model, heldout * 8, "held-out Bitext")
    corpus = corpus_texts()
    if corpus:
        batch_rate(model, corpus, "real corpus mails")
    single_latency(model, heldout * 3)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
