"""The message page's supplier check and replenishment alternatives, rendered over HTTP from
a link result saved through the runtime's LinkStore (pages parsed, asserted by selectors)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborNode

from api.app import create_app
from models import UserRole
from models.link import LinkResult
from models.replenish import Alternative, HeldProduct, SourceKind
from models.supplier import (
    Discrepancy,
    DiscrepancyKind,
    DocumentKind,
    DocumentLine,
    LineMatch,
    PoLine,
    SupplierCheck,
    SupplierDocument,
)
from tests.integration.odoo_standin import OdooStandin
from tests.integration.test_ui import PASSWORD, Browser
from tests.integration.workflow_support import SUPPLIER_DELAY, mail, settings_for
from triage.runtime import Runtime

pytestmark = pytest.mark.integration
PDF = "IB-SO-88231.pdf"
SCAN = "IB-SO-88231-firmado.pdf"
PLANNED = dt.date(2025, 4, 7)
CONFIRMATION = mail(
    "confirm-p00021",
    "carlos.ruiz@iberica-oil.example",
    "Order confirmation IB-SO-88231 for your purchase order P00021",
    "Dear buyer, please find attached our order confirmation IB-SO-88231 for your purchase "
    "order P00021. Kind regards, Carlos Ruiz, Iberica Olive Oil S.A.",
)


def _po_line(id: int, product_id: int, code: str, name: str, qty: float, price: float) -> PoLine:
    return PoLine(
        id=id,
        product_id=product_id,
        product=name,
        code=code,
        quantity=qty,
        unit="Units",
        price_unit=price,
        date_planned=PLANNED,
    )


def _line(position: int, code: str, text: str, qty: float, price: float, day: int) -> DocumentLine:
    return DocumentLine(
        position=position,
        codes=[code],
        description=text,
        quantity=qty,
        unit="Units",
        unit_price=price,
        currency="EUR",
        date=dt.date(2025, 4, day),
    )


def _gap(
    kind: DiscrepancyKind, po_line: int | None, position: int | None, **values: Any
) -> Discrepancy:
    return Discrepancy(
        kind=kind,
        po_line_id=po_line,
        document=PDF,
        position=position,
        **values,
    )


def p00021_check() -> SupplierCheck:
    """Iberica's confirmation of P00021 (seed lines 21-25): one difference of every kind."""
    po_lines = [
        _po_line(21, 1, "OLV-5L", "Extra Virgin Olive Oil 5 L", 40, 31.0),
        _po_line(22, 5, "OLV-1L", "Extra Virgin Olive Oil 1 L", 120, 7.2),
        _po_line(23, 6, "VIN-500", "Sherry Vinegar 500 ml", 60, 3.1),
        _po_line(24, 7, "OLI-GRN-3KG", "Green Olives 3 kg", 30, 9.8),
        _po_line(25, 4, "TOM-2.5", "Peeled Tomatoes 2.5 kg", 48, 3.9),
    ]
    lines = [
        _line(1, "IB-EVO5", "Aceite de oliva virgen extra 5 L", 40, 31.0, 10),
        _line(2, "IB-EVO1", "Aceite de oliva virgen extra 1 L", 96, 7.2, 7),
        _line(3, "IB-VJ500", "Vinagre de Jerez 500 ml", 60, 3.25, 7),
        _line(4, "IB-ACVP3", "Aceitunas verdes partidas 3 kg", 30, 9.8, 7),
        _line(5, "IB-ACN3", "Aceitunas negras 3 kg", 12, 11.4, 7),
    ]
    matched = {
        1: (21, 1, "supplier code"),
        2: (22, 5, "supplier code"),
        3: (23, 6, "supplier code"),
    }
    matched[4] = (24, None, "supplier product name")
    matches = [
        LineMatch(document=PDF, position=p, po_line_id=po, product_id=prod, matched_by=by)
        for p, (po, prod, by) in matched.items()
    ] + [LineMatch(document=PDF, position=5)]
    K = DiscrepancyKind
    gaps = [
        _gap(
            K.DATE_LATER,
            21,
            1,
            line="OLV-5L",
            field="date_planned",
            ours="2025-04-07",
            theirs="2025-04-10",
            delta=3,
            share=None,
            within_tolerance=True,
        ),
        _gap(
            K.QUANTITY_SHORT,
            22,
            2,
            line="OLV-1L",
            field="product_qty",
            ours="120",
            theirs="96",
            delta=-24,
            share=-0.2,
        ),
        _gap(
            K.PRICE_UP,
            23,
            3,
            line="VIN-500",
            field="price_unit",
            ours="3.10",
            theirs="3.25",
            delta=0.15,
            share=0.0484,
        ),
        _gap(
            K.SUBSTITUTED,
            24,
            4,
            line="OLI-GRN-3KG",
            field="product_id",
            ours="OLI-GRN-3KG Green Olives 3 kg",
            theirs="IB-ACVP3 Aceitunas verdes partidas 3 kg",
        ),
        _gap(K.MISSING_LINE, 25, None, line="TOM-2.5", field="line", ours="48"),
        _gap(
            K.EXTRA_LINE, None, 5, line="IB-ACN3 Aceitunas negras 3 kg", field="line", theirs="12"
        ),
    ]
    documents = [
        SupplierDocument(
            source=PDF,
            kind=DocumentKind.PDF,
            lines=lines,
            currency="EUR",
            reference="P00021",
            language="es",
        ),
        SupplierDocument(
            source=SCAN, kind=DocumentKind.PDF, defect="scanned PDF: no text layer, not read"
        ),
    ]
    return SupplierCheck(
        purchase_order_id=7,
        purchase_order="P00021",
        vendor_id=20,
        currency="EUR",
        documents=documents,
        po_lines=po_lines,
        matches=matches,
        discrepancies=gaps,
    )


