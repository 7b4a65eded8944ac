"""API benchmark: a load generator on loopback against `triage serve` (one worker).

Measures requests/s and p50/p99 latency of POST /v1/classify and, in the same run, of
GET /healthz (the framework's floor). Target: classify >= 50% of healthz throughput.
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
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
TEXTS = [
    "Where is my order S00042? It was due yesterday.",
    "Please cancel order S00051, we ordered the wrong size.",
    "Can you send me a copy of invoice INV/2025/00012?",
    "Our new bank details are attached, please update your records.",
    "The pallet for WH/OUT/00005 arrived damaged, two cartons are crushed.",
]


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


async def load(url: str, method: str, headers: dict[str, str], body: bool) -> list[float]:
    """Keep CONCURRENCY requests in flight for DURATION seconds; return their latencies."""
    latencies: list[float] = []
    stop = time.monotonic() + DURATION
    async with httpx.AsyncClient(headers=headers, timeout=30) as client:

        async def worker(index: int) -> None:
            while time.monotonic() < stop:
                payload = {"text": TEXTS[(index + len(latencies)) % len(TEXTS)]} if body else None
                start = time.perf_counter()
                response = await client.request(method, url, json=payload)
                latencies.append(time.perf_counter() - start)
                if response.status_code != 200:
                    raise SystemExit(f"{url}: HTTP {response.status_code} {response.text}")

        await asyncio.gather(*(worker(i) for i in range(CONCURRENCY)))
    return latencies


def report(label: str, latencies: list[float]) -> float:
    """Print and return requests per second."""
    rate = len(latencies) / DURATION
    p99 = statistics.quantiles(latencies, n=100)[98]
    median = statistics.median(latencies)
    print(f"{label:<20} {rate:8,.0f} req/s  p50 {median * 1e3:6.2f} ms  p99 {p99 * 1e3:6.2f} ms")
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
    auth = {"Authorization": f"Bearer {key}"}
    try:
        print(f"{CONCURRENCY} concurrent clients, {DURATION:.0f} s per endpoint, one server worker")
        asyncio.run(load(f"{base}/healthz", "GET", {}, False))  # warm-up
        health = report("GET /healthz", asyncio.run(load(f"{base}/healthz", "GET", {}, False)))
        classify = report(
            "POST /v1/classify", asyncio.run(load(f"{base}/v1/classify", "POST", auth, True))
        )
        print(f"classify / healthz throughput: {classify / health:.0%} (target >= 50%)")
    finally:
        server.terminate()
        server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
