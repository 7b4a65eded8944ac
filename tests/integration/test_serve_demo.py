"""`triage serve --demo-mailbox` with no mailbox configured: one line says so, the demo mails
are stored once at start, and a restart stores none of them again."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.integration.imap_server import free_port
from tests.integration.test_imap_backfill import count
from triage.ingest.sources import plan

pytestmark = pytest.mark.integration
TRIAGE = [sys.executable, "-m", "triage"]
DEMO = Path(__file__).parents[1] / "fixtures" / "emails"
SAID = "no mailbox configured (TRIAGE_MAILBOXES): using the demo mailbox"


def _serve_once(env: dict[str, str], log: Path) -> str:
    """Start serve, wait until it answers, stop it; return what it logged."""
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*TRIAGE, "serve", "--no-access-log", "--port", str(port), "--demo-mailbox", str(DEMO)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_healthy(port, process)
        finally:
            process.terminate()
            process.wait(30)
    return log.read_text()


def _wait_healthy(port: int, process: subprocess.Popen[bytes], seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "serve exited before it answered"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError("serve did not answer /healthz in time")


def test_demo_mailbox_is_announced_and_stored_once(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'triage.db'}"
    env = {k: v for k, v in os.environ.items() if k != "TRIAGE_MAILBOXES"}
    env |= {"TRIAGE_DATABASE_URL": database_url, "TRIAGE_DATA_DIR": str(tmp_path)}
    upgraded = subprocess.run([*TRIAGE, "db", "upgrade"], env=env, capture_output=True, timeout=120)
    assert upgraded.returncode == 0, upgraded.stderr
    expected = sum(f.count for f in plan([DEMO]))

    first = _serve_once(env, tmp_path / "first.log")
    assert sum(SAID in line for line in first.splitlines()) == 1, first
    assert f"ingested {expected}, duplicates 0, failed 0" in first
    assert count(database_url) == expected

    second = _serve_once(env, tmp_path / "second.log")
    assert f"ingested 0, duplicates {expected}, failed 0" in second
    assert count(database_url) == expected


def test_a_configured_mailbox_replaces_the_demo(tmp_path: Path) -> None:
    mailbox = json.dumps(
        [{"name": "orders", "host": "127.0.0.1", "port": 1, "username": "u", "password": "p"}]
    )
    database_url = f"sqlite:///{tmp_path / 'triage.db'}"
    env = dict(
        os.environ,
        TRIAGE_DATABASE_URL=database_url,
        TRIAGE_DATA_DIR=str(tmp_path),
        TRIAGE_MAILBOXES=mailbox,
    )
    upgraded = subprocess.run([*TRIAGE, "db", "upgrade"], env=env, capture_output=True, timeout=120)
    assert upgraded.returncode == 0, upgraded.stderr
    said = _serve_once(env, tmp_path / "serve.log")
    assert "watching 1 mailbox folder(s)" in said
    assert "no mailbox configured" not in said
    assert count(database_url) == 0
