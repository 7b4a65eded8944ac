"""Nobody left guessing: mailbox health in `triage status`, /v1/status and /metrics."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from tests.integration.conftest import IMAP_USER
from tests.integration.imap_server import Dovecot
from tests.integration.test_imap_ingest import mail, mailbox_settings
from triage.cli import app as cli
from triage.config import ClassifySettings, MailboxSettings, Settings, get_settings

pytestmark = pytest.mark.integration


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_readyz_and_metrics_follow_the_watcher(
    dovecot: Dovecot, imap_folder: str, database_url: str, tmp_path: Path, trained_model_dir: Path
) -> None:
    dovecot.append(IMAP_USER, imap_folder, mail(1))
    mailbox = mailbox_settings(dovecot, imap_folder, poll_seconds=600, stale_after_seconds=3)
    settings = Settings(
        database_url=database_url,
        data_dir=tmp_path,
        mailboxes=[mailbox],
        classify=ClassifySettings(model_dir=trained_model_dir),
        api={"api_key": "health-test-key-0123456789"},
    )
    auth = {"Authorization": "Bearer health-test-key-0123456789"}
    with TestClient(create_app(settings)) as client:
        deadline = time.monotonic() + 20
        while client.get("/readyz").status_code != 200 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert client.get("/readyz").json() == {"status": "ready"}
        ready = client.get("/v1/status", headers=auth).json()
        folder = ready["mailboxes"][f"orders/{imap_folder}"]
        assert ready["status"] == "ready" and folder["stale"] is False
        assert folder["last_message_at"] is not None and folder["errors"] == 0
        metrics = client.get("/metrics", headers=auth).text
        assert f'triage_mailbox_backlog{{account="orders",folder="{imap_folder}"}} 0.0' in metrics
        time.sleep(3.5)  # no poll for longer than stale_after_seconds (IDLE waits 600 s)
        assert client.get("/readyz").json() == {"status": "not_ready"}
        late = client.get("/v1/status", headers=auth)
        assert late.status_code == 503
        assert late.json()["mailboxes"][f"orders/{imap_folder}"]["stale"] is True


def test_status_command_shows_each_folder(
    dovecot: Dovecot,
    imap_folder: str,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    cli_env: None,
) -> None:
    mailbox = mailbox_settings(dovecot, imap_folder)
    monkeypatch.setenv("TRIAGE_DATABASE_URL", database_url)
    monkeypatch.setenv("TRIAGE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv(
        "TRIAGE_MAILBOXES",
        json.dumps([mailbox.model_dump(mode="json") | {"password": dovecot.users[IMAP_USER]}]),
    )
    monkeypatch.setenv("COLUMNS", "200")
    runner = CliRunner()
    before = runner.invoke(cli, ["status"])
    assert before.exit_code == 0 and "STALE" in before.output and "never" in before.output
    monkeypatch.setenv("TRIAGE_IMAP_PASSWORD", dovecot.users[IMAP_USER])
    url = f"imap://{IMAP_USER}@{dovecot.host}:{dovecot.port}/{imap_folder}"
    assert runner.invoke(cli, ["ingest", url]).exit_code == 0
    after = runner.invoke(
        cli,
        [
            "status",
        ],
        terminal_width=200,
    )
    assert after.exit_code == 0, after.output
    assert f"orders/{imap_folder}" in after.output and " ok" in after.output
    assert dovecot.users[IMAP_USER] not in after.output


def test_a_dead_mailbox_is_logged_as_stale_and_keeps_retrying(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from tests.integration.imap_server import free_port
    from triage.ingest.service import WatcherPool, build_watchers
    from triage.runtime import opened_runtime

    closed = MailboxSettings(
        name="gone",
        host="127.0.0.1",
        port=free_port(),
        security="none",
        username="x",
        password="y",
        stale_after_seconds=0.5,
        timeout_seconds=2,
    )
    with opened_runtime(Settings(data_dir=tmp_path, mailboxes=[closed])) as runtime:
        pool = WatcherPool(build_watchers(runtime, [closed]), runtime)
        pool.start()
        try:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and not any(
                "has not completed a poll" in r.message for r in caplog.records
            ):
                time.sleep(0.2)
        finally:
            pool.stop()
        health = runtime.mailbox_state.health()
    assert any("gone/INBOX has not completed a poll" in r.message for r in caplog.records)
    assert health and health[0].errors >= 1 and "connect" in health[0].last_error
