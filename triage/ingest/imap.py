"""The imapclient adapter of the mailbox port: TLS or STARTTLS, password or XOAUTH2."""

from __future__ import annotations

import imaplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from triage.config import MailboxSettings
from triage.errors import MailboxError
from triage.ingest.mailbox import FetchedMail, FolderState

BODY = b"BODY[]"
_FAILURES = (IMAPClientError, imaplib.IMAP4.error, OSError, ssl.SSLError, EOFError)


@contextmanager
def translated(what: str) -> Iterator[None]:
    """Raise every vendor or network failure as a MailboxError naming the operation."""
    try:
        yield
    except _FAILURES as exc:
        raise MailboxError(f"{what}: {type(exc).__name__}: {exc}") from exc


class ImapMailbox:
    """A logged-in connection to one IMAP account."""

    def __init__(self, settings: MailboxSettings) -> None:
        self._settings = settings
        with translated(f"connect {settings.host}:{settings.port}"):
            self._client = _connect(settings)
        try:
            with translated(f"login {settings.username}@{settings.host}"):
                _login(self._client, settings)
                self._capabilities = {c.decode().upper() for c in self._client.capabilities()}
        except MailboxError:
            self.close()
            raise

    def select(self, folder: str) -> FolderState:
        """Select a folder for reading and writing flags."""
        with translated(f"select {folder}"):
            info = self._client.select_folder(folder)
        return FolderState(
            uidvalidity=int(info[b"UIDVALIDITY"]),
            uidnext=int(info[b"UIDNEXT"]) if b"UIDNEXT" in info else None,
            exists=int(info.get(b"EXISTS", 0)),
        )

    def uids_after(self, last_uid: int) -> list[int]:
        """UIDs above `last_uid`, ascending (a range ending in * always returns the last)."""
        with translated("uid search"):
            found = self._client.search(["UID", f"{last_uid + 1}:*"])
        return sorted(int(u) for u in found if int(u) > last_uid)

    def uids_since(self, since: date) -> list[int]:
        """UIDs of messages received on or after `since`, ascending."""
        with translated("uid search since"):
            return sorted(int(u) for u in self._client.search(["SINCE", since]))

    def fetch(self, uids: list[int]) -> list[FetchedMail]:
        """The messages with BODY.PEEK[], in UID order; vanished UIDs are skipped."""
        if not uids:
            return []
        with translated(f"fetch {len(uids)} messages"):
            data = self._client.fetch(uids, ["BODY.PEEK[]", "INTERNALDATE"])
        return [
            FetchedMail(uid, bytes(data[uid][BODY]), _internal_date(data[uid]))
            for uid in sorted(data)
            if BODY in data[uid]
        ]

    def supports(self, capability: str) -> bool:
        """True when the server announced the capability."""
        return capability.upper() in self._capabilities

    def idle(self, seconds: float) -> bool:
        """IDLE for up to `seconds`; True when the server reported new mail."""
        with translated("idle"):
            self._client.idle()
            try:
                responses = self._client.idle_check(timeout=seconds)
            finally:
                self._client.idle_done()
        return any(len(r) > 1 and r[1] in (b"EXISTS", b"RECENT") for r in responses)

    def move(self, uid: int, folder: str) -> None:
        """Move a message, creating the folder when it does not exist."""
        with translated(f"move {uid} to {folder}"):
            if not self._client.folder_exists(folder):
                self._client.create_folder(folder)
            if self.supports("MOVE"):
                self._client.move([uid], folder)
                return
            self._client.copy([uid], folder)
            self._client.add_flags([uid], [b"\\Deleted"])
            if self.supports("UIDPLUS"):
                self._client.uid_expunge([uid])
            else:
                self._client.expunge()

    def add_keywords(self, uid: int, keywords: list[str]) -> None:
        """Set keywords (or system flags such as \\Seen) on a message."""
        with translated(f"flag {uid}"):
            self._client.add_flags([uid], [k.encode() for k in keywords])

    def close(self) -> None:
        """Log out, ignoring a connection that is already gone."""
        try:
            self._client.logout()
        except (*_FAILURES, AttributeError):
            try:
                self._client.shutdown()
            except (*_FAILURES, AttributeError):
                pass


def _connect(settings: MailboxSettings) -> IMAPClient:
    context = ssl.create_default_context(cafile=str(settings.ca_file) if settings.ca_file else None)
    if not settings.verify_hostname:
        context.check_hostname = False
    use_tls = settings.security == "tls"
    client = IMAPClient(
        settings.host,
        port=settings.port,
        ssl=use_tls,
        ssl_context=context,
        timeout=settings.timeout_seconds,
    )
    if settings.security == "starttls":
        client.starttls(context)
    return client


def _login(client: IMAPClient, settings: MailboxSettings) -> None:
    if settings.oauth2_token is not None:
        client.oauth2_login(settings.username, settings.oauth2_token.get_secret_value())
    elif settings.password is not None:
        client.login(settings.username, settings.password.get_secret_value())
    else:
        raise MailboxError(f"mailbox {settings.name}: no password or OAuth2 token configured")


def _internal_date(item: dict[bytes, object]) -> datetime | None:
    value = item.get(b"INTERNALDATE")
    return value if isinstance(value, datetime) else None
