"""Start-up benchmark: wall time of `triage --help` and `triage classify TEXT`, and what
`import triage.cli` spends its time importing.

Each command runs once untimed (to warm the disk cache), then 5 times; the median is printed
next to its goal. `triage classify` uses the saved model, or trains one into a temporary
folder when none exists, and runs without the LLM (rules and the classical model).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from triage.classify.classical import MODEL_FILE
from triage.config import get_settings

sys.path.insert(0, str(Path(__file__).resolve().parent))

from figures import record  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TRIAGE = Path(sys.executable).parent / "triage"
RUNS = 5
TEXT = "Where is my order S00042?"


def model_env() -> dict[str, str]:
    """The environment the commands run in: the saved model (or a new one), no LLM."""
    env = dict(os.environ)
    env.pop("TRIAGE_LLM_BASE_URL", None)
    folder = get_settings().model_dir
    if not (folder / MODEL_FILE).is_file():
        from triage.classify.files import load_taxonomy
        from triage.classify.training import load_training_data, train

        print(f"no saved model in {folder}: training one into a temporary folder")
        folder = Path(tempfile.mkdtemp()) / "classical"
        train(load_training_data(ROOT / "data", load_taxonomy())).model.save(folder)
        env["TRIAGE_CLASSIFY__MODEL_DIR"] = str(folder)
    return env


def median_wall(args: list[str], env: dict[str, str]) -> float:
    """Median wall time in seconds of running `args` RUNS times, after one untimed run."""
    subprocess.run(args, env=env, check=True, capture_output=True)
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(args, env=env, check=True, capture_output=True)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def report(label: str, seconds: float, goal: float) -> None:
    """One figure with its goal and whether it is met."""
    verdict = "met" if seconds <= goal else "MISSED"
    print(f"{label:<44} median {seconds:6.2f} s over {RUNS} runs  (goal <= {goal} s: {verdict})")


def import_costs(top: int = 5) -> None:
    """The packages `import triage.cli` spends most time importing (-X importtime, self)."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import triage.cli"],
        check=True,
        capture_output=True,
        text=True,
    )
    by_package: Counter[str] = Counter()
    for line in result.stderr.splitlines():
        fields = line.removeprefix("import time:").split("|")
        if len(fields) == 3 and fields[0].strip().isdigit():
            by_package[fields[2].strip().split(".")[0]] += int(fields[0])
    total = sum(by_package.values())
    print(f"import triage.cli: {total / 1e3:.0f} ms of imports; the top {top} packages:")
    for package, micros in by_package.most_common(top):
        print(f"    {micros / 1e3:7.0f} ms  {package}")


def main() -> int:
    """Run the benchmark and print its figures."""
    env = model_env()
    help_s = median_wall([str(TRIAGE), "--help"], env)
    report("triage --help", help_s, 0.5)
    classify_s = median_wall([str(TRIAGE), "classify", TEXT], env)
    report(f"triage classify {TEXT!r}", classify_s, 2.0)
    record("startup.help_s", help_s)
    record("startup.classify_s", classify_s)
    import_costs()
    return 0


if __name__ == "__main__":
    sys.exit(main())
