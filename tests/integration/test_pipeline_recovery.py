"""`triage serve` with no mailbox, killed between store and classify: after a restart the
recovery sweep finishes every stored mail, once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select

from tests.integration.imap_server import free_port
from tests.integration.llm_server import Delay, LlmServer
from tests.integration.test_serve_demo import _wait_healthy
from triage.store.tables import MessageRow, PipelineRow, SignalRow

pytestmark = pytest.mark.integration
TRIAGE = [sys.executable, "-m", "triage"]
MAILS = 6


def _mail(n: int) -> bytes:
    return (
        f"From: buyer{n}@shop.example\r\nSubject: order {n}\r\n"
        f"Message-ID: <kill{n}@shop.example>\r\nDate: Wed, 05 Mar 2025 10:00:00 +0100\r\n\r\n"
        f"Hello, when will order S{n:05d} be delivered?\r\n"
    ).encode()


def _post(port: int, key: str, raw: bytes) -> None:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/v1/messages",
        data=raw,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "message/rfc822"},
    )
    try:
        urllib.request.urlopen(request, timeout=60).close()
    except OSError:
        pass  # the server is killed while it works on this mail


def _counts(url: str) -> tuple[int, int, dict[str, int], dict[str, int]]:
    """(messages, signals, signals per message, pipeline states)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            messages = conn.scalar(select(func.count()).select_from(MessageRow)) or 0
            per = {
                str(message_id): int(n)
                for message_id, n in conn.execute(
                    select(SignalRow.message_id, func.count()).group_by(SignalRow.message_id)
                )
            }
            states = {
                str(state): int(n)
                for state, n in conn.execute(
                    select(PipelineRow.state, func.count()).group_by(PipelineRow.state)
                )
            }
    finally:
        engine.dispose()
    return int(messages), sum(per.values()), per, states


@contextmanager
def _serving(env: dict[str, str], log: Path) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    """`triage serve` on a free port, answering; stopped (if still alive) afterwards."""
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*TRIAGE, "serve", "--no-access-log", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_healthy(port, process)
            yield port, process
        finally:
            process.terminate()
            process.wait(30)


def _wait(check: Any, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_a_killed_server_finishes_every_stored_mail_once_after_restart(
    tmp_path: Path, trained_model_dir: Path, llm: LlmServer
) -> None:
    url = f"sqlite:///{tmp_path / 'triage.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIAGE_")}
    env |= {
        "TRIAGE_DATABASE_URL": url,
        "TRIAGE_DATA_DIR": str(tmp_path),
        "TRIAGE_CLASSIFY__MODEL_DIR": str(trained_model_dir),
        "TRIAGE_LLM_BASE_URL": llm.url,
        "TRIAGE_LLM_API_KEY": "test-key",
        "TRIAGE_LLM__RUN_WHEN__LANGUAGES": '["xx"]',  # every mail goes to the LLM
        "TRIAGE_LLM__DEADLINE_SECONDS": "120",
        "TRIAGE_PIPELINE__STALE_CLAIM_SECONDS": "1",
        "TRIAGE_PIPELINE__SWEEP_SECONDS": "1",
        "TRIAGE_WORKER__ENABLED": "false",
    }
    created = subprocess.run(
        [*TRIAGE, "apikey", "create", "ops"], env=env, capture_output=True, timeout=120
    )
    assert created.returncode == 0, created.stderr
    key = created.stdout.decode().strip()
    llm.respond_with(lambda body: Delay(120))  # classification hangs: the mail is stored only

    with _serving(env, tmp_path / "first.log") as (port, first):
        posts = [
            threading.Thread(target=_post, args=(port, key, _mail(n)), daemon=True)
            for n in range(MAILS)
        ]
        for post in posts:
            post.start()
        _wait(lambda: _counts(url)[0] == MAILS and llm.calls >= 1, 60)
        first.send_signal(signal.SIGKILL)  # between store and classify
    messages, signals, _, states = _counts(url)
    assert (messages, signals) == (MAILS, 0)
    assert states == {"pending": MAILS}

    llm.respond_with(None)  # the LLM answers again (an empty answer: the classical one holds)
    with _serving(env, tmp_path / "second.log"):
        _wait(lambda: _counts(url)[3] == {"done": MAILS}, 90)
    messages, signals, per, _ = _counts(url)
    assert (messages, signals) == (MAILS, MAILS)
    assert set(per.values()) == {1}
    assert "recovery sweep" in (tmp_path / "second.log").read_text()
