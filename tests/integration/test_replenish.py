"""Replenishment alternatives for the products a supplier delay holds up, against the Odoo
stand-in over real HTTP: stock in the other warehouses, the other vendors, the promise kept."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from models import Alternative, DraftFacts, HeldProduct, IntentScore, LinkResult, Signal, SourceKind
from parsers import message_from_text
from tests.integration.odoo_data import BOT, BOT_API_KEY, DB
from tests.integration.odoo_modules import ALL_MODULES
from tests.integration.odoo_profiles import VERSIONS
from tests.integration.odoo_standin import OdooStandin
from tests.integration.workflow_support import SUPPLIER_DELAY, running, settings_for
from triage.config import OdooSettings, Settings
from triage.link.linker import Linker
from triage.llm.drafting import draft_customer_update
from triage.policy.supplier import partial_offer
from triage.runtime import build_linker

pytestmark = pytest.mark.integration
ODOO_VERSIONS = VERSIONS  # each stand-in test runs on Odoo 17.0 and 18.0
MARCH_5 = datetime(2025, 3, 5, 9, 0, tzinfo=UTC)
MARCH_6 = date(2025, 3, 6)
DELAY = "Sorry, P00017 is delayed, new ETA 2025-03-20."
IBERICA = "carlos.ruiz@iberica-oil.example"
NO_STOCK = [m for m in ALL_MODULES if "stock" not in m and m != "delivery"]


def linker_for(server: OdooStandin) -> Linker:
    values = {"url": server.url, "database": DB, "login": BOT, "api_key": BOT_API_KEY}
    built = build_linker(Settings(odoo=OdooSettings.model_validate(values)))
    assert built is not None
    return dataclasses.replace(built, today=lambda: MARCH_6, transfer_days=1)


def delay(linker: Linker, text: str = DELAY) -> LinkResult:
    message = message_from_text(text, sender=IBERICA, received_at=MARCH_5)
    signal = Signal(
        message_id=message.id, intents=[IntentScore(intent="supplier_delay", confidence=0.9)]
    )
    return linker.link(message, signal)


def held(result: LinkResult) -> dict[str, HeldProduct]:
    """The OLV-5L held on each impacted order, by order name."""
    found = {}
    for order in result.impacted:
        assert [h.code for h in order.held] == ["OLV-5L"], order.name
        found[order.name] = order.held[0]
    return found


def routes(product: HeldProduct) -> list[tuple[str, str, date | None, bool | None, float]]:
    return [
        (a.kind.value, a.source, a.earliest, a.meets_promise, a.covers)
        for a in product.alternatives
    ]


def vendor(product: HeldProduct, name: str) -> Alternative:
    return next(a for a in product.alternatives if a.source.startswith(name))


@pytest.fixture
def linker(odoo_server: OdooStandin) -> Linker:
    return linker_for(odoo_server)


def test_stock_elsewhere_and_other_vendors_for_the_held_product(linker: Linker) -> None:
    result = delay(linker)
    assert result.skipped == []
    products = held(result)
    assert set(products) == {"S00042", "S00045", "S00048"}
    s00042 = products["S00042"]
    assert (s00042.product, s00042.needed, s00042.promised) == (
        "Extra Virgin Olive Oil 5 L",
        20.0,
        date(2025, 3, 14),
    )
    # Antwerp is the order's own warehouse; the customers' 40 are not stock; Iberica is late.
    assert routes(s00042) == [
        ("stock", "Northwind Rotterdam", date(2025, 3, 7), True, 8.0),
        ("stock", "Northwind Madrid", date(2025, 3, 7), True, 5.0),
        ("vendor", "Olivar del Sur S.L.", date(2025, 3, 11), True, 20.0),
        ("vendor", "Mediterraneo Foods GmbH", date(2025, 3, 27), False, 20.0),
    ]
    olivar, mediterraneo = vendor(s00042, "Olivar"), vendor(s00042, "Mediterraneo")
    assert (olivar.lead_days, olivar.min_qty, olivar.price) == (5, 20.0, 33.5)
    assert (olivar.vendor_code, olivar.currency, olivar.source_id) == ("OS-5000", "EUR", 23)
    assert (mediterraneo.lead_days, mediterraneo.min_qty, mediterraneo.price) == (21, 50.0, 32.0)
    assert [a.available for a in s00042.alternatives[:2]] == [8.0, 5.0]
    assert s00042.stock_now == 13.0


def test_stock_is_shared_out_earliest_promise_first(linker: Linker) -> None:
    orders = held(delay(linker))
    s00045 = orders["S00045"]
    # Alone, the free stock would cover S00045 in full: its alternatives still say so.
    stock = [a for a in s00045.alternatives if a.kind is SourceKind.STOCK]
    assert [(a.source, a.covers) for a in stock] == [
        ("Northwind Rotterdam", 8.0),
        ("Northwind Madrid", 5.0),
    ]
    # But S00042, promised earlier (03-14), takes all 13 free units: no customer is offered
    # units another was offered already.
    assert (orders["S00042"].stock_now, s00045.stock_now, orders["S00048"].stock_now) == (
        13.0, 0.0, 0.0
    )  # fmt: skip


def test_reads_are_batched_for_all_the_orders(odoo_server: OdooStandin, linker: Linker) -> None:
    delay(linker)
    for model in ("sale.order.line", "stock.quant", "stock.location", "product.supplierinfo"):
        reads = [c for c in odoo_server.calls_to(model) if c.method != "fields_get"]  # the probe
        assert len(reads) == 1, model
    assert {c.method for c in odoo_server.calls} <= {
        "login", "version", "version_info", "context_get", "search_read", "read", "fields_get"
    }  # fmt: skip


def test_the_partial_delivery_is_offered_in_the_customer_update(linker: Linker) -> None:
    orders = {o.name: o for o in delay(linker).impacted}
    s00042 = orders["S00042"]
    partial = partial_offer(s00042)  # what the policy puts in the update's facts
    assert partial == ["13 of 20 Extra Virgin Olive Oil 5 L"]
    assert partial_offer(orders["S00045"]) == []  # S00042 took the free stock: nothing to offer
    facts = DraftFacts(
        customer=s00042.customer,
        order=s00042.name,
        old_date="2025-03-14",
        new_date="2025-03-20",
        partial=partial,
        language="es_ES",  # Lopez Catering's language
    )
    draft = draft_customer_update(facts, DELAY, None)
    assert "13 de 20 Extra Virgin Olive Oil 5 L" in draft.body
    assert "entrega parcial" in draft.body


def test_a_product_fully_delivered_is_not_held(odoo_server: OdooStandin, linker: Linker) -> None:
    client = odoo_server.connect()
    client.env["sale.order.line"].browse(11).write({"qty_delivered": 20})
    client.logout()
    result = delay(linker)
    orders = {o.name: o for o in result.impacted}
    assert orders["S00042"].held == []
    assert [h.needed for h in orders["S00045"].held] == [10.0]


def test_an_unusable_vendor_list_is_skipped_with_its_reason(
    odoo_server: OdooStandin, linker: Linker
) -> None:
    odoo_server.inject(
        "odoo_error",
        model="product.supplierinfo",
        method="search_read",
        name="builtins.ValueError",
        message="Invalid field 'delay' on model 'product.supplierinfo'",
    )
    result = delay(linker)
    assert result.skipped == [
        "replenishment: other vendors not listed: Invalid field 'delay' on model "
        "'product.supplierinfo'"
    ]
    s00042 = held(result)["S00042"]
    assert {a.kind for a in s00042.alternatives} == {SourceKind.STOCK}


@pytest.fixture(scope="module")
def no_stock_server() -> Iterator[OdooStandin]:
    """A stand-in without the Inventory app (nor the modules that need it)."""
    with OdooStandin(modules=NO_STOCK) as server:
        yield server


def test_without_inventory_only_vendors_are_listed(no_stock_server: OdooStandin) -> None:
    no_stock_server.reset()
    result = delay(linker_for(no_stock_server))
    assert "replenishment: stock in other warehouses not listed: stock is not installed" in (
        result.skipped
    )
    s00042 = held(result)["S00042"]
    assert [a.source for a in s00042.alternatives] == [
        "Olivar del Sur S.L.",
        "Mediterraneo Foods GmbH",
    ]
    # Only the capability probe asks about stock.quant (fields_get); nothing reads it.
    assert {c.method for c in no_stock_server.calls_to("stock.quant")} <= {"fields_get"}


def test_without_sale_stock_the_orders_warehouse_is_unknown_and_said() -> None:
    with OdooStandin(modules="minimal") as server:
        result = delay(linker_for(server))
    assert len(result.skipped) == 1
    assert result.skipped[0].startswith(
        "replenishment: the orders' own warehouse unknown, stock of every warehouse listed: "
    )
    s00042 = held(result)["S00042"]  # found by the purchase order's origin
    assert [a.source for a in s00042.alternatives][:2] == [
        "Northwind Rotterdam",
        "Northwind Madrid",
    ]


@pytest.mark.parametrize("odoo_version", ["17.0"], indirect=True)  # slow: one version is enough
def test_the_mail_pipeline_drafts_the_offer_for_the_customer(
    odoo_server: OdooStandin, tmp_path: Path, trained_model_dir: Path
) -> None:
    with running(settings_for(odoo_server, tmp_path, trained_model_dir)) as runtime:
        accepted = runtime.pipeline.accept(SUPPLIER_DELAY, source="test", position="delay")
        assert accepted.message_id is not None, accepted.reason
        actions = runtime.actions.for_message(accepted.message_id)
    drafts = {a.target.name: a.payload for a in actions if a.kind == "customer_update"}
    s00042 = drafts["S00042"]
    assert s00042["facts"]["partial"] == ["13 of 20 Extra Virgin Olive Oil 5 L"]
    assert s00042["draft"]["language"] == "es"
    assert "13 de 20 Extra Virgin Olive Oil 5 L" in s00042["draft"]["body"]
    s00045 = drafts["S00045"]  # stock covers it all: nothing partial to offer
    assert not s00045["facts"].get("partial") and s00045["draft"]["language"] == "nl"
    assert "deellevering" not in s00045["draft"]["body"]
