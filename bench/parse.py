"""Parse benchmark: bare stdlib parse vs our full parse over the shared real-world corpus.

Prints messages per second for both, the ratio (target: full >= 1/3 of bare) and the
peak memory of a full parse of the largest message.
"""

from __future__ import annotations

import email
import sys
import time
import tracemalloc
from collections.abc import Callable
from email import policy
from pathlib import Path

from parsers import parse_message

sys.path.insert(0, str(Path(__file__).resolve().parent))
from figures import record  # noqa: E402

CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"
ROUNDS = 5


def load(folder: Path) -> list[bytes]:
    """Every corpus file's bytes, read once so disk time stays out of the figures."""
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "README.md")
    return [p.read_bytes() for p in files]


def one_pass(raws: list[bytes], parse: Callable[[bytes], object]) -> float:
    """Seconds for one pass over every message."""
    start = time.perf_counter()
    for raw in raws:
        parse(raw)
    return time.perf_counter() - start


def best_times(raws: list[bytes]) -> tuple[float, float]:
    """Best pass time of the bare and the full parse, rounds interleaved so drift hits both."""
    bare_best = full_best = float("inf")
    for _ in range(ROUNDS):
        bare_best = min(bare_best, one_pass(raws, bare))
        full_best = min(full_best, one_pass(raws, parse_message))
    return bare_best, full_best


def show(label: str, count: int, seconds: float) -> float:
    """Print and return messages per second."""
    rate = count / seconds
    print(f"{label:<28} {rate:10,.0f} msg/s  ({seconds:.2f} s for {count} messages)")
    return rate


def bare(raw: bytes) -> object:
    """The baseline: the standard library's parser alone."""
    return email.message_from_bytes(raw, policy=policy.default)


def peak_memory(raw: bytes) -> int:
    """Peak bytes allocated by one full parse."""
    tracemalloc.start()
    parse_message(raw)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def main() -> int:
    """Run the benchmark and print its figures."""
    if not CORPORA.is_dir():
        print(f"corpus not found at {CORPORA}", file=sys.stderr)
        return 1
    raws = load(CORPORA)
    print(f"corpus: {CORPORA} ({len(raws)} messages, {sum(map(len, raws)) / 1e6:.1f} MB)")
    parse_message(raws[0])  # load the language model before timing
    bare_time, full_time = best_times(raws)
    base = show("stdlib message_from_bytes", len(raws), bare_time)
    full = show("triage parse_message", len(raws), full_time)
    print(f"ratio full/bare: {full / base:.2f} (target >= 0.33)")
    record("parse.ratio", full / base)
    record("parse.full_msg_s", full)
    largest = max(raws, key=len)
    peak = peak_memory(largest)
    print(f"largest message: {len(largest) / 1e6:.2f} MB, peak memory {peak / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
