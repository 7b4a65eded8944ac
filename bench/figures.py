"""Figures the benchmarks measure, kept for the summary that `make bench` prints last.

Each benchmark calls `record(name, value)` for the figures of issue 16's table; they are
written to var/bench/figures.json. `bench/summary.py` prints them next to the figures
measured before the change (bench/baseline.toml) and the goals.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIGURES = Path(os.environ.get("TRIAGE_BENCH_FIGURES", ROOT / "var" / "bench" / "figures.json"))


def record(name: str, value: float) -> None:
    """Keep one measured figure under its name (a later run of the same bench replaces it)."""
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    figures = json.loads(FIGURES.read_text()) if FIGURES.is_file() else {}
    figures[name] = value
    FIGURES.write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n")


def recorded() -> dict[str, float]:
    """Every figure recorded so far."""
    return json.loads(FIGURES.read_text()) if FIGURES.is_file() else {}
