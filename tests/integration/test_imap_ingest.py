"""IMAP ingest against a real Dovecot: exactly once, \\Seen untouched, never silently dead."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from tests.integration.conftest import IMAP_USER
from tests.integration.imap_server import Dovecot
from triage.config import MailboxSettings, Settings
from triage.errors import MailboxError
from triage.ingest.imap import ImapMailbox
from triage.ingest.service import build_watchers, stale_folders
from triage.ingest.watcher import FolderWatcher, SyncResult
from triage.runtime import Runtime, build_runtime

pytestmark = pytest.mark.integration


def mail(n: int, body: str = "Where is my order S00042?") -> bytes:
    """A small distinct mail."""
    return (
        f"From: customer{n}@shop.example\r\nTo: orders@acme.example\r\n"
        f"Subject: order question {n}\r\nMessage-ID: <q{n}-{time.time_ns()}@shop.example>\r\n"
        f"Date: Wed, 05 Mar 2025 10:00:00 +0100\r\n\r\n{body}\r\n"
    ).encode()


def mailbox_settings(dovecot: Dovecot, folder: str, **extra: object) -> MailboxSettings:
    """Settings for the test user on the plain loopback port."""
    values: dict[str, object] = {
        "name": "orders",
        "host": dovecot.host,
        "port": dovecot.port,
        "security": "none",
        "username": IMAP_USER,
        "password": dovecot.users[IMAP_USER],
        "folders": [folder],
        "batch_size": 7,
        "poll_seconds": 2,
        "timeout_seconds": 10,
    }
    return MailboxSettings.model_validate(values | extra)


@pytest.fixture
def make_runtime(
    database_url: str, tmp_path: Path
) -> Iterator[Callable[[MailboxSettings], Runtime]]:
    made: list[Runtime] = []

    def make(mailbox: MailboxSettings) -> Runtime:
        settings = Settings(database_url=database_url, data_dir=tmp_path, mailboxes=[mailbox])
        made.append(build_runtime(settings))
        return made[-1]

    yield make
    for runtime in made:
        runtime.engine.dispose()


def watcher_for(runtime: Runtime) -> FolderWatcher:
    return build_watchers(runtime, runtime.settings.mailboxes)[0]


def sync_once(runtime: Runtime) -> SyncResult:
    watcher = watcher_for(runtime)
    try:
        return watcher.sync()
    finally:
        watcher.close()


def _all_subjects(runtime: Runtime) -> list[str]:
    from sqlalchemy import select

    from triage.store.tables import MessageRow

    with runtime.engine.connect() as conn:
        return list(conn.execute(select(MessageRow.subject)).scalars())


def wait_until(condition: Callable[[], bool], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


@pytest.fixture
def running() -> Iterator[Callable[[FolderWatcher], None]]:
    stop = threading.Event()
    threads: list[threading.Thread] = []

    def start(watcher: FolderWatcher) -> None:
        thread = threading.Thread(target=watcher.run, args=(stop,), daemon=True)
        thread.start()
        threads.append(thread)

    yield start
    stop.set()
    for thread in threads:
        thread.join(30)
        assert not thread.is_alive()


def test_sync_stores_each_mail_once_and_leaves_seen_alone(
    dovecot: Dovecot, imap_folder: str, make_runtime: Callable[[MailboxSettings], Runtime]
) -> None:
    dovecot.append_many(IMAP_USER, imap_folder, [mail(i) for i in range(20)])
    runtime = make_runtime(mailbox_settings(dovecot, imap_folder))
    first = sync_once(runtime)
    assert (first.fetched, first.stored, first.duplicates) == (20, 20, 0)
    assert sync_once(runtime).fetched == 0
    assert len(_all_subjects(runtime)) == 20
    assert all("\\Seen" not in f for f in dovecot.flags(IMAP_USER, imap_folder).values())
    cursor = runtime.mailbox_state.cursor("orders", imap_folder)
    assert cursor is not None and cursor.last_uid == max(dovecot.uids(IMAP_USER, imap_folder))


def test_mark_seen_when_configured(
    dovecot: Dovecot, imap_folder: str, make_runtime: Callable[[MailboxSettings], Runtime]
) -> None:
    dovecot.append_many(IMAP_USER, imap_folder, [mail(i) for i in range(3)])
    runtime = make_runtime(mailbox_settings(dovecot, imap_folder, mark_seen=True))
    sync_once(runtime)
    assert all("\\Seen" in f for f in dovecot.flags(IMAP_USER, imap_folder).values())


def test_uidvalidity_change_stores_nothing_twice(
    dovecot: Dovecot, imap_folder: str, make_runtime: Callable[[MailboxSettings], Runtime]
) -> None:
    dovecot.append_many(IMAP_USER, imap_folder, [mail(i) for i in range(10)])
    runtime = make_runtime(mailbox_settings(dovecot, imap_folder))
    sync_once(runtime)
    dovecot.recreate_folder(IMAP_USER, imap_folder)
    dovecot.append(IMAP_USER, imap_folder, mail(99))
    again = sync_once(runtime)
    assert (again.fetched, again.stored, again.duplicates) == (11, 1, 10)
    assert len(_all_subjects(runtime)) == 11


def test_bad_mail_is_stored_with_defects_and_the_watcher_goes_on(
    dovecot: Dovecot, imap_folder: str, make_runtime: Callable[[MailboxSettings], Runtime]
) -> None:
    huge = mail(1).replace(b"\r\n\r\n", b"\r\nContent-Type: text/plain\r\n\r\n", 1) + b"A" * (
        20 * 1024 * 1024
    )
    raws = [
        (FIXTURES / "malformed_headers.eml").read_bytes(),
        huge,
        (FIXTURES / "broken_charset.eml").read_bytes(),
        mail(2),
    ]
    dovecot.append_many(IMAP_USER, imap_folder, raws)
    runtime = make_runtime(mailbox_settings(dovecot, imap_folder))
    result = sync_once(runtime)
    assert (result.fetched, result.stored, result.failed) == (4, 4, 0)


def test_idle_delivers_new_mail_within_seconds(
    dovecot: Dovecot,
    imap_folder: str,
    make_runtime: Callable[[MailboxSettings], Runtime],
    running: Callable[[FolderWatcher], None],
) -> None:
    runtime = make_runtime(mailbox_settings(dovecot, imap_folder, poll_seconds=600))
    running(watcher_for(runtime))
    wait_until(lambda: bool(runtime.mailbox_state.health()))
    started = time.monotonic()
    dovecot.append(IMAP_USER, imap_folder, mail(1))
    wait_until(lambda: len(_all_subjects(runtime)) == 1, seconds=20)
    assert time.monotonic() - started < 15


def test_restart_mid_stream_loses_nothing_and_stores_nothing_twice(
    dovecot: Dovecot,
    imap_folder: str,
    make_runtime: Callable[[MailboxSettings], Runtime],
    running: Callable[[FolderWatcher], None],
) -> None:
    runtime = make_runtime(mailbox_settings(dovecot, imap_folder, poll_seconds=3))
    running(watcher_for(runtime))
    dovecot.append_many(IMAP_USER, imap_folder, [mail(i) for i in range(30)])
    dovecot.restart()
    dovecot.append_many(IMAP_USER, imap_folder, [mail(i) for i in range(30, 40)])
    dovecot.stop()
    time.sleep(2)
    dovecot.start()
    dovecot.append(IMAP_USER, imap_folder, mail(41))
    wait_until(lambda: len(_all_subjects(runtime)) == 41, seconds=90)
    time.sleep(3)
    assert len(_all_subjects(runtime)) == 41


def test_two_watchers_on_one_folder_store_each_mail_once(
    dovecot: Dovecot,
    imap_folder: str,
    make_runtime: Callable[[MailboxSettings], Runtime],
    running: Callable[[FolderWatcher], None],
) -> None:
    settings = mailbox_settings(dovecot, imap_folder, poll_seconds=1)
    first, second = make_runtime(settings), make_runtime(settings)
    running(watcher_for(first))
    running(watcher_for(second))
    dovecot.append_many(IMAP_USER, imap_folder, [mail(i) for i in range(25)])
    wait_until(lambda: len(_all_subjects(first)) == 25, seconds=60)
    time.sleep(3)
    assert len(_all_subjects(first)) == 25


def test_health_turns_stale_without_polls(
    dovecot: Dovecot, imap_folder: str, make_runtime: Callable[[MailboxSettings], Runtime]
) -> None:
    settings = mailbox_settings(dovecot, imap_folder, stale_after_seconds=1)
    runtime = make_runtime(settings)
    assert stale_folders(runtime.mailbox_state.health(), [settings]) == [f"orders/{imap_folder}"]
    sync_once(runtime)
    assert stale_folders(runtime.mailbox_state.health(), [settings]) == []
    time.sleep(1.5)
    assert stale_folders(runtime.mailbox_state.health(), [settings]) == [f"orders/{imap_folder}"]


def test_wrong_password_is_a_mailbox_error(dovecot: Dovecot, imap_folder: str) -> None:
    settings = mailbox_settings(dovecot, imap_folder, password="wrong")
    with pytest.raises(MailboxError, match="login"):
        ImapMailbox(settings)


def test_tls_and_starttls_logins(dovecot: Dovecot, imap_folder: str) -> None:
    for security, port in (("tls", dovecot.tls_port), ("starttls", dovecot.port)):
        settings = mailbox_settings(
            dovecot, imap_folder, security=security, port=port, ca_file=dovecot.cert_path
        )
        mailbox = ImapMailbox(settings)
        assert mailbox.select(imap_folder).exists == 0
        mailbox.close()


def test_filing_happens_after_triage_and_only_once(
    dovecot: Dovecot, imap_folder: str, make_runtime: Callable[[MailboxSettings], Runtime]
) -> None:
    bounces = f"{imap_folder}-bounces"
    dovecot.append_many(
        IMAP_USER, imap_folder, [(FIXTURES / "dsn_bounce.eml").read_bytes(), mail(1)]
    )
    settings = mailbox_settings(
        dovecot, imap_folder, keywords=True, move_by_intent={"bounce": bounces}
    )
    runtime = make_runtime(settings)
    try:
        sync_once(runtime)
        flags = dovecot.flags(IMAP_USER, imap_folder)
        assert len(flags) == 1 and "\\Seen" not in next(iter(flags.values()))
        assert any(f.startswith("triage/") for f in next(iter(flags.values())))
        moved = dovecot.flags(IMAP_USER, bounces)
        assert len(moved) == 1 and "triage/bounce" in next(iter(moved.values()))
        for message_id in runtime.store.find_by_entity("sale_order", "S00042"):
            signal = runtime.store.signal(message_id)
            assert signal is not None
            states = runtime.actions.states(message_id)
            assert states == {("imap_keyword", f"triage/{signal.intent}"): "done"}
        again = sync_once(runtime)
        assert again.fetched == 0
        assert len(dovecot.flags(IMAP_USER, bounces)) == 1
    finally:
        dovecot.delete_folder(IMAP_USER, bounces)


def test_plain_polling_when_idle_is_off(
    dovecot: Dovecot,
    imap_folder: str,
    make_runtime: Callable[[MailboxSettings], Runtime],
    running: Callable[[FolderWatcher], None],
) -> None:
    runtime = make_runtime(mailbox_settings(dovecot, imap_folder, idle=False, poll_seconds=1))
    running(watcher_for(runtime))
    wait_until(lambda: bool(runtime.mailbox_state.health()))
    dovecot.append(IMAP_USER, imap_folder, mail(1))
    wait_until(lambda: len(_all_subjects(runtime)) == 1, seconds=20)


def test_move_falls_back_to_copy_delete_expunge_without_move(
    make_runtime: Callable[[MailboxSettings], Runtime],
) -> None:
    with Dovecot(capabilities="IMAP4rev1 LITERAL+ IDLE UIDPLUS") as server:
        server.create_folder(IMAP_USER, "INBOX")
        server.append_many(IMAP_USER, "INBOX", [(FIXTURES / "dsn_bounce.eml").read_bytes()])
        settings = mailbox_settings(server, "INBOX", move_by_intent={"bounce": "Bounces"})
        mailbox = ImapMailbox(settings)
        assert not mailbox.supports("MOVE") and mailbox.supports("UIDPLUS")
        mailbox.close()
        sync_once(make_runtime(settings))
        assert server.uids(IMAP_USER, "INBOX") == []
        assert len(server.uids(IMAP_USER, "Bounces")) == 1