def _stock(id: int, name: str, available: float, covers: float) -> Alternative:
    return Alternative(
        kind=SourceKind.STOCK,
        source_id=id,
        source=name,
        available=available,
        earliest=dt.date(2025, 3, 6),
        meets_promise=True,
        covers=covers,
    )


def _vendor(
    id: int,
    name: str,
    code: str,
    lead: int,
    min_qty: float,
    price: float,
    earliest: dt.date,
    meets: bool | None,
    covers: float,
) -> Alternative:
    return Alternative(
        kind=SourceKind.VENDOR,
        source_id=id,
        source=name,
        lead_days=lead,
        min_qty=min_qty,
        price=price,
        currency="EUR",
        vendor_code=code,
        earliest=earliest,
        meets_promise=meets,
        covers=covers,
    )


def olive_oil_held(needed: float, promised: dt.date | None) -> HeldProduct:
    """OLV-5L held by late P00017: Rotterdam 8 and Madrid 5 free, two other vendors (seed)."""
    meets = None if promised is None else dt.date(2025, 3, 10) <= promised
    return HeldProduct(
        product_id=1,
        product="Extra Virgin Olive Oil 5 L",
        code="OLV-5L",
        needed=needed,
        promised=promised,
        alternatives=[
            _stock(2, "Northwind Rotterdam", 8, min(8, needed)),
            _stock(3, "Northwind Madrid", 5, min(5, max(needed - 8, 0))),
            _vendor(
                23,
                "Olivar del Sur S.L.",
                "OS-5000",
                5,
                20,
                33.5,
                dt.date(2025, 3, 10),
                meets,
                needed,
            ),
            _vendor(
                24,
                "Mediterraneo Foods GmbH",
                "MF-EVOO-5",
                21,
                50,
                32.0,
                dt.date(2025, 3, 26),
                False if promised else None,
                needed,
            ),
        ],
    )


def with_held(result: LinkResult) -> LinkResult:
    """The linker's result for the P00017 delay, with each impacted order's held products."""
    needs = {"S00042": 20.0, "S00045": 10.0, "S00048": 6.0}
    impacted = [
        order.model_copy(
            update={"held": [olive_oil_held(needs[order.name], order.commitment_date)]}
        )
        for order in result.impacted
    ]
    return result.model_copy(update={"impacted": impacted})


@pytest.fixture
def ui(
    odoo_server: OdooStandin, tmp_path: Path, trained_model_dir: Path
) -> Iterator[tuple[Browser, Runtime]]:
    app = create_app(settings_for(odoo_server, tmp_path, trained_model_dir))
    runtime: Runtime = app.state.runtime
    runtime.users.create("alex", PASSWORD, UserRole.AGENT)
    with TestClient(app) as client:
        client_browser = Browser(client)
        assert client_browser.login("alex") == 303
        yield client_browser, runtime


def stored(runtime: Runtime, raw: bytes) -> tuple[str, LinkResult]:
    """Ingest a mail through the pipeline; its id and the link result the linker saved."""
    message_id = runtime.pipeline.accept(raw, source="test", position="ui").message_id
    assert message_id is not None
    return message_id, runtime.links.result(message_id) or LinkResult()


def _texts(nodes: list[LexborNode]) -> list[str]:
    return [" ".join(n.text().split()) for n in nodes]


