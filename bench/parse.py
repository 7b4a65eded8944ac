"""Parse benchmark: bare stdlib parse vs our full parse over the shared real-world corpus.

Prints messages per second for both, the ratio (target: full >= 1/3 of bare) and the
peak memory of a full parse of the largest message.
"""

from __future__ import annotations

import email
import sys
import time
import tracemalloc
from email import policy
from pathlib import Path

from parsers import parse_message

CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"
ROUNDS = 3


def load(folder: Path) -> list[bytes]:
    """Every corpus file's bytes, read once so disk time stays out of the figures."""
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "README.md")
    return [p.read_bytes() for p in files]


def best_rate(label: str, raws: list[bytes], parse: object) -> float:
    """Messages per second of the best of ROUNDS passes."""
    assert callable(parse)
    best = float("inf")
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for raw in raws:
            parse(raw)
        best = min(best, time.perf_counter() - start)
    rate = len(raws) / best
    print(f"{label:<28} {rate:10,.0f} msg/s  ({best:.2f} s for {len(raws)} messages)")
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
    base = best_rate("stdlib message_from_bytes", raws, bare)
    full = best_rate("triage parse_message", raws, parse_message)
    print(f"ratio full/bare: {full / base:.2f} (target >= 0.33)")
    largest = max(raws, key=len)
    peak = peak_memory(largest)
    print(f"largest message: {len(largest) / 1e6:.2f} MB, peak memory {peak / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
