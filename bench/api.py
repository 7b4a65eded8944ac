"""API benchmark: wrk (Debian's package) on loopback against `triage serve` (one worker).

Measures requests/s and p50/p99 latency of POST /v1/classify and, in the same run, of
GET /healthz (the framework's floor). Target: classify >= 50% of healthz throughput.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from triage.classify.classical import MODEL_FILE
from triage.config import get_settings

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DURATION = float(os.environ.get("BENCH_SECONDS", "10"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "16"))
TEXT = "Where is my order S00042? It was due yesterday."


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


def start_server(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    """Start `triage serve` and wait until /healthz answers."""
    command = [BIN / "triage", "serve", "--port", str(port), "--no-access-log"]
    server = subprocess.Popen(command, env=env, cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("server did not start")


def wrk(url: str, script: Path | None = None) -> tuple[float, float, float]:
    """Requests/s, p50 and p99 (ms) from one wrk run (a load generator written in C)."""
    command = ["wrk", "-t1", f"-c{CONCURRENCY}", f"-d{DURATION:.0f}s", "--latency", url]
    if script is not None:
        command[1:1] = ["-s", str(script)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    if "Non-2xx" in output:
        raise SystemExit(f"{url}: errors under load\n{output}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    return rate, _percentile(output, "50"), _percentile(output, "99")


def _percentile(output: str, which: str) -> float:
    value, unit = re.search(rf"^\s+{which}%\s+([\d.]+)(us|ms|s)", output, re.M).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]


def post_script(folder: Path, key: str) -> Path:
    """A wrk Lua script that POSTs one JSON text with the API key."""
    script = folder / "classify.lua"
    body = json.dumps({"text": TEXT}).replace("\\", "\\\\").replace("'", "\\'")
    script.write_text(
        'wrk.method = "POST"\n'
        f"wrk.body = '{body}'\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
        f'wrk.headers["Authorization"] = "Bearer {key}"\n'
    )
    return script


def report(label: str, figures: tuple[float, float, float]) -> float:
    """Print one line of figures and return requests per second."""
    rate, p50, p99 = figures
    print(f"{label:<20} {rate:8,.0f} req/s  p50 {p50:6.2f} ms  p99 {p99:6.2f} ms")
    return rate


def main() -> int:
    """Start a server, load both endpoints, print the figures and the ratio."""
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
    port = free_port()
    server = start_server(env, port)
    base = f"http://127.0.0.1:{port}"
    try:
        print(f"wrk: {CONCURRENCY} connections, {DURATION:.0f} s per endpoint, one server worker")
        wrk(f"{base}/healthz")  # warm-up
        health = report("GET /healthz", wrk(f"{base}/healthz"))
        script = post_script(data_dir, key)
        classify = report("POST /v1/classify", wrk(f"{base}/v1/classify", script))
        print(f"classify / healthz throughput: {classify / health:.0%} (target >= 50%)")
    finally:
        server.terminate()
        server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
