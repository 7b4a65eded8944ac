"""`triage ingest imap://...`: progress, --since, and SIGKILL in the middle then resume."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, inspect, select

from tests.integration.conftest import IMAP_USER
from tests.integration.imap_server import Dovecot
from triage.store.tables import IngestCursorRow, MessageRow

pytestmark = pytest.mark.integration
TRIAGE = [sys.executable, "-m", "triage"]


def numbered(n: int, day: int = 5) -> bytes:
    return (
        f"From: c{n}@shop.example\r\nSubject: mail {n}\r\nMessage-ID: <bf-{n}@shop.example>\r\n"
        f"Date: Wed, {day:02d} Mar 2025 10:00:00 +0100\r\n\r\nWhere is order S{n:05d}?\r\n"
    ).encode()


def env_for(dovecot: Dovecot, database_url: str, tmp_path: Path) -> dict[str, str]:
    return dict(
        os.environ,
        TRIAGE_DATABASE_URL=database_url,
        TRIAGE_DATA_DIR=str(tmp_path),
        TRIAGE_IMAP_PASSWORD=dovecot.users[IMAP_USER],
    )


def url(dovecot: Dovecot, folder: str) -> str:
    return f"imap://{IMAP_USER}@{dovecot.host}:{dovecot.port}/{folder}?security=none"


def count(database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        if not inspect(engine).has_table("messages"):  # before the first migration
            return 0
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(MessageRow)).scalar() or 0)
    finally:
        engine.dispose()


def keys(database_url: str) -> set[str]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return set(conn.execute(select(MessageRow.key)).scalars())
    finally:
        engine.dispose()


def test_backfill_prints_a_summary_and_honours_since(
    dovecot: Dovecot, imap_folder: str, database_url: str, tmp_path: Path
) -> None:
    for i in range(8):
        dovecot.append(IMAP_USER, imap_folder, numbered(i), msg_time=_march(1 if i < 5 else 10))
    env = env_for(dovecot, database_url, tmp_path)
    done = subprocess.run(
        [*TRIAGE, "ingest", url(dovecot, imap_folder), "--since", "2025-03-08"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "ingested 3, duplicates 0, failed 0" in done.stdout
    assert "orders@" in done.stderr  # the progress line names the mailbox
    assert dovecot.users[IMAP_USER] not in done.stdout + done.stderr


def test_password_in_the_url_is_refused(dovecot: Dovecot, imap_folder: str, tmp_path: Path) -> None:
    bad = f"imap://{IMAP_USER}:secret@{dovecot.host}:{dovecot.port}/{imap_folder}"
    done = subprocess.run(
        [*TRIAGE, "ingest", bad],
        env=dict(os.environ, TRIAGE_DATA_DIR=str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "no password in the URL" in done.stderr


def test_sigkill_mid_backfill_then_resume_stores_each_mail_once(
    dovecot: Dovecot, imap_folder: str, database_url: str, tmp_path: Path
) -> None:
    total = 2000
    dovecot.append_many(IMAP_USER, imap_folder, [numbered(i) for i in range(total)])
    env = env_for(dovecot, database_url, tmp_path)
    command = [*TRIAGE, "ingest", url(dovecot, imap_folder)]
    first = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while count(database_url) < 300 and time.monotonic() < deadline and first.poll() is None:
        time.sleep(0.1)
    assert first.poll() is None, "the backfill finished before it could be killed"
    workers = worker_pids(first.pid)
    first.send_signal(signal.SIGKILL)
    first.wait(30)
    partial = count(database_url)
    assert 0 < partial < total
    # Batches are stored in UID order with the cursor: UIDs 1..cursor, nothing above it.
    assert partial == cursor_uid(database_url)
    assert workers and _all_gone(workers), "the parsing workers outlived their parent"
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert count(database_url) == total
    assert keys(database_url) == {f"mid:bf-{i}@shop.example" for i in range(total)}


def cursor_uid(database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(IngestCursorRow.last_uid)).scalar_one())
    finally:
        engine.dispose()


def worker_pids(parent: int) -> list[int]:
    """The parsing workers of a backfill process: its children started by multiprocessing."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            status = (proc / "status").read_text()
            command = (proc / "cmdline").read_bytes()
        except OSError:  # not a process, or it has just exited
            continue
        if f"\nPPid:\t{parent}\n" in status and b"spawn_main" in command:
            found.append(int(proc.name))
    return found


def _all_gone(pids: list[int]) -> bool:
    for _ in range(600):  # they notice within a second or two; a loaded machine is slower
        if not any(_alive(pid) for pid in pids):
            return True
        time.sleep(0.1)
    return False


def _alive(pid: int) -> bool:
    try:
        return "\nState:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False


def _march(day: int) -> object:
    from datetime import datetime

    return datetime(2025, 3, day, 12, 0, tzinfo=UTC)
