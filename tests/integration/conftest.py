"""Fixtures for the integration tests that need a real IMAP server (a private Dovecot)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from tests.integration.imap_server import Dovecot, find_dovecot

IMAP_USER = "orders"


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    """One started Dovecot for the whole session, stopped and removed at the end.

    Users: orders/orders-pw, purchasing/purchasing-pw, accounts/accounts-pw. Skipped when the
    dovecot binary is missing on a developer's machine; under CI that is a failure instead.
    """
    if find_dovecot() is None:
        reason = "dovecot is not installed (apt-get install -y dovecot-imapd, or make test)"
        if _in_ci():
            pytest.fail(f"{reason}; CI must have it")
        pytest.skip(reason)
    with Dovecot() as server:
        yield server


@pytest.fixture
def imap_folder(dovecot: Dovecot) -> Iterator[str]:
    """A fresh, empty folder of user `orders`, unique to this test and deleted after it."""
    dovecot.ensure_running()
    folder = f"test-{uuid.uuid4().hex}"
    dovecot.create_folder(IMAP_USER, folder)
    yield folder
    dovecot.ensure_running()
    dovecot.delete_folder(IMAP_USER, folder)
