"""The private Dovecot of the integration tests: logins, TLS, seeding helpers, IDLE, restarts."""

from __future__ import annotations

import socket
import ssl
import time
from contextlib import ExitStack

import pytest
from imapclient import IMAPClient
from imapclient.exceptions import LoginError

from tests.integration.imap_server import Dovecot

pytestmark = pytest.mark.integration

USER = "orders"


def _message(subject: str, body: str = "Please confirm the order.") -> bytes:
    return (
        f"From: Buyer <buyer@example.com>\r\n"
        f"To: orders@example.com\r\n"
        f"Subject: {subject}\r\n"
        f"Message-ID: <{subject.replace(' ', '-')}@example.com>\r\n"
        f"Date: Mon, 03 Jun 2024 09:15:00 +0000\r\n"
        f"\r\n"
        f"{body}\r\n"
    ).encode()


def test_login_on_plain_port(dovecot: Dovecot) -> None:
    with IMAPClient(dovecot.host, dovecot.port, ssl=False, timeout=10) as imap:
        imap.login(USER, dovecot.users[USER])
        assert imap.select_folder("INBOX", readonly=True)[b"EXISTS"] >= 0


def test_wrong_password_is_refused(dovecot: Dovecot) -> None:
    with IMAPClient(dovecot.host, dovecot.port, ssl=False, timeout=10) as imap:
        with pytest.raises(LoginError):
            imap.login(USER, "not-the-password")


def test_capabilities(dovecot: Dovecot) -> None:
    with IMAPClient(dovecot.host, dovecot.port, ssl=False, timeout=10) as imap:
        assert b"STARTTLS" in imap.capabilities()
        imap.login(USER, dovecot.users[USER])
        capabilities = set(imap.capabilities())
    assert {b"IDLE", b"MOVE", b"UIDPLUS"} <= capabilities


def test_login_over_tls_trusting_the_test_certificate(dovecot: Dovecot) -> None:
    context = ssl.create_default_context(cafile=str(dovecot.cert_path))
    assert context.check_hostname  # the certificate names 127.0.0.1 and localhost
    with IMAPClient(
        dovecot.host, dovecot.tls_port, ssl=True, ssl_context=context, timeout=10
    ) as imap:
        imap.login(USER, dovecot.users[USER])
        imap.noop()
        assert imap.socket().version() in ("TLSv1.2", "TLSv1.3")


def test_tls_certificate_is_really_checked(dovecot: Dovecot) -> None:
    untrusting = ssl.create_default_context()  # the system's CAs only
    with socket.create_connection((dovecot.host, dovecot.tls_port), timeout=10) as raw:
        with pytest.raises(ssl.SSLCertVerificationError):
            untrusting.wrap_socket(raw, server_hostname=dovecot.host)


def test_starttls_on_plain_port(dovecot: Dovecot) -> None:
    with IMAPClient(dovecot.host, dovecot.port, ssl=False, timeout=10) as imap:
        imap.starttls(dovecot.ssl_context())
        imap.login(USER, dovecot.users[USER])
        imap.noop()
        assert imap.socket().version() in ("TLSv1.2", "TLSv1.3")


def test_append_uids_and_peek_leaves_seen_unset(dovecot: Dovecot, imap_folder: str) -> None:
    raw = _message("PO 4711")
    uid = dovecot.append(USER, imap_folder, raw)
    assert dovecot.uids(USER, imap_folder) == [uid]
    assert dovecot.fetch_raw(USER, imap_folder, uid) == raw
    assert "\\Seen" not in dovecot.flags(USER, imap_folder)[uid]

    with dovecot.client(USER) as imap:
        imap.select_folder(imap_folder)  # read-write, as the service would
        fetched = imap.fetch([uid], [b"BODY.PEEK[]", b"FLAGS"])
        assert fetched[uid][b"BODY[]"] == raw
        assert b"\\Seen" not in fetched[uid][b"FLAGS"]
        imap.fetch([uid], [b"BODY[]"])  # a plain BODY[] fetch does mark it read
    assert "\\Seen" in dovecot.flags(USER, imap_folder)[uid]


