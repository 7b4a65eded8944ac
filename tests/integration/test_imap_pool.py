"""The IMAP backfill's pool of parsing workers against a real Dovecot: the same signals as
one process, each mail stored once, and a killed worker loses and duplicates nothing."""

from __future__ import annotations

import os
import re
import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import FIXTURES
from tests.integration.conftest import IMAP_USER
from tests.integration.imap_server import Dovecot
from tests.integration.test_imap_backfill import worker_pids
from tests.integration.test_imap_ingest import mailbox_settings
from triage.config import ClassifySettings, MailboxSettings, PipelineSettings, Settings
from triage.errors import IngestError
from triage.ingest.imap import ImapMailbox
from triage.ingest.service import build_watchers
from triage.runtime import Runtime, build_runtime
from triage.store.tables import MessageRow, SignalRow

pytestmark = pytest.mark.integration
_UID = re.compile(r";UID=(\d+)$")
Make = Callable[[MailboxSettings, int, str], Runtime]


def numbered(n: int) -> bytes:
    return (
        f"From: c{n}@shop.example\r\nSubject: mail {n}\r\nMessage-ID: <pool-{n}@shop.example>\r\n"
        f"Date: Wed, 05 Mar 2025 10:00:00 +0100\r\n\r\nWhere is order S{n:05d}? It is late.\r\n"
    ).encode()


@pytest.fixture
def make_runtime(tmp_path: Path, trained_model_dir: Path) -> Iterator[Make]:
    made: list[Runtime] = []

    def make(mailbox: MailboxSettings, workers: int, database_url: str) -> Runtime:
        settings = Settings(
            database_url=database_url,
            data_dir=tmp_path / f"data-{len(made)}",
            mailboxes=[mailbox],
            classify=ClassifySettings(model_dir=trained_model_dir),
            pipeline=PipelineSettings(workers=workers),
        )
        made.append(build_runtime(settings))
        return made[-1]

    yield make
    for runtime in made:
        runtime.engine.dispose()


def signals_by_key(runtime: Runtime) -> dict[str, list[dict[str, object]]]:
    """Every stored signal, by the key of its message."""
    query = select(MessageRow.key, SignalRow.data).join(
        SignalRow, SignalRow.message_id == MessageRow.id
    )
    found: dict[str, list[dict[str, object]]] = {}
    with runtime.engine.connect() as conn:
        for key, data in conn.execute(query):
            found.setdefault(key, []).append(data)
    return found


def stored_uids(runtime: Runtime) -> list[int]:
    """The UIDs of the stored IMAP mail, from their positions."""
    with runtime.engine.connect() as conn:
        positions = conn.execute(select(MessageRow.source_position)).scalars()
        return sorted(int(m[1]) for p in positions if (m := _UID.search(p or "")))


def message_count(runtime: Runtime) -> int:
    with runtime.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(MessageRow)).scalar() or 0)


def wait_until_reaped(pid: int) -> None:
    """Wait until the pool has noticed the death (a reaped process leaves /proc)."""
    for _ in range(600):
        if not Path(f"/proc/{pid}").exists():
            return
        threading.Event().wait(0.05)
    raise AssertionError(f"worker {pid} was never reaped")


def test_a_pool_of_two_stores_each_mail_once_with_the_signals_of_one_process(
    dovecot: Dovecot,
    imap_folder: str,
    database_url: str,
    tmp_path: Path,
    make_runtime: Make,
) -> None:
    fixtures = [p.read_bytes() for p in sorted(FIXTURES.glob("*.eml"))]
    dovecot.append_many(IMAP_USER, imap_folder, fixtures + [numbered(i) for i in range(40)])
    mailbox = mailbox_settings(dovecot, imap_folder, batch_size=9)
    inline = make_runtime(mailbox, 1, f"sqlite:///{tmp_path / 'inline.db'}")
    pooled = make_runtime(mailbox, 2, database_url)
    for runtime in (inline, pooled):
        watcher = build_watchers(runtime, [mailbox])[0]
        try:
            watcher.sync()
        finally:
            watcher.close()
    expected = signals_by_key(inline)
    found = signals_by_key(pooled)
    assert len(found) == message_count(pooled) > 40
    assert all(len(each) == 1 for each in found.values())  # one signal per mail
    assert found == expected
    assert pooled.store.failures() == inline.store.failures()
    assert set(pooled.pipeline.progress.counts()) == {"done"}
    cursor = pooled.mailbox_state.cursor("orders", imap_folder)
    assert cursor is not None and cursor.last_uid == max(stored_uids(pooled))
    again = build_watchers(pooled, [mailbox])[0]
    try:
        assert again.sync().fetched == 0
    finally:
        again.close()


def test_a_killed_worker_fails_the_sync_and_the_next_one_stores_each_mail_once(
    dovecot: Dovecot, imap_folder: str, database_url: str, make_runtime: Make
) -> None:
    total = 200
    dovecot.append_many(IMAP_USER, imap_folder, [numbered(i) for i in range(total)])
    mailbox = mailbox_settings(dovecot, imap_folder, batch_size=10)
    runtime = make_runtime(mailbox, 2, database_url)
    killed: list[int] = []

    def kill_a_worker(done: int, _total: int) -> None:
        if not killed:  # after the first stored batch, with more batches in flight
            killed.append(worker_pids(os.getpid())[0])
            os.kill(killed[0], signal.SIGKILL)
            wait_until_reaped(killed[0])

    watcher = build_watchers(runtime, [mailbox])[0]
    try:
        with pytest.raises(IngestError, match="worker process died"):
            watcher.sync(kill_a_worker)
        partial = stored_uids(runtime)
        cursor = runtime.mailbox_state.cursor("orders", imap_folder)
        server = ImapMailbox(mailbox)
        server.select(imap_folder)
        every = server.uids_after(0)
        server.close()
        # The cursor stands at the last stored batch: nothing below it missing, none above it.
        assert cursor is not None and 0 < len(partial) < total
        assert partial == [uid for uid in every if uid <= cursor.last_uid]
        resumed = watcher.sync()  # a new pool
    finally:
        watcher.close()
    assert resumed.stored == total - len(partial) and resumed.duplicates == 0
    assert stored_uids(runtime) == every
    assert message_count(runtime) == total
    assert all(len(each) == 1 for each in signals_by_key(runtime).values())
