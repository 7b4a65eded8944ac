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
from triage.store.tables import MessageRow

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
    first.send_signal(signal.SIGKILL)
    first.wait(30)
    partial = count(database_url)
    assert 0 < partial < total
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert count(database_url) == total
    assert keys(database_url) == {f"mid:bf-{i}@shop.example" for i in range(total)}


def _march(day: int) -> object:
    from datetime import datetime

    return datetime(2025, 3, day, 12, 0, tzinfo=UTC)
