"""Pytest fixtures for the Odoo JSON-RPC stand-in (see odoo_standin.py).

tests/conftest.py registers this module as a plugin, so every test can ask for the fixtures.
PYTEST_DONT_REWRITE: the module has no asserts, and must not be rewritten when imported early.

One server is started for the session (on first use) and stopped at its end; each test gets it
reset to fresh seed data, with an empty call log and no pending faults.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.odoo_standin import OdooStandin

_SERVER = pytest.StashKey[OdooStandin]()


def _shared_server(config: pytest.Config) -> OdooStandin:
    """The session's stand-in, started on first use and stopped when the session ends."""
    if _SERVER not in config.stash:
        server = OdooStandin().start()
        config.stash[_SERVER] = server
        config.add_cleanup(server.stop)
    return config.stash[_SERVER]


@pytest.fixture
def odoo_server(request: pytest.FixtureRequest) -> Iterator[OdooStandin]:
    """The running stand-in, reset to fresh seed data for this test (faults and log cleared)."""
    server = _shared_server(request.config)
    server.reset()
    yield server
    server.reset()  # releases requests a test left hanging


@pytest.fixture
def odoo_client(odoo_server: OdooStandin) -> Iterator[Any]:
    """An odoorpc.ODOO client logged in as the triage bot (odoo_data.BOT) with its password."""
    client = odoo_server.connect()
    yield client
    client.logout()
