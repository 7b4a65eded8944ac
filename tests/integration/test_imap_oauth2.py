"""XOAUTH2 login against Dovecot, which checks the token at an OAuth2 introspection endpoint.

The endpoint (RFC 7662) is a small HTTP server on loopback that knows one valid token.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from pydantic import SecretStr

from tests.integration.imap_server import Dovecot, find_dovecot
from triage.config import MailboxSettings
from triage.errors import MailboxError
from triage.ingest.imap import ImapMailbox

pytestmark = pytest.mark.integration
TOKEN = "ya29.test-access-token"
USER = "orders"


class Introspection(ThreadingHTTPServer):
    """Answers token introspection: active for TOKEN (user `orders`), inactive otherwise."""

    seen: list[str]


class _Handler(BaseHTTPRequestHandler):
    server: Introspection

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        token = form.get("token", [""])[0]
        self.server.seen.append(token)
        body: dict[str, Any] = {"active": True, "username": USER} if token == TOKEN else {}
        data = json.dumps(body or {"active": False}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.fixture(scope="module")
def introspection() -> Iterator[Introspection]:
    server = Introspection(("127.0.0.1", 0), _Handler)
    server.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def oauth_dovecot(introspection: Introspection) -> Iterator[Dovecot]:
    if find_dovecot() is None:
        pytest.skip("dovecot is not installed (make test installs it)")
    url = f"http://127.0.0.1:{introspection.server_address[1]}/introspect"
    with Dovecot(oauth2_introspection_url=url) as server:
        yield server


def _settings(server: Dovecot, token: str) -> MailboxSettings:
    return MailboxSettings(
        name="oauth",
        host=server.host,
        port=server.port,
        security="starttls",
        ca_file=server.cert_path,
        username=USER,
        oauth2_token=SecretStr(token),
    )


def test_xoauth2_login_reads_the_mailbox(
    oauth_dovecot: Dovecot, introspection: Introspection
) -> None:
    oauth_dovecot.append(USER, "INBOX", b"Subject: hello\r\nMessage-ID: <x1@test>\r\n\r\nHi\r\n")
    mailbox = ImapMailbox(_settings(oauth_dovecot, TOKEN))
    try:
        state = mailbox.select("INBOX")
        uids = mailbox.uids_after(0)
        fetched = mailbox.fetch(uids)
    finally:
        mailbox.close()
    assert state.exists >= 1 and any(b"Message-ID: <x1@test>" in f.raw for f in fetched)
    assert TOKEN in introspection.seen


def test_a_refused_token_is_a_mailbox_error(
    oauth_dovecot: Dovecot, introspection: Introspection
) -> None:
    with pytest.raises(MailboxError, match="login orders@"):
        ImapMailbox(_settings(oauth_dovecot, "expired-token"))
    assert "expired-token" in introspection.seen
