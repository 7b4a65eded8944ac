"""The odoorpc adapter against the stand-in: reads, error translation, timeouts, one retry."""

from __future__ import annotations

import pytest

from tests.integration.odoo_data import AUDITOR, BOT, BOT_API_KEY, DB, PASSWORDS
from tests.integration.odoo_profiles import VERSIONS
from tests.integration.odoo_standin import OdooStandin
from triage.config import OdooSettings
from triage.errors import (
    OdooAccessDenied,
    OdooAccessError,
    OdooError,
    OdooMissingError,
    OdooUnavailable,
    OdooUserError,
    OdooValidationError,
)
from triage.odoo.adapter import OdooClient

pytestmark = pytest.mark.integration
ODOO_VERSIONS = VERSIONS  # each stand-in test runs on Odoo 17.0 and 18.0


def client_for(server: OdooStandin, login: str = BOT, key: str = BOT_API_KEY) -> OdooClient:
    settings = OdooSettings(
        url=server.url, database=DB, login=login, api_key=key, timeout_seconds=2
    )
    return OdooClient(settings)


def test_reads_with_an_api_key(odoo_server: OdooStandin) -> None:
    client = client_for(odoo_server)
    rows = client.search_read(
        "sale.order", [["name", "=", "S00042"]], ["name", "partner_id", "commitment_date"]
    )
    assert rows[0]["name"] == "S00042"
    assert rows[0]["partner_id"][1] == "Lopez Catering S.L."
    assert rows[0]["commitment_date"].startswith("2025-03-14")
    assert client.read("res.partner", [10, 999_999], ["name"]) == [
        {"id": 10, "name": "Lopez Catering S.L."}
    ]
    assert client.read("res.partner", [], ["name"]) == []


def test_a_wrong_key_is_access_denied_and_retried_later(odoo_server: OdooStandin) -> None:
    client = client_for(odoo_server, key="not-the-key")  # no call yet: Odoo may be down
    with pytest.raises(OdooAccessDenied):
        client.read("res.partner", [10], ["name"])
    odoo_server.add_api_key(BOT, "not-the-key")
    assert client.read("res.partner", [10], ["name"])[0]["id"] == 10


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("AccessError", OdooAccessError),
        ("ValidationError", OdooValidationError),
        ("UserError", OdooUserError),
        ("MissingError", OdooMissingError),
        ("AccessDenied", OdooAccessDenied),
    ],
)
def test_odoo_errors_are_translated_by_name(
    odoo_server: OdooStandin, name: str, error: type[OdooError]
) -> None:
    client = client_for(odoo_server)
    odoo_server.inject("odoo_error", name=name, message="refused", model="sale.order")
    with pytest.raises(error) as caught:
        client.search_read("sale.order", [], ["name"])
    assert caught.value.name == f"odoo.exceptions.{name}"


def test_access_rules_come_back_as_access_errors(odoo_server: OdooStandin) -> None:
    client = client_for(odoo_server, AUDITOR, PASSWORDS[AUDITOR])
    with pytest.raises(OdooAccessError):
        client.call("sale.order", "write", [[7], {"note": "x"}], {})


@pytest.mark.parametrize("kind", ["http_error", "not_json", "hang"])
def test_transport_failures_are_unavailable(odoo_server: OdooStandin, kind: str) -> None:
    client = client_for(odoo_server)
    odoo_server.inject(kind, count=5, seconds=5, model="res.partner")
    with pytest.raises(OdooUnavailable):
        client.search_read("res.partner", [], ["name"])


def test_one_retry_on_a_dropped_connection(odoo_server: OdooStandin) -> None:
    client = client_for(odoo_server)
    odoo_server.inject("disconnect", count=1, model="res.partner")
    assert client.search_read("res.partner", [["id", "=", 10]], ["name"])[0]["id"] == 10
    odoo_server.inject("disconnect", count=2, model="res.partner")
    with pytest.raises(OdooUnavailable):
        client.search_read("res.partner", [["id", "=", 10]], ["name"])