def test_the_confirmation_shows_each_po_line_next_to_the_supplier_document(
    ui: tuple[Browser, Runtime],
) -> None:
    browser, runtime = ui
    message_id, result = stored(runtime, CONFIRMATION)
    runtime.links.save(message_id, result.model_copy(update={"supplier_checks": [p00021_check()]}))
    page = browser.page(f"/messages/{message_id}")
    section = page.css_first('section[aria-label="Supplier confirmation P00021"]')
    assert section is not None
    table = section.css_first("table.po-lines")
    assert table is not None and "P00021" in table.css_first("caption").text()
    assert [th.attributes["scope"] for th in table.css("thead th")].count("col") == 11
    rows = {int(str(r.attributes["data-po-line"])): r for r in table.css("tbody tr")}
    assert list(rows) == [21, 22, 23, 24, 25]
    assert rows[21].css_first("th[scope=row]").text() == "Extra Virgin Olive Oil 5 L"
    assert _texts(rows[22].css("td"))[:9] == [
        "OLV-1L",
        "120",
        "Units",
        "7.20",
        "2025-04-07",
        "IB-SO-88231.pdf #2 · IB-EVO1",
        "96",
        "7.20",
        "2025-04-07",
    ]
    short = rows[22].css_first('li.discrepancy[data-kind="quantity_short"]')
    assert short is not None
    assert " ".join(short.text().split()) == "quantity short 120 → 96 -24 (-20.0 %)"
    assert "differs" in str(rows[22].css_first("td.theirs.qty").attributes["class"])
    assert "differs" not in str(rows[22].css_first("td.theirs.price").attributes["class"])
    price = rows[23].css_first('li[data-kind="price_up"]')
    assert "3.10 → 3.25" in price.text() and "+0.15" in price.text() and "+4.8 %" in price.text()
    assert price.css_first(".badge") is None
    later = rows[21].css_first('li[data-kind="date_later"]')
    assert (
        "+3 days" in later.text()
        and later.css_first(".badge.tolerance").text() == "within tolerance"
    )
    assert "tolerated" in str(rows[21].css_first("td.theirs.date").attributes["class"])
    assert rows[24].css_first('li[data-kind="substituted"]') is not None
    assert "missing" in str(rows[25].attributes["class"])
    assert "not on the supplier's document" in rows[25].css_first("td.none").text()


def test_extra_lines_substitutions_and_unread_documents_are_listed(
    ui: tuple[Browser, Runtime],
) -> None:
    browser, runtime = ui
    message_id, result = stored(runtime, CONFIRMATION)
    runtime.links.save(message_id, result.model_copy(update={"supplier_checks": [p00021_check()]}))
    section = browser.page(f"/messages/{message_id}").css_first("section.supplier-check")
    assert "6 discrepancies" in section.css_first("h2").text()
    extra = section.css("table.extra-lines tbody tr")
    assert len(extra) == 1 and "IB-ACN3" in extra[0].text()
    assert extra[0].css_first('li[data-kind="extra_line"]') is not None
    assert _texts(section.css("ul.substituted li")) == [
        "OLI-GRN-3KG Green Olives 3 kg → IB-ACVP3 Aceitunas verdes partidas 3 kg"
    ]
    documents = section.css("ul.documents li")
    assert _texts([d.css_first(".source") for d in documents]) == [PDF, SCAN]
    assert "5 lines" in documents[0].text() and documents[0].css_first(".defect") is None
    notice = documents[1].css_first('p.defect[role="note"]')
    assert notice is not None and "scanned PDF: no text layer, not read" in notice.text()


def test_a_page_without_supplier_checks_shows_no_such_section(ui: tuple[Browser, Runtime]) -> None:
    browser, runtime = ui
    message_id, _ = stored(runtime, CONFIRMATION)
    runtime.links.save(message_id, LinkResult())
    page = browser.page(f"/messages/{message_id}")
    assert page.css_first("section.supplier-check") is None
    assert page.css_first("section.alternatives") is None


def test_a_delay_lists_alternatives_per_held_product(ui: tuple[Browser, Runtime]) -> None:
    browser, runtime = ui
    message_id, result = stored(runtime, SUPPLIER_DELAY)
    assert [o.name for o in result.impacted] == ["S00042", "S00045", "S00048"]
    runtime.links.save(message_id, with_held(result))
    page = browser.page(f"/messages/{message_id}")
    orders = page.css("section.alternatives section.held-order")
    assert [o.attributes["aria-label"] for o in orders] == [
        "Alternatives for S00042",
        "Alternatives for S00045",
        "Alternatives for S00048",
    ]
    s00042 = orders[0]
    assert s00042.css_first(".could-ship").text() == "Could ship now: 13 of 20"
    table = s00042.css_first('table[aria-label="Alternatives for OLV-5L on S00042"]')
    caption = " ".join(table.css_first("caption").text().split())
    assert caption == "OLV-5L Extra Virgin Olive Oil 5 L: 20 needed, promised for 2025-03-14"
    routes = table.css("tbody tr")
    assert _texts([r.css_first("th[scope=row]") for r in routes]) == [
        "Northwind Rotterdam",
        "Northwind Madrid",
        "Olivar del Sur S.L. OS-5000",
        "Mediterraneo Foods GmbH MF-EVOO-5",
    ]
    assert _texts(routes[0].css("td"))[:2] == ["stock", "8"]
    assert _texts(routes[2].css("td")) == [
        "other vendor",
        "",
        "5 days",
        "20",
        "33.50 EUR",
        "2025-03-10",
        "yes",
        "20",
    ]
    assert routes[3].css_first("td.meets").text() == "no"
    assert orders[1].css_first(".could-ship").text() == "Could ship now: 10 of 10"
