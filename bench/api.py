"""API benchmark: wrk (Debian's package) on loopback against `triage serve`.

For one worker and for one per core, measures requests/s and p50/p99 latency of
GET /healthz (the framework's floor) and of POST /v1/classify with 200 varied texts (subject
and body of the team's examples: several languages and lengths, cycled by the wrk script).
Goals (issue 16): classify >= 50% of healthz throughput on the same worker count, classify
p99 <= 50 ms.
"""

from __future__ import annotations

import csv
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from triage.classify.classical import MODEL_FILE
from triage.config import get_settings

sys.path.insert(0, str(Path(__file__).resolve().parent))
from figures import record  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DURATION = float(os.environ.get("BENCH_SECONDS", "10"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "16"))
TEXTS = 200
RATIO_GOAL, P99_GOAL_MS = 0.5, 50.0


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(data_dir: Path) -> dict[str, str]:
    """Environment for a server with its own data folder and the saved (or a new) model."""
    env = dict(os.environ, TRIAGE_DATA_DIR=str(data_dir), TRIAGE_LOG_LEVEL="WARNING")
    model_dir = get_settings().model_dir.resolve()
    if (model_dir / MODEL_FILE).is_file():
        env["TRIAGE_CLASSIFY__MODEL_DIR"] = str(model_dir)
    else:
        subprocess.run([BIN / "triage", "train"], env=env, check=True, cwd=ROOT)
    return env


def start_server(env: dict[str, str], port: int, workers: int) -> subprocess.Popen[bytes]:
    """Start `triage serve --workers N` and wait until every worker has started."""
    command = [BIN / "triage", "serve", "--port", str(port), "--no-access-log"]
    command += ["--workers", str(workers)]
    log = tempfile.TemporaryFile()
    server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        log.seek(0)
        started = log.read().count(b"Application startup complete")
        if started >= workers and _healthy(port):
            return server
        if server.poll() is not None:
            break
        time.sleep(0.3)
    server.kill()
    log.seek(0)
    raise SystemExit(f"server did not start:\n{log.read().decode(errors='replace')[-3000:]}")


def _healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def wrk(url: str, script: Path | None = None) -> tuple[float, float, float]:
    """Requests/s, p50 and p99 (ms) from one wrk run (a load generator written in C)."""
    command = ["wrk", "-t1", f"-c{CONCURRENCY}", f"-d{DURATION:.0f}s", "--latency", url]
    if script is not None:
        command[1:1] = ["-s", str(script)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    if "Non-2xx" in output or "Socket errors" in output:
        raise SystemExit(f"{url}: errors under load\n{output}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    return rate, _percentile(output, "50"), _percentile(output, "99")


def _percentile(output: str, which: str) -> float:
    value, unit = re.search(rf"^\s+{which}%\s+([\d.]+)(us|ms|s)", output, re.M).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]


def sample_bodies(count: int = TEXTS) -> list[str]:
    """JSON bodies of `count` team examples (subject line, then body), spread over the file."""
    with (ROOT / "data" / "team_examples.csv").open(newline="", encoding="utf-8") as f:
        rows = [row["text"] for row in csv.DictReader(f)]
    step = max(1, len(rows) // count)
    bodies = []
    for text in rows[::step][:count]:
        subject, _, body = text.partition("\n")
        bodies.append(json.dumps({"subject": subject[:2000], "text": body or subject}))
    return bodies


def post_script(folder: Path, key: str) -> Path:
    """A wrk Lua script that POSTs the sample texts in turn, with the API key."""
    bodies = sample_bodies()
    assert not any("]==]" in b for b in bodies)
    table = ",\n".join(f"[==[{b}]==]" for b in bodies)
    script = folder / "classify.lua"
    script.write_text(
        f"local bodies = {{\n{table}\n}}\n"
        "local i = 0\n"
        "local headers = {\n"
        '  ["Content-Type"] = "application/json",\n'
        f'  ["Authorization"] = "Bearer {key}",\n'
        "}\n"
        "request = function()\n"
        "  i = i % #bodies + 1\n"
        '  return wrk.format("POST", nil, headers, bodies[i])\n'
        "end\n",
        encoding="utf-8",
    )
    return script


def report(label: str, figures: tuple[float, float, float]) -> None:
    """Print one line of figures."""
    rate, p50, p99 = figures
    print(f"  {label:<20} {rate:8,.0f} req/s  p50 {p50:7.2f} ms  p99 {p99:7.2f} ms")


def measure(env: dict[str, str], script: Path, workers: int) -> dict[str, float]:
    """Both endpoints against a server with `workers` processes; the figures by name."""
    port = free_port()
    server = start_server(env, port, workers)
    base = f"http://127.0.0.1:{port}"
    try:
        wrk(f"{base}/healthz")  # warm-up
        wrk(f"{base}/v1/classify", script)
        health = wrk(f"{base}/healthz")
        classify = wrk(f"{base}/v1/classify", script)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    print(f"{workers} worker(s):")
    report("GET /healthz", health)
    report("POST /v1/classify", classify)
    ratio = classify[0] / health[0]
    met = ratio >= RATIO_GOAL and classify[2] <= P99_GOAL_MS
    print(
        f"  classify / healthz {ratio:.0%} (goal >= {RATIO_GOAL:.0%}), "
        f"classify p99 {classify[2]:.1f} ms (goal <= {P99_GOAL_MS:.0f} ms): "
        f"{'met' if met else 'MISSED'}"
    )
    return {
        "healthz_rps": health[0],
        "healthz_p99_ms": health[2],
        "classify_rps": classify[0],
        "classify_p50_ms": classify[1],
        "classify_p99_ms": classify[2],
        "ratio": ratio,
    }


def main() -> int:
    """Load both endpoints on one worker, then on one per core; print and record figures."""
    data_dir = Path(tempfile.mkdtemp(prefix="triage-bench-"))
    env = server_env(data_dir)
    key = subprocess.run(
        [BIN / "triage", "apikey", "create", "bench"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    script = post_script(data_dir, key)
    cores = os.cpu_count() or 1
    print(
        f"wrk: {CONCURRENCY} connections, {DURATION:.0f} s per endpoint, "
        f"{TEXTS} varied texts; {cores} core(s)"
    )
    for label, workers in (("w1", 1), ("wN", cores)):
        for name, value in measure(env, script, workers).items():
            record(f"api.{label}.{name}", value)
    return 0


if __name__ == "__main__":
    sys.exit(main())
