"""Pytest fixtures for the Odoo JSON-RPC stand-in (see odoo_standin.py).

A test module that needs them declares this plugin (tests/integration/conftest.py stays as is):

    pytest_plugins = ["tests.integration.odoo_fixtures"]

Importing them by name works too (`from tests.integration.odoo_fixtures import odoo_server`,
with `# noqa: F401` there and `# noqa: F811` on every test taking the fixture as an argument).
Both ways can be mixed in one run: PYTEST_DONT_REWRITE (this module has no asserts) keeps pytest
from warning when a module imported it by name before another declared it as a plugin.

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
