"""The linker against the Odoo JSON-RPC stand-in, over real HTTP with the real odoorpc client."""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from models import IntentScore, LinkStatus, Signal
from parsers import message_from_text
from tests.integration.odoo_data import BOT, BOT_API_KEY, DB
from tests.integration.odoo_profiles import VERSIONS
from tests.integration.odoo_standin import OdooStandin
from triage.cli import app as cli
from triage.config import ClassifySettings, OdooSettings, PipelineSettings, Settings
from triage.errors import OdooAccessError, OdooUnavailable
from triage.link.linker import Linker
from triage.odoo.adapter import OdooClient
from triage.runtime import build_linker, opened_runtime

pytestmark = pytest.mark.integration
ODOO_VERSIONS = VERSIONS  # each stand-in test runs on Odoo 17.0 and 18.0
MARCH_5 = datetime(2025, 3, 5, 9, 0, tzinfo=UTC)


def settings_for(server: OdooStandin, **extra: object) -> OdooSettings:
    values: dict[str, object] = {
        "url": server.url,
        "database": DB,
        "login": BOT,
        "api_key": BOT_API_KEY,
        "timeout_seconds": 5,
    }
    return OdooSettings.model_validate(values | extra)


@pytest.fixture
def linker(odoo_server: OdooStandin) -> Linker:
    built = build_linker(Settings(odoo=settings_for(odoo_server)))
    assert built is not None
    return built


def link(linker: Linker, text: str, sender: str, intent: str = "order_status") -> object:
    message = message_from_text(text, sender=sender, received_at=MARCH_5)
    signal = Signal(message_id=message.id, intents=[IntentScore(intent=intent, confidence=0.9)])
    return linker.link(message, signal)


def linked(result: object) -> list[tuple[str, str]]:
    return [
        (lk.model, lk.display_name)
        for lk in result.links  # type: ignore[attr-defined]
        if lk.status is LinkStatus.LINKED
    ]


def test_order_by_its_number(linker: Linker) -> None:
    result = link(linker, "Where is S00042?", "buyer@lopez-catering.example")
    assert result.partner.display_name == "Maria Lopez"  # type: ignore[attr-defined]
    assert result.role == "customer"  # type: ignore[attr-defined]
    assert linked(result) == [("sale.order", "S00042")]
    assert not result.needs_review  # type: ignore[attr-defined]


def test_order_by_the_customers_po_and_by_tracking(linker: Linker) -> None:
    by_po = link(linker, "Status of our PO 4500012345 please", "buyer@lopez-catering.example")
    assert linked(by_po) == [("sale.order", "S00042")]
    by_tracking = link(
        linker, "UPS tracking 1Z999AA10123456784 shows nothing", "buyer@lopez-catering.example"
    )
    assert linked(by_tracking) == [("stock.picking", "WH/OUT/00005")]


def test_contact_found_by_company_domain_but_not_free_mail(linker: Linker) -> None:
    by_domain = link(linker, "Where is S00042?", "new.colleague@lopez-catering.example")
    assert by_domain.partner.record_id == 10  # type: ignore[attr-defined]
    assert "domain" in by_domain.partner.found_by  # type: ignore[attr-defined]
    assert linked(by_domain) == [("sale.order", "S00042")]
    stranger = link(linker, "Where is S00042?", "someone.else@gmail.com")
    assert stranger.partner is None  # type: ignore[attr-defined]
    assert linked(stranger) == [] and stranger.needs_review  # type: ignore[attr-defined]


def test_a_customer_quoting_another_customers_order_is_not_linked(linker: Linker) -> None:
    result = link(linker, "Please cancel S00042", "anke@vandijk-brasserie.example")
    assert linked(result) == []
    links = result.links  # type: ignore[attr-defined]
    rejected = [lk for lk in links if lk.status is LinkStatus.REJECTED]
    assert len(rejected) == 1 and "S00042 belongs to another partner" in rejected[0].reason
    assert result.needs_review and result.review_reasons  # type: ignore[attr-defined]


def test_two_references_give_two_links(linker: Linker) -> None:
    result = link(
        linker, "Invoice INV/2025/00012 for S00042 is wrong", "buyer@lopez-catering.example"
    )
    assert sorted(linked(result)) == [("account.move", "INV/2025/00012"), ("sale.order", "S00042")]


def test_no_reference_offers_open_orders_as_candidates(linker: Linker) -> None:
    result = link(linker, "Any news about our delivery?", "buyer@lopez-catering.example")
    assert result.links == []  # type: ignore[attr-defined]
    names = {c.display_name for c in result.candidates}  # type: ignore[attr-defined]
    assert "S00042" in names
    assert all(c.status is LinkStatus.CANDIDATE for c in result.candidates)  # type: ignore[attr-defined]


def test_supplier_delay_fans_out_to_the_sale_orders_it_holds_up(linker: Linker) -> None:
    result = link(
        linker,
        "Sorry, P00017 is delayed, new ETA 2025-03-20.",
        "carlos.ruiz@iberica-oil.example",
        intent="supplier_delay",
    )
    assert result.role == "supplier"  # type: ignore[attr-defined]
    assert linked(result) == [("purchase.order", "P00017 (IB-SO-88123)")]  # Odoo 17 display
    impacted = {o.name: o for o in result.impacted}  # type: ignore[attr-defined]
    assert set(impacted) == {"S00042", "S00045", "S00048"}  # three orders, two customers
    assert len({o.customer for o in impacted.values()}) == 2
    assert impacted["S00042"].commitment_date == date(2025, 3, 14)
    assert impacted["S00042"].customer == "Lopez Catering S.L."
    assert impacted["S00042"].at_risk is True and impacted["S00045"].at_risk is True
    assert impacted["S00048"].at_risk is False  # committed for 2025-03-25
    assert all(o.new_eta == date(2025, 3, 20) for o in impacted.values())
    assert all(o.salesperson for o in impacted.values())


