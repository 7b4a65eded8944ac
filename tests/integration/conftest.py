"""Fixtures for the integration tests that need a real IMAP server (a private Dovecot)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from tests.integration.llm_server import LlmServer

if TYPE_CHECKING:
    from tests.integration.imap_server import Dovecot

IMAP_USER = "orders"


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _unavailable(reason: str) -> None:
    """Skip on a developer's machine; under CI a missing server is a failure."""
    if _in_ci():
        pytest.fail(f"{reason}; CI must have it", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    """One started Dovecot for the whole session, stopped and removed at the end.

    Users: orders/orders-pw, purchasing/purchasing-pw, accounts/accounts-pw. Skipped when the
    dovecot binary (or imapclient) is missing on a developer's machine; under CI that fails.
    """
    try:
        # Imported here so that the other integration tests still run without imapclient.
        from tests.integration.imap_server import Dovecot, find_dovecot
    except ImportError as exc:
        _unavailable(f"the IMAP test server needs imapclient ({exc})")
        raise  # not reached: skip and fail raise
    if find_dovecot() is None:
        _unavailable("dovecot is not installed (apt-get install -y dovecot-imapd, or make test)")
    with Dovecot() as server:
        yield server


@pytest.fixture
def imap_folder(dovecot: Dovecot) -> Iterator[str]:
    """A fresh, empty folder of user `orders`, unique to this test and deleted after it."""
    dovecot.ensure_running()
    folder = f"test-{uuid.uuid4().hex}"
    dovecot.create_folder(IMAP_USER, folder)
    yield folder
    dovecot.ensure_running()  # a test may have stopped the server
    dovecot.delete_folder(IMAP_USER, folder)


@pytest.fixture(scope="session")
def llm_session_server() -> Iterator[LlmServer]:
    """One OpenAI-compatible loopback server for the session."""
    with LlmServer() as server:
        yield server


@pytest.fixture
def llm(llm_session_server: LlmServer) -> Iterator[LlmServer]:
    """The loopback LLM server with an empty script, default answers and no recorded calls."""
    llm_session_server.reset()
    yield llm_session_server
    llm_session_server.reset()
