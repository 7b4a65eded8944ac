"""Issue 16's table: each figure before the change, now, the goal, and whether it is met.

`before` comes from bench/baseline.toml (measured on this kind of machine at the commit it
names, with the benchmarks of that commit); `now` from what the benchmarks of this run
recorded (bench/figures.py). Run last by `make bench`.
"""

from __future__ import annotations

import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from figures import recorded  # noqa: E402

BASELINE = Path(__file__).resolve().parent / "baseline.toml"


@dataclass(frozen=True)
class Row:
    """One line of the table: a figure, its unit and its goal."""

    label: str
    key: str
    unit: str
    goal: str  # "<= 0.5", ">= 0.5", "x>= 10" (times before), "-<= 0.005" (drop from before)

    def target(self, before: float | None) -> tuple[str, float | None]:
        """The comparison and the bound (None when it needs a before that is missing)."""
        kind, number = self.goal.split(" ")
        bound = float(number)
        if kind == "x>=":
            return ">=", None if before is None else before * bound
        if kind == "-<=":
            return ">=", None if before is None else before - bound
        return kind, bound


ROWS = [
    Row("triage --help", "startup.help_s", "s", "<= 0.5"),
    Row("triage classify TEXT", "startup.classify_s", "s", "<= 2"),
    Row("classify/healthz, 1 worker", "api.w1.ratio", "", ">= 0.5"),
    Row("classify p99, 1 worker", "api.w1.classify_p99_ms", "ms", "<= 50"),
    Row("classify req/s, 1 worker", "api.w1.classify_rps", "req/s", "x>= 1"),
    Row("classify/healthz, N workers", "api.wN.ratio", "", ">= 0.5"),
    Row("classify p99, N workers", "api.wN.classify_p99_ms", "ms", "<= 50"),
    Row("classical model, corpus mail", "classify.corpus_msg_s", "msg/s", ">= 2000"),
    Row("  the same, per CPU second", "classify.corpus_msg_s_cpu", "msg/s", ">= 2000"),
    Row("classical macro-F1", "classify.macro_f1", "", "-<= 0.005"),
    Row("backfill with classification", "backfill.classified_msg_s", "msg/s", "x>= 10"),
    Row("  the same, share of both cores busy", "backfill.classified_cpu_busy", "", ">= 0.9"),
    Row("bare imapclient fetch", "backfill.bare_msg_s", "msg/s", "x>= 0"),
    Row("full parse / stdlib parse", "parse.ratio", "", ">= 0.333"),
]


def _show(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    text = f"{value:,.3f}" if abs(value) < 10 else f"{value:,.0f}"
    return f"{text} {unit}".strip()


def verdict(row: Row, before: float | None, now: float | None) -> tuple[str, str]:
    """The goal as text and met/missed/not measured."""
    kind, bound = row.target(before)
    if bound is None:
        return row.goal, "no before figure"
    goal = f"{kind} {_show(bound, row.unit)}"
    if now is None:
        return goal, "not measured in this run"
    met = now <= bound if kind == "<=" else now >= bound
    return goal, "met" if met else "MISSED"


def main() -> int:
    """Print the table."""
    baseline = tomllib.loads(BASELINE.read_text()) if BASELINE.is_file() else {}
    before_figures = baseline.get("figures", {})
    now_figures = recorded()
    meta = baseline.get("meta", {})
    print(f"before: {meta.get('commit', '?')} measured {meta.get('measured', '?')}")
    print(f"{'figure':<32} {'before':>14} {'now':>14}  {'goal':<16} result")
    same_run = False
    for row in ROWS:
        before, now = before_figures.get(row.key), now_figures.get(row.key)
        if (this_run := now_figures.get(_same_run_key(row.key))) is not None:
            before, same_run = this_run, True
        goal, result = verdict(row, before, now)
        print(
            f"{row.label:<32} {_show(before, row.unit):>14} {_show(now, row.unit):>14}"
            f"  {goal:<16} {result}"
        )
    if same_run:
        print("classical rows: before = the old features trained and measured in this same run")
    return 0


def _same_run_key(key: str) -> str:
    """Where a benchmark that measures the old way in the same run records its before."""
    area, _, name = key.partition(".")
    return f"{area}.same_run_before.{name}"


if __name__ == "__main__":
    sys.exit(main())