def test_linking_never_writes(odoo_server: OdooStandin, linker: Linker) -> None:
    link(linker, "Where is S00042 and INV/2025/00012?", "buyer@lopez-catering.example")
    methods = {call.method for call in odoo_server.calls}
    reads = {"login", "version", "version_info", "context_get", "search_read", "read"}
    reads |= {"fields_get"}  # the capability probe
    assert methods <= reads


def test_access_error_is_clear(odoo_server: OdooStandin) -> None:
    odoo_server.deny(BOT, "read", "sale.order")
    client = OdooClient(settings_for(odoo_server))
    with pytest.raises(OdooAccessError):
        client.search_read("sale.order", [["name", "=", "S00042"]], ["id"])


def test_odoo_down_keeps_the_mail_and_links_later(
    odoo_server: OdooStandin,
    tmp_path: Path,
) -> None:
    settings = Settings(
        data_dir=tmp_path,
        odoo=settings_for(odoo_server),
        pipeline=PipelineSettings(retry_base_seconds=1.0, retry_max_seconds=1.0),
    )
    odoo_server.inject("http_error", count=10, status=502)
    with opened_runtime(settings) as runtime:
        raw = (
            b"From: buyer@lopez-catering.example\r\nSubject: S00042?\r\n"
            b"Message-ID: <down@x>\r\n\r\nWhere is S00042?\r\n"
        )
        assert runtime.pipeline.accept(raw, source="file", position="t").outcome.value == "stored"
        message_id = runtime.store.id_for_key("mid:down@x")
        assert message_id and runtime.links.result(message_id) is None
        assert runtime.links.pending() == [message_id]
        odoo_server.reset()
        status = runtime.pipeline.status(message_id)
        assert status is not None and status.state == "failed" and status.step == "classified"
        assert "OdooUnavailable" in status.last_error
        assert runtime.pipeline.run_due() == 0  # not due before its backoff has passed
        time.sleep(1.3)  # the backoff is 0.8 to 1.2 s
        assert runtime.pipeline.run_due() == 1
        status = runtime.pipeline.status(message_id)
        assert status is not None and status.state == "done" and status.attempts == 1
        result = runtime.links.result(message_id)
        assert result is not None and linked(result) == [("sale.order", "S00042")]
        assert runtime.links.pending() == []


def test_client_reports_unreachable_odoo() -> None:
    settings = OdooSettings(
        url="http://127.0.0.1:9", database="x", login="x", api_key="x", timeout_seconds=2
    )
    with pytest.raises(OdooUnavailable):
        OdooClient(settings).search_read("res.partner", [], ["id"])


def test_messages_api_parses_classifies_links_and_reads_back(
    odoo_server: OdooStandin,
    database_url: str,
    tmp_path: Path,
    trained_model_dir: Path,
) -> None:
    settings = Settings(
        database_url=database_url,
        data_dir=tmp_path,
        odoo=settings_for(odoo_server),
        classify=ClassifySettings(model_dir=trained_model_dir),
        api={"api_key": "messages-api-test-key-123"},
    )
    auth = {"Authorization": "Bearer messages-api-test-key-123"}
    raw = (
        b"From: Maria Lopez <buyer@lopez-catering.example>\r\nSubject: S00042\r\n"
        b"Message-ID: <api-link@x>\r\nDate: Wed, 05 Mar 2025 09:00:00 +0100\r\n\r\n"
        b"Where is my order S00042? It was due yesterday.\r\n"
    )
    with TestClient(create_app(settings)) as client:
        created = client.post("/v1/messages", content=raw, headers=auth)
        assert created.status_code == 201, created.text
        body = created.json()
        assert body["signal"]["intents"][0]["intent"] in ("order_status", "delivery_problem")
        assert [(lk["model"], lk["status"]) for lk in body["links"]["links"]] == [
            ("sale.order", "linked")
        ]
        again = client.post("/v1/messages", content=raw, headers=auth)
        assert again.status_code == 200 and again.json()["outcome"] == "duplicate"
        read = client.get(f"/v1/messages/{body['message']['id']}", headers=auth)
        assert read.json()["links"] == body["links"]
        assert client.get("/v1/messages/nope", headers=auth).status_code == 404
        assert (
            client.post("/v1/messages", content=bytes(range(256)), headers=auth).status_code == 422
        )
        assert client.get(f"/v1/messages/{body['message']['id']}").status_code == 401


def test_link_command_prints_the_links(
    odoo_server: OdooStandin,
    cli_data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv(
        "TRIAGE_ODOO",
        settings_for(odoo_server).model_dump_json(exclude={"api_key"})[:-1]
        + f', "api_key": "{BOT_API_KEY}"}}',
    )
    mail = tmp_path / "mail.eml"
    mail.write_bytes(
        b"From: buyer@lopez-catering.example\r\nSubject: order\r\n\r\nWhere is S00042?\r\n"
    )
    result = CliRunner().invoke(cli, ["link", str(mail)])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert printed["links"][0]["display_name"] == "S00042"
    assert BOT_API_KEY not in result.output
