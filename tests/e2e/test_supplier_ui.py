"""The supplier check and the replenishment alternatives in real Chromium, from mails taken
through the live pipeline (the real link step against the Odoo stand-in), with the README's
two screenshots (docs/screenshots, rewritten every run)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from models.link import LinkResult
from tests.e2e.conftest import LiveServer, login
from tests.integration.workflow_support import SUPPLIER_DELAY
from tests.supplier_docs import (
    IBERICA_P00021,
    confirmation_mail,
    confirmation_pdf,
    date_changed,
    price_changed,
    scanned_pdf,
    short_quantity,
    with_line,
    without_line,
)

pytestmark = pytest.mark.e2e
README_SHOTS = Path(__file__).parents[2] / "docs" / "screenshots"
PDF_TYPE = "application/pdf"
MAIL_DAY = date(2025, 3, 5)  # SUPPLIER_DELAY's Date: alternatives count from that day


def confirmation() -> bytes:
    """Iberica confirms P00021 with one change of each kind, and a scanned copy nobody can read."""
    lines = date_changed(IBERICA_P00021, "IB-EVO5", date(2025, 4, 10))
    lines = short_quantity(lines, "IB-EVO1", 96)
    lines = price_changed(lines, "IB-VJ500", 3.25)
    lines = with_line(without_line(lines, "IB-ACV3"))
    pdf = confirmation_pdf(lines, layout="grid", language="es", reference="P00021")
    return confirmation_mail(
        [("IB-SO-88231.pdf", PDF_TYPE, pdf), ("IB-SO-88231-firmado.pdf", PDF_TYPE, scanned_pdf())],
        "Estimados señores: adjuntamos la confirmación de su pedido de compra P00021.\n"
        "Atentamente, Carlos Ruiz, Iberica Olive Oil S.A.",
    )


def ingest(live: LiveServer, raw: bytes) -> tuple[str, LinkResult]:
    """A mail through the live runtime's pipeline; its id and the link result saved for it."""
    message_id = live.runtime.pipeline.accept(raw, source="test", position="e2e").message_id
    assert message_id is not None
    return message_id, live.runtime.links.result(message_id) or LinkResult()


def readme_shot(locator: Any, name: str) -> None:
    """A PNG of one section (not the whole page) for the README."""
    README_SHOTS.mkdir(parents=True, exist_ok=True)
    locator.screenshot(path=str(README_SHOTS / f"{name}.png"), animations="disabled")


def test_the_confirmation_table_in_the_browser(page: Any, live: LiveServer) -> None:
    message_id, result = ingest(live, confirmation())
    assert [c.purchase_order for c in result.supplier_checks] == ["P00021"]
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, live, "alex")
    page.goto(f"{live.url}/messages/{message_id}")
    section = page.get_by_role("region", name="Supplier confirmation P00021")
    table = section.get_by_role("table", name="P00021 lines against the supplier's document")
    assert table.locator("tbody tr").count() == 5
    short = table.get_by_role("row", name="PO line OLV-1L")
    assert "120 → 96" in short.locator('li[data-kind="quantity_short"]').inner_text()
    cell = short.locator("td.theirs.qty")
    assert "differs" in str(cell.get_attribute("class"))
    assert cell.evaluate("e => getComputedStyle(e).backgroundColor") != "rgba(0, 0, 0, 0)"
    price = table.get_by_role("row", name="PO line VIN-500").locator('li[data-kind="price_up"]')
    assert "3.25" in price.inner_text()
    assert "missing" in str(
        table.get_by_role("row", name="PO line OLI-GRN-3KG").get_attribute("class")
    )
    extra = section.get_by_role("table", name="Extra lines on the supplier's document")
    assert "IB-EVO5-BIO" in extra.inner_text()
    assert "no text" in section.get_by_role("note").inner_text()
    readme_shot(section, "supplier-confirmation")


def test_the_delay_alternatives_in_the_browser(page: Any, live: LiveServer) -> None:
    linker = live.runtime.pipeline.linker
    assert linker is not None
    live.runtime.pipeline.linker = replace(linker, today=lambda: MAIL_DAY)
    message_id, result = ingest(live, SUPPLIER_DELAY)
    assert [o.name for o in result.impacted if o.held] == ["S00042", "S00045", "S00048"]
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, live, "alex")
    page.goto(f"{live.url}/messages/{message_id}")
    s00042 = page.get_by_role("region", name="Alternatives for S00042")
    assert s00042.locator(".could-ship").inner_text() == "Could ship now: 13 of 20"
    table = s00042.get_by_role("table", name="Alternatives for OLV-5L on S00042")
    stock = table.locator('tr[data-kind="stock"] th[scope=row]').all_inner_texts()
    assert stock == ["Northwind Rotterdam", "Northwind Madrid"]
    vendors = table.locator('tr[data-kind="vendor"] th[scope=row]').all_inner_texts()
    assert vendors == ["Olivar del Sur S.L. OS-5000", "Mediterraneo Foods GmbH MF-EVOO-5"]
    assert table.locator("td.meets").all_inner_texts() == ["yes", "yes", "yes", "no"]
    readme_shot(
        page.get_by_role("region", name="Replenishment alternatives"), "supplier-delay-alternatives"
    )
