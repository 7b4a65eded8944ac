"""A supplier's order confirmation end to end against the Odoo stand-in: the PDF read, its
lines compared with P00021, the policy's note and buyer activity run, and the PO line changes
waiting for a person; nothing is written to the PO before an approver says so."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from models import ActionRecord, ActionState, DiscrepancyKind, LinkResult, UserRole
from tests.integration.odoo_profiles import VERSIONS
from tests.integration.odoo_standin import OdooStandin
from tests.integration.workflow_support import settings_for
from tests.supplier_docs import (
    IBERICA_P00021,
    confirmation_mail,
    confirmation_pdf,
    date_changed,
    price_changed,
    scanned_pdf,
)
from triage.runtime import Runtime, build_runtime, build_worker

pytestmark = pytest.mark.integration
ODOO_VERSIONS = VERSIONS
PO_ID = 7  # P00021, Iberica's five-line order (tests/integration/odoo_data.py)
SENDER = "Carlos Ruiz <carlos.ruiz@iberica-oil.example>"
PDF = "application/pdf"
APRIL_9 = date(2025, 4, 9)  # two days after P00021's date: within the policy's 3 days


def confirmation(
    key: str, lines: list[Any], *, layout: str = "grid", language: str = "en"
) -> bytes:
    pdf = confirmation_pdf(lines, layout=layout, language=language, reference="P00021")
    return confirmation_mail(
        [("AB-88231.pdf", PDF, pdf)],
        "Dear Piet,\n\nplease find attached our order confirmation.\n\nBest regards,\nCarlos",
        sender=SENDER,
        subject="Order confirmation AB-88231",
        message_id=f"<{key}@iberica-oil.example>",
    )


Store = Callable[[bytes], tuple[Runtime, str, LinkResult]]


@pytest.fixture
def stored(odoo_server: OdooStandin, tmp_path: Path, trained_model_dir: Path) -> Iterator[Store]:
    """Takes a raw mail through the pipeline: the runtime, the message id, its link result."""
    runtimes: list[Runtime] = []

    def store(raw: bytes) -> tuple[Runtime, str, LinkResult]:
        runtimes.append(build_runtime(settings_for(odoo_server, tmp_path, trained_model_dir)))
        message_id = ingest(runtimes[-1], raw)
        links = runtimes[-1].links.result(message_id)
        assert links is not None
        return runtimes[-1], message_id, links

    yield store
    for runtime in runtimes:
        runtime.engine.dispose()


def ingest(runtime: Runtime, raw: bytes) -> str:
    result = runtime.pipeline.accept(raw, source="test", position="supplier")
    assert result.message_id is not None, result.reason
    return result.message_id


def actions(runtime: Runtime, message_id: str) -> dict[tuple[str, str], ActionRecord]:
    found = runtime.actions.for_message(message_id)
    return {(a.kind, ",".join(c["field"] for c in a.payload.get("changes", []))): a for a in found}


def line(odoo: OdooStandin, line_id: int) -> dict[str, Any]:
    row = odoo.record("purchase.order.line", line_id)
    assert row is not None
    return row


def po_line_writes(odoo: OdooStandin) -> list[Any]:
    return odoo.calls_to("purchase.order.line", "write")


def test_a_new_price_waits_for_an_approver_and_nothing_is_written_before(
    odoo_server: OdooStandin, tmp_path: Path, trained_model_dir: Path
) -> None:
    lines = date_changed(price_changed(IBERICA_P00021, "IB-VJ500", 3.35), "IB-EVO5", APRIL_9)
    app = create_app(settings_for(odoo_server, tmp_path, trained_model_dir))
    runtime: Runtime = app.state.runtime
    agent = runtime.keys.create("alex", UserRole.AGENT)
    approver = runtime.keys.create("paula", UserRole.APPROVER)
    with TestClient(app) as client:
        message_id = ingest(runtime, confirmation("price", lines))
        links = runtime.links.result(message_id)
        assert links is not None and [c.purchase_order for c in links.supplier_checks] == ["P00021"]
        found = {(d.kind, d.po_line_id) for d in links.supplier_checks[0].discrepancies}
        assert found == {(DiscrepancyKind.PRICE_UP, 23), (DiscrepancyKind.DATE_LATER, 21)}
        assert build_worker(runtime).run_due() == 2  # the note and the buyer's activity
        by_kind = actions(runtime, message_id)
        price = by_kind[("update_po_lines", "price_unit")]
        dates = by_kind[("update_po_lines", "date_planned")]
        assert (price.state, price.approval) == (ActionState.PROPOSED, "approver")
        assert (dates.state, dates.approval) == (ActionState.PROPOSED, "agent")
        assert po_line_writes(odoo_server) == []
        assert line(odoo_server, 23)["price_unit"] == 3.1

        refused = client.post(
            f"/v1/actions/{price.id}/approve", headers={"Authorization": f"Bearer {agent}"}
        )
        assert refused.status_code == 403
        assert build_worker(runtime).run_due() == 0 and po_line_writes(odoo_server) == []

        approved = client.post(
            f"/v1/actions/{price.id}/approve", headers={"Authorization": f"Bearer {approver}"}
        )
        assert approved.status_code == 200
        assert build_worker(runtime).run_due() == 1
    assert line(odoo_server, 23)["price_unit"] == 3.35
    assert line(odoo_server, 21)["date_planned"].startswith("2025-04-07")  # not approved
    notes = _po_messages(odoo_server)
    table = next(m for m in notes if "<table>" in m["body"])
    assert "price up" in table["body"] and "3.35" in table["body"]
    assert any("Applied the supplier" in m["body"] for m in notes)
    assert runtime.actions.get(price.id).state is ActionState.DONE  # type: ignore[union-attr]


def test_a_line_the_buyer_changed_meanwhile_is_not_overwritten(
    odoo_server: OdooStandin, tmp_path: Path, trained_model_dir: Path
) -> None:
    lines = date_changed(IBERICA_P00021, "IB-EVO5", APRIL_9)
    app = create_app(settings_for(odoo_server, tmp_path, trained_model_dir))
    runtime: Runtime = app.state.runtime
    agent = runtime.keys.create("alex", UserRole.AGENT)
    with TestClient(app) as client:
        message_id = ingest(runtime, confirmation("stale", lines))
        dates = actions(runtime, message_id)[("update_po_lines", "date_planned")]
        buyer = odoo_server.connect()
        buyer.execute_kw(
            "purchase.order.line", "write", [[21], {"date_planned": "2025-04-08 09:00:00"}]
        )
        buyer.logout()
        ok = client.post(
            f"/v1/actions/{dates.id}/approve", headers={"Authorization": f"Bearer {agent}"}
        )
        assert ok.status_code == 200
        build_worker(runtime).run_due()
    after = runtime.actions.get(dates.id)
    assert after is not None and after.state in (ActionState.FAILED, ActionState.DEAD)
    assert "2025-04-08 09:00:00" in after.last_error and "nothing written" in after.last_error
    assert line(odoo_server, 21)["date_planned"] == "2025-04-08 09:00:00"


@pytest.mark.parametrize("layout", ["grid", "plain", "stacked"])
def test_an_identical_confirmation_has_no_discrepancy(stored: Store, layout: str) -> None:
    runtime, message_id, links = stored(
        confirmation(f"same-{layout}", list(IBERICA_P00021), layout=layout)
    )
    (check,) = links.supplier_checks
    assert check.discrepancies == [] and check.read_lines == 5
    assert [(a.kind, a.rule_id) for a in runtime.actions.for_message(message_id)] == [
        ("note", "supplier-confirmation")
    ]


def test_a_scanned_confirmation_is_said_to_be_unread_not_guessed(stored: Store) -> None:
    raw = confirmation_mail(
        [("scan.pdf", PDF, scanned_pdf())],
        "Confirmation of your order P00021 attached.",
        sender=SENDER,
        subject="Order confirmation P00021",
        message_id="<scan@iberica-oil.example>",
    )
    runtime, message_id, links = stored(raw)
    (check,) = links.supplier_checks
    (document,) = [d for d in check.documents if d.source == "scan.pdf"]
    assert document.lines == [] and "scanned" in document.defect
    assert check.discrepancies == []
    decided = [(a.kind, a.rule_id) for a in runtime.actions.for_message(message_id)]
    assert decided == [("activity", "supplier-document-unread")]  # never "confirmed"


def test_a_document_is_compared_only_with_the_order_it_is_about(stored: Store) -> None:
    pdf = confirmation_pdf(
        price_changed(IBERICA_P00021, "IB-EVO5", 33.0), layout="grid", language="en",
        reference="P00021",
    )  # fmt: skip
    raw = confirmation_mail(
        [("AB-88231.pdf", PDF, pdf)],
        "Our confirmation of P00021 is attached. P00017 follows next week.",
        sender=SENDER,
        subject="Order confirmation",
        message_id="<two-orders@iberica-oil.example>",
    )
    runtime, message_id, links = stored(raw)
    linked = {lk.record_id for lk in links.links if lk.model == "purchase.order"}
    assert linked == {3, PO_ID}  # P00017 and P00021, both Iberica's
    assert [c.purchase_order for c in links.supplier_checks] == ["P00021"]


def _po_messages(odoo: OdooStandin) -> list[dict[str, Any]]:
    ids = odoo.search("mail.message", [["model", "=", "purchase.order"], ["res_id", "=", PO_ID]])
    return [row for i in ids if (row := odoo.record("mail.message", i)) is not None]