def test_append_many_flags_and_dates(dovecot: Dovecot, imap_folder: str) -> None:
    uids = dovecot.append_many(USER, imap_folder, [_message(f"PO {n}") for n in range(3)])
    assert uids == sorted(uids) and len(set(uids)) == 3
    flagged = dovecot.append(USER, imap_folder, _message("PO flagged"), flags=["\\Flagged", "$Ok"])
    assert dovecot.uids(USER, imap_folder) == [*uids, flagged]
    flags = dovecot.flags(USER, imap_folder)
    assert set(flags[flagged]) == {"\\Flagged", "$Ok"}
    assert all(flags[uid] == () for uid in uids)


def test_folders_are_per_test_and_per_user(dovecot: Dovecot, imap_folder: str) -> None:
    assert imap_folder in dovecot.folders(USER)
    assert "INBOX" in dovecot.folders(USER)
    assert imap_folder not in dovecot.folders("purchasing")
    assert dovecot.uids(USER, imap_folder) == []


def test_idle_gets_exists_push_after_append(dovecot: Dovecot, imap_folder: str) -> None:
    with dovecot.client(USER) as watcher:
        watcher.select_folder(imap_folder)
        watcher.idle()
        try:
            dovecot.append(USER, imap_folder, _message("PO pushed"))
            pushed: list[tuple[object, ...]] = []
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and not any(
                len(r) > 1 and r[1] == b"EXISTS" for r in pushed
            ):
                pushed.extend(watcher.idle_check(timeout=1))
        finally:
            watcher.idle_done()
    assert (1, b"EXISTS") in pushed


def test_several_concurrent_connections(dovecot: Dovecot, imap_folder: str) -> None:
    with ExitStack() as stack:
        clients = [stack.enter_context(dovecot.client(USER)) for _ in range(15)]
        for imap in clients:
            imap.select_folder(imap_folder, readonly=True)
            imap.noop()


def test_restart_disconnects_a_connected_client(dovecot: Dovecot, imap_folder: str) -> None:
    uid = dovecot.append(USER, imap_folder, _message("PO kept"))
    port, tls_port = dovecot.port, dovecot.tls_port
    with dovecot.client(USER) as imap:
        imap.select_folder(imap_folder)
        dovecot.restart()
        with pytest.raises((IMAPClient.AbortError, OSError)):
            imap.noop()
    assert (dovecot.port, dovecot.tls_port) == (port, tls_port)
    assert dovecot.uids(USER, imap_folder) == [uid]  # the mail survives the restart


def test_recreate_folder_changes_uidvalidity(dovecot: Dovecot, imap_folder: str) -> None:
    raws = [_message("PO one"), _message("PO two")]
    first = dovecot.append(USER, imap_folder, raws[0], flags=["\\Seen", "$Label1"])
    dovecot.append(USER, imap_folder, raws[1])
    before = dovecot.uidvalidity(USER, imap_folder)

    after = dovecot.recreate_folder(USER, imap_folder)

    assert after != before
    assert dovecot.uidvalidity(USER, imap_folder) == after
    new_uids = dovecot.uids(USER, imap_folder)
    assert [dovecot.fetch_raw(USER, imap_folder, uid) for uid in new_uids] == raws
    assert set(dovecot.flags(USER, imap_folder)[new_uids[0]]) == {"\\Seen", "$Label1"}
    assert first in new_uids  # same UID numbers again: only UIDVALIDITY tells them apart


def test_inbox_cannot_be_recreated(dovecot: Dovecot) -> None:
    with pytest.raises(ValueError, match="INBOX"):
        dovecot.recreate_folder(USER, "INBOX")


def test_hierarchy_separator_is_slash(dovecot: Dovecot, imap_folder: str) -> None:
    child = f"{imap_folder}/v1.2"
    uid = dovecot.append(USER, child, _message("PO nested"))
    assert child in dovecot.folders(USER)
    assert dovecot.uids(USER, child) == [uid]
    dovecot.delete_folder(USER, child)


def test_a_stopped_server_comes_back_for_the_next_test(dovecot: Dovecot) -> None:
    dovecot.stop()
    assert not dovecot.running
    with pytest.raises(OSError):
        socket.create_connection((dovecot.host, dovecot.port), timeout=2).close()
    dovecot.ensure_running()
    assert dovecot.running
    assert "INBOX" in dovecot.folders(USER)


def test_log_has_no_errors(dovecot: Dovecot) -> None:
    assert dovecot.log_problems() == []
