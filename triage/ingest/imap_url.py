"""`imap://user@host[:port]/FOLDER` for backfills, with credentials from configuration."""

from __future__ import annotations

import os
from urllib.parse import parse_qs, unquote, urlsplit

from pydantic import SecretStr

from triage.config import MailboxSettings
from triage.errors import ConfigurationError

PASSWORD_ENV = "TRIAGE_IMAP_PASSWORD"
_DEFAULT_PORTS = {"imaps": 993, "imap": 143}


def is_imap_url(text: str) -> bool:
    """True for imap:// and imaps:// URLs."""
    return text.startswith(("imap://", "imaps://"))


def mailbox_for_url(url: str, configured: list[MailboxSettings]) -> tuple[MailboxSettings, str]:
    """The mailbox settings and folder a URL names; the password never comes from the URL."""
    parts = urlsplit(url)
    if parts.password:
        raise ConfigurationError("put no password in the URL: configure it or set " + PASSWORD_ENV)
    if not parts.username or not parts.hostname:
        raise ConfigurationError(f"expected imap://user@host/FOLDER, got {url!r}")
    user, host = unquote(parts.username), parts.hostname
    folder = unquote(parts.path.lstrip("/")) or "INBOX"
    for mailbox in configured:
        if mailbox.username == user and mailbox.host == host:
            return mailbox, folder
    return _from_environment(parts.scheme, user, host, parts.port, parts.query), folder


def _from_environment(
    scheme: str, user: str, host: str, port: int | None, query: str
) -> MailboxSettings:
    password = os.environ.get(PASSWORD_ENV)
    if not password:
        raise ConfigurationError(
            f"no configured mailbox for {user}@{host} and {PASSWORD_ENV} is not set"
        )
    security = parse_qs(query).get("security", ["tls" if scheme == "imaps" else "starttls"])[0]
    if security not in ("tls", "starttls", "none"):
        raise ConfigurationError(f"security must be tls, starttls or none, not {security!r}")
    return MailboxSettings(
        name=f"{user}@{host}",
        host=host,
        port=port or _DEFAULT_PORTS[scheme],
        security=security,
        username=user,
        password=SecretStr(password),
    )
