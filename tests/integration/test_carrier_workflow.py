"""Carrier mail end to end against the Odoo stand-in: an authenticated carrier's exception on
our parcel becomes work for the warehouse on its picking; tracking updates that arrive out of
order or twice never move the parcel backwards."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from models import UserRole
from models.shipment import ExceptionKind, ShipmentStatus
from tests.integration.odoo_profiles import VERSIONS
from tests.integration.odoo_standin import OdooStandin
from tests.integration.test_ui import PASSWORD, Browser
from tests.integration.workflow_support import running, settings_for
from triage.config import Settings
from triage.runtime import Runtime, build_worker

pytestmark = pytest.mark.integration
ODOO_VERSIONS = VERSIONS
CARRIERS = Path(__file__).parents[1] / "fixtures" / "carriers"
MX = "mx1.northwind.example"
OURS = "1Z999AA10123456784"  # WH/OUT/00005 (picking 4) of S00042, sent with UPS
PASSED = f"Authentication-Results: {MX}; dmarc=pass header.from=ups.com\r\n"


def ups(name: str, old: str, key: str, auth: bool = True) -> bytes:
    """A UPS fixture about our parcel, authenticated by our own mail server."""
    raw = (CARRIERS / name).read_bytes().replace(old.encode(), OURS.encode())
    raw = raw.replace(b"Message-ID: <", f"Message-ID: <{key}.".encode(), 1)
    return (PASSED.encode() if auth else b"") + raw


ADDRESS = ("ups_address_problem_nl.eml", "1Z8Y1234A681234562")
DELIVERED = ("ups_delivered_html.eml", "1ZV2E4W16804123452")
OUT_FOR_DELIVERY = ("ups_out_for_delivery_en.eml", "1ZA4X9170312345676")


def settings(odoo: OdooStandin, folder: Path, model_dir: Path) -> Settings:
    """The test settings with our own mail server's Authentication-Results trusted."""
    base = settings_for(odoo, folder, model_dir)
    assert base.odoo is not None
    trusted = base.odoo.model_copy(update={"trusted_authserv_ids": [MX]})
    return base.model_copy(update={"odoo": trusted})


def ingest(runtime: Runtime, raw: bytes) -> str:
    result = runtime.pipeline.accept(raw, source="test", position="carrier")
    assert result.message_id is not None, result.reason
    return result.message_id


def test_an_address_problem_becomes_work_for_the_warehouse_on_the_picking(
    odoo_server: OdooStandin, tmp_path: Path, trained_model_dir: Path
) -> None:
    with running(settings(odoo_server, tmp_path, trained_model_dir)) as runtime:
        message_id = ingest(runtime, ups(*ADDRESS, key="address"))
        signal = runtime.store.signal(message_id)
        assert signal is not None and signal.intent == "delivery_problem"
        links = runtime.links.result(message_id)
        assert links is not None
        assert [(lk.model, lk.record_id, lk.status.value) for lk in links.links] == [
            ("stock.picking", 4, "linked")
        ]
        (state,) = links.shipments
        assert (state.tracking_number, state.picking_id) == (OURS, 4)
        assert state.open_exception is ExceptionKind.ADDRESS_PROBLEM
        assert build_worker(runtime).run_due() == 2
        done = [(a.kind, a.rule_id, a.state.value) for a in runtime.actions.for_message(message_id)]
    assert done == [
        ("activity", "carrier-exception", "done"),
        ("priority", "carrier-exception", "done"),
    ]
    picking = odoo_server.record("stock.picking", 4)
    assert picking is not None and picking["priority"] == "1"


def test_an_unauthenticated_carrier_mail_does_not_link_our_customers_picking(
    odoo_server: OdooStandin, tmp_path: Path, trained_model_dir: Path
) -> None:
    with running(settings(odoo_server, tmp_path, trained_model_dir)) as runtime:
        message_id = ingest(runtime, ups(*ADDRESS, key="forged", auth=False))
        links = runtime.links.result(message_id)
        assert links is not None
        assert [lk.status.value for lk in links.links if lk.model == "stock.picking"] == [
            "rejected"
        ]
        assert runtime.actions.for_message(message_id) == []
        assert links.shipments == []  # a forged "delivered" would otherwise stay for good
        assert runtime.pipeline.shipments is not None
        assert runtime.pipeline.shipments.store.state(OURS) is None


def test_updates_out_of_order_and_twice_keep_the_latest_state(
    odoo_server: OdooStandin, tmp_path: Path, trained_model_dir: Path
) -> None:
    with running(settings(odoo_server, tmp_path, trained_model_dir)) as runtime:
        ingest(runtime, ups(*DELIVERED, key="delivered"))
        late = ingest(runtime, ups(*OUT_FOR_DELIVERY, key="late"))
        again = runtime.pipeline.accept(
            ups(*DELIVERED, key="delivered"), source="test", position="again"
        )
        shipments = runtime.pipeline.shipments
        assert shipments is not None
        state = shipments.store.state(OURS)
        events = shipments.store.events(OURS)
        late_links = runtime.links.result(late)
    assert state is not None and state.status is ShipmentStatus.DELIVERED
    assert again.message_id is not None and len(events) == 2  # the resent mail added nothing
    assert late_links is not None and late_links.shipments[0].status is ShipmentStatus.DELIVERED


def test_the_message_page_shows_each_parcels_latest_state(
    odoo_server: OdooStandin, tmp_path: Path, trained_model_dir: Path
) -> None:
    app = create_app(settings(odoo_server, tmp_path, trained_model_dir))
    runtime: Runtime = app.state.runtime
    runtime.users.create("alex", PASSWORD, UserRole.AGENT)
    with TestClient(app) as client:
        browser = Browser(client)
        assert browser.login("alex") == 303
        ingest(runtime, ups(*DELIVERED, key="delivered"))
        late = ingest(runtime, ups(*ADDRESS, key="address"))
        page = browser.page(f"/messages/{late}")
    row = page.css_first(f'section[aria-label="Parcels"] tr[data-tracking="{OURS}"]')
    assert row is not None
    assert row.css_first("td.status").text() == "delivered"  # the later mail did not undo it
    assert "address problem" in row.css_first("td.exception").text()
