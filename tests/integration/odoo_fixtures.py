"""Pytest fixtures for the Odoo JSON-RPC stand-in (see odoo_standin.py).

tests/conftest.py registers this module as a plugin, so every test can ask for the fixtures.
PYTEST_DONT_REWRITE: the module has no asserts, and must not be rewritten when imported early.

One server per Odoo version is started for the session (on first use) and stopped at its end;
each test gets it reset to fresh seed data, with an empty call log and no pending faults.

The version is 17.0 unless the test module sets `ODOO_VERSIONS = ("17.0", "18.0")` (each test
that uses the stand-in then runs once per version) or a test asks for `odoo_version` through
`@pytest.mark.parametrize("odoo_version", [...], indirect=True)`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.odoo_standin import OdooStandin

_SERVERS = pytest.StashKey[dict[str, OdooStandin]]()
DEFAULT_VERSION = "17.0"


def _shared_server(config: pytest.Config, version: str = DEFAULT_VERSION) -> OdooStandin:
    """The session's stand-in of `version`, started on first use, stopped when it ends."""
    servers = config.stash.setdefault(_SERVERS, {})
    if version not in servers:
        server = OdooStandin(version=version).start()
        servers[version] = server
        config.add_cleanup(server.stop)
    return servers[version]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run a module's stand-in tests once per version listed in its ODOO_VERSIONS."""
    versions = getattr(metafunc.module, "ODOO_VERSIONS", None)
    wanted = "odoo_version" in metafunc.fixturenames
    if versions and wanted and not _parametrized(metafunc, "odoo_version"):
        metafunc.parametrize("odoo_version", versions, indirect=True, ids=lambda v: f"odoo{v}")


def _parametrized(metafunc: pytest.Metafunc, name: str) -> bool:
    return any(name in mark.args[0] for mark in metafunc.definition.iter_markers("parametrize"))


@pytest.fixture
def odoo_version(request: pytest.FixtureRequest) -> str:
    """The Odoo version the stand-in serves to this test (17.0 unless parametrised)."""
    return str(getattr(request, "param", DEFAULT_VERSION))


@pytest.fixture
def odoo_server(request: pytest.FixtureRequest, odoo_version: str) -> Iterator[OdooStandin]:
    """The running stand-in, reset to fresh seed data for this test (faults and log cleared)."""
    server = _shared_server(request.config, odoo_version)
    server.reset()
    yield server
    server.reset()  # releases requests a test left hanging


@pytest.fixture
def odoo_client(odoo_server: OdooStandin) -> Iterator[Any]:
    """An odoorpc.ODOO client logged in as the triage bot (odoo_data.BOT) with its password."""
    client = odoo_server.connect()
    yield client
    client.logout()
