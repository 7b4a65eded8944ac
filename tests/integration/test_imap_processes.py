"""Two `triage serve` processes watching the same folder: one holds the lease, each mail is
stored once, and when the holder is killed the other takes over."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import IMAP_USER
from tests.integration.imap_server import Dovecot, free_port
from tests.integration.test_imap_backfill import count, keys, numbered

pytestmark = pytest.mark.integration
TRIAGE = [sys.executable, "-m", "triage"]


def _env(dovecot: Dovecot, folder: str, database_url: str, data_dir: Path) -> dict[str, str]:
    mailbox = {
        "name": "orders",
        "host": dovecot.host,
        "port": dovecot.port,
        "security": "none",
        "username": IMAP_USER,
        "password": dovecot.users[IMAP_USER],
        "folders": [folder],
        "poll_seconds": 1,
        "idle_seconds": 5,
    }
    return dict(
        os.environ,
        TRIAGE_DATABASE_URL=database_url,
        TRIAGE_DATA_DIR=str(data_dir),
        TRIAGE_MAILBOXES=json.dumps([mailbox]),
        TRIAGE_API__API_KEY="two-process-test-key",
    )


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    processes: list[subprocess.Popen[bytes]] = []
    yield processes
    for process in processes:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)


def _wait_for(database_url: str, expected: int, seconds: float = 90) -> int:
    deadline = time.monotonic() + seconds
    while (n := count(database_url)) < expected and time.monotonic() < deadline:
        time.sleep(0.3)
    return n


def test_two_serve_processes_store_each_mail_once_and_fail_over(
    dovecot: Dovecot,
    imap_folder: str,
    database_url: str,
    tmp_path: Path,
    serve: list[subprocess.Popen[bytes]],
) -> None:
    env = _env(dovecot, imap_folder, database_url, tmp_path)
    upgraded = subprocess.run([*TRIAGE, "db", "upgrade"], env=env, capture_output=True, timeout=120)
    assert upgraded.returncode == 0, upgraded.stderr
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    for log in logs:
        port_env = dict(env, TRIAGE_API__PORT=str(free_port()))
        with log.open("wb") as out:
            serve.append(
                subprocess.Popen(
                    [*TRIAGE, "serve", "--no-access-log"],
                    env=port_env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            )
    dovecot.append_many(IMAP_USER, imap_folder, [numbered(i) for i in range(40)])
    assert _wait_for(database_url, 40) == 40
    time.sleep(3)  # time for a second, wrong copy to appear
    assert count(database_url) == 40
    said = [log.read_text() for log in logs]
    assert sum("holds the lease: watching" in text for text in said) == 1, said
    assert sum("another instance holds the lease" in text for text in said) == 1, said

    # Kill one of them, lease holder or not: the survivor must carry on with new mail.
    serve[0].send_signal(signal.SIGKILL)
    serve[0].wait(10)
    dovecot.append_many(IMAP_USER, imap_folder, [numbered(i) for i in range(40, 60)])
    assert _wait_for(database_url, 60) == 60
    time.sleep(3)
    assert count(database_url) == 60
    assert keys(database_url) == {f"mid:bf-{i}@shop.example" for i in range(60)}
    assert serve[1].poll() is None, "the surviving process died"
