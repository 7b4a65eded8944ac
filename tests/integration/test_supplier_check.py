"""Supplier documents checked against P00021 on the Odoo stand-in, over real JSON-RPC.

P00021 (purchase.order 7, Iberica, vendor 20) orders 40 OLV-5L at 31.0 (line 21), 120 OLV-1L
at 7.2 (22), 60 VIN-500 at 3.1 (23), 30 OLI-GRN-3KG at 9.8 (24) and 48 TOM-2.5 at 3.9 (25), all
planned for 2025-04-07 09:00 UTC; Iberica's supplier codes are IB-EVO5, IB-EVO1, IB-VJ500,
IB-ACV3 and IB-TOM25 (tests/integration/odoo_data.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from models import DiscrepancyKind, DocumentKind, DocumentLine, SupplierCheck, SupplierDocument
from parsers.documents import read_attachment, supplier_documents
from tests import supplier_docs as docs
from tests.integration.odoo_data import BOT, BOT_API_KEY, DB
from tests.integration.odoo_standin import OdooStandin
from triage.config import OdooSettings
from triage.errors import OdooError, OdooMissingError
from triage.odoo.adapter import OdooClient
from triage.supplier.check import SupplierChecker
from triage.supplier.compare import Tolerances

pytestmark = pytest.mark.integration
ODOO_VERSIONS = ("17.0", "18.0")
K = DiscrepancyKind
P00021 = 7
APRIL_7 = dt.date(2025, 4, 7)
# (PO line, supplier code, our reference, barcode, supplier product name, quantity, price)
LINES = [
    (21, "IB-EVO5", "OLV-5L", "5412345000013", "Aceite de oliva virgen extra 5 L", 40, 31.0),
    (22, "IB-EVO1", "OLV-1L", "5412345000051", "Aceite de oliva virgen extra 1 L", 120, 7.2),
    (23, "IB-VJ500", "VIN-500", "5412345000068", "Vinagre de Jerez 500 ml", 60, 3.1),
    (24, "IB-ACV3", "OLI-GRN-3KG", "5412345000075", "Aceitunas verdes 3 kg", 30, 9.8),
    (25, "IB-TOM25", "TOM-2.5", "5412345000044", "Tomate pelado 2,5 kg", 48, 3.9),
]
CODE_COLUMN = {"supplier code": 1, "internal reference": 2, "barcode": 3}


@pytest.fixture
def checker(odoo_server: OdooStandin) -> SupplierChecker:
    settings = OdooSettings.model_validate(
        {
            "url": odoo_server.url,
            "database": DB,
            "login": BOT,
            "api_key": BOT_API_KEY,
            "timeout_seconds": 5,
        }
    )
    client = OdooClient(settings)
    return SupplierChecker(client, capabilities=client)


def document(
    by: str = "supplier code", source: str = "AB-88231.pdf", **changes: dict[str, object]
) -> SupplierDocument:
    """Iberica's confirmation of P00021 naming products `by` one kind of code, with changes."""
    lines = []
    for position, row in enumerate(LINES, start=1):
        values: dict[str, object] = {
            "position": position,
            "codes": [row[CODE_COLUMN[by]]] if by in CODE_COLUMN else [],
            "description": row[4],
            "quantity": row[5],
            "unit_price": row[6],
            "currency": "EUR",
            "date": APRIL_7,
        }
        values |= changes.get(f"line{row[0]}", {})
        if values.pop("drop", False):
            continue
        lines.append(DocumentLine.model_validate(values))
    kind = DocumentKind.BODY if source == "body" else DocumentKind.PDF
    return SupplierDocument(source=source, kind=kind, lines=lines, currency="EUR")


def kinds(check: SupplierCheck) -> list[tuple[str, int | None]]:
    return sorted((d.kind.value, d.po_line_id) for d in check.discrepancies)


@pytest.mark.parametrize("by", ["supplier code", "internal reference", "barcode"])
def test_identical_confirmation_matched_by_each_code(checker: SupplierChecker, by: str) -> None:
    check = checker.check(P00021, [document(by)])
    assert check.purchase_order == "P00021" and check.vendor_id == 20 and check.currency == "EUR"
    assert [(m.po_line_id, m.matched_by) for m in check.matches] == [(row[0], by) for row in LINES]
    assert check.discrepancies == []


def test_matched_by_the_suppliers_product_name(checker: SupplierChecker) -> None:
    check = checker.check(P00021, [document(by="description only")])
    assert {m.matched_by for m in check.matches} == {"supplier product name"}
    assert [m.po_line_id for m in check.matches] == [row[0] for row in LINES]


def test_po_lines_are_read_with_their_local_day(checker: SupplierChecker) -> None:
    check = checker.check(P00021, [])
    first = check.po_lines[0]
    assert (first.id, first.product_id, first.code, first.quantity, first.price_unit) == (
        21, 1, "OLV-5L", 40.0, 31.0
    )  # fmt: skip
    assert first.product == "Extra Virgin Olive Oil 5 L"
    assert {p.date_planned for p in check.po_lines} == {APRIL_7}
    assert kinds(check) == []  # nothing read is nothing compared, not five missing lines


def test_each_discrepancy_kind_on_its_po_line(checker: SupplierChecker) -> None:
    changed = document(
        line21={"quantity": 32},
        line22={"unit_price": 7.45},
        line23={"codes": ["COF-1KG"], "description": "Espresso"},  # our product, not on the PO
        line24={"date": dt.date(2025, 4, 18)},
        line25={"drop": True},
    )
    extra = DocumentLine(position=6, codes=["IB-XX9"], description="Alcaparras", quantity=5)
    changed.lines.append(extra)
    check = checker.check(P00021, [changed], Tolerances(quantity_share=0.1, date_days=2))
    assert kinds(check) == [
        ("date_later", 24),
        ("extra_line", None),
        ("missing_line", 25),
        ("price_up", 22),
        ("quantity_short", 21),
        ("substituted", 23),
    ]
    by_kind = {d.kind: d for d in check.discrepancies}
    short = by_kind[K.QUANTITY_SHORT]
    assert (short.line, short.ours, short.theirs, short.share) == (
        "[OLV-5L] Extra Virgin Olive Oil 5 L", "40", "32", -0.2
    )  # fmt: skip
    assert not short.within_tolerance
    assert by_kind[K.SUBSTITUTED].product_id == 3
    assert (by_kind[K.DATE_LATER].delta, by_kind[K.PRICE_UP].theirs) == (11.0, "7.45")
    assert check.matches[2].matched_by == "internal reference"


def test_another_vendors_code_is_not_ours_to_trust(checker: SupplierChecker) -> None:
    # OS-5000 is Olivar del Sur's code for OLV-5L: Iberica never wrote it.
    changed = document(line21={"codes": ["OS-5000"], "description": "Garrafa"})
    check = checker.check(P00021, [changed])
    assert check.matches[0].product_id is None
    assert kinds(check) == [("substituted", 21)]


def test_another_currency_is_one_discrepancy(checker: SupplierChecker) -> None:
    dollars = document(line21={"unit_price": 33.9, "currency": "USD"})
    check = checker.check(P00021, [dollars.model_copy(update={"currency": "USD"})])
    assert [(d.kind, d.ours, d.theirs) for d in check.discrepancies] == [(K.CURRENCY, "EUR", "USD")]


def test_pdf_and_body_with_a_scan_are_compared_once(checker: SupplierChecker) -> None:
    scan = SupplierDocument(source="scan.pdf", kind=DocumentKind.PDF, defect="scanned PDF")
    body = document("internal reference", "body", line21={"quantity": 32})
    pdf = document(line21={"quantity": 32})
    check = checker.check(P00021, [body, scan, pdf])
    assert [d.source for d in check.documents] == ["body", "scan.pdf", "AB-88231.pdf"]
    assert [(d.kind, d.document) for d in check.discrepancies] == [
        (K.QUANTITY_SHORT, "AB-88231.pdf")
    ]
    assert len(check.matches) == 10


def test_lookups_are_batched(odoo_server: OdooStandin, checker: SupplierChecker) -> None:
    checker.check(P00021, [document("barcode")])
    searches = [c.model for c in odoo_server.calls_to(method="search_read")]
    # supplier codes, our references, barcodes: one search each for all five lines
    assert searches.count("product.supplierinfo") == 1
    assert searches.count("product.product") == 2
    assert {c.method for c in odoo_server.calls} <= {
        "login", "version", "version_info", "context_get", "search_read", "read", "fields_get"
    }  # fmt: skip


def test_an_unknown_po_and_odoo_failures_raise(
    odoo_server: OdooStandin, checker: SupplierChecker
) -> None:
    with pytest.raises(OdooMissingError):
        checker.check(999, [document()])
    odoo_server.inject("odoo_error", count=1, model="product.supplierinfo", method="search_read")
    with pytest.raises(OdooError):
        checker.check(P00021, [document()])


def test_the_planned_day_is_the_users_local_day(
    odoo_client: object, checker: SupplierChecker
) -> None:
    # 22:30 UTC on 6 April is 00:30 on 7 April in Brussels (the bot's tz): no date change.
    lines = odoo_client.env["purchase.order.line"]  # type: ignore[attr-defined]
    lines.browse(21).write({"date_planned": "2025-04-06 22:30:00"})
    check = checker.check(P00021, [document()])
    assert check.po_lines[0].date_planned == APRIL_7
    assert check.discrepancies == []


def everything_changed() -> list[docs.ConfirmationLine]:
    """Iberica's confirmation with one of each change (ACV3 left out, an extra line last)."""
    lines = docs.short_quantity(docs.IBERICA_P00021, "IB-EVO5", 32)
    lines = docs.substituted(docs.price_changed(lines, "IB-EVO1", 7.45), "IB-VJ500")
    lines = docs.without_line(docs.date_changed(lines, "IB-TOM25", dt.date(2025, 4, 18)), "IB-ACV3")
    return docs.with_line(lines, replace(docs.ECO_OIL_5L, qty=7))


ALL_KINDS = [
    ("date_later", 25),
    ("extra_line", None),
    ("missing_line", 24),
    ("price_up", 22),
    ("quantity_short", 21),
    ("substituted", 23),
]


@pytest.mark.parametrize(
    ("name", "content_type", "build"),
    [
        ("AB.pdf", "application/pdf", lambda ls: docs.confirmation_pdf(
            ls, layout="grid", language="en", reference="P00021")),
        ("AB.pdf", "application/pdf", lambda ls: docs.confirmation_pdf(
            ls, layout="stacked", language="es", reference="P00021")),
        ("AB.xlsx", docs.XLSX_TYPE, lambda ls: docs.confirmation_xlsx(
            ls, language="es", reference="P00021")),
    ],
    ids=["pdf-grid-en", "pdf-stacked-es", "xlsx-es"],
)  # fmt: skip
def test_generated_documents_each_discrepancy_on_its_line(
    checker: SupplierChecker, name: str, content_type: str, build: object
) -> None:
    document = read_attachment(name, content_type, build(everything_changed()))  # type: ignore[operator]
    assert document is not None and not document.defect
    check = checker.check(P00021, [document])
    assert kinds(check) == ALL_KINDS
    assert [m.po_line_id for m in check.matches] == [21, 22, 23, 25, None]


def test_generated_xlsx_with_only_eans_matches_by_barcode(checker: SupplierChecker) -> None:
    eans = [replace(ln, codes=ln.codes[1:]) for ln in docs.with_eans(docs.IBERICA_P00021)]
    data = docs.confirmation_xlsx(eans, language="en", reference="P00021")
    document = read_attachment("AB.xlsx", docs.XLSX_TYPE, data)
    assert document is not None
    check = checker.check(P00021, [document])
    assert [(m.po_line_id, m.matched_by) for m in check.matches] == [
        (row[0], "barcode") for row in LINES
    ]
    assert check.discrepancies == []


def test_a_mail_with_pdf_body_and_scan_is_compared_once(checker: SupplierChecker) -> None:
    lines = docs.short_quantity(docs.IBERICA_P00021, "IB-EVO5", 32)
    pdf = docs.confirmation_pdf(lines, layout="plain", language="en", reference="P00021")
    table = "\n".join(
        f"| {ln.codes[0]} | {ln.description} | {ln.qty:g} | {ln.price:.2f} | {ln.date} |"
        for ln in lines
    )
    header = "| Item | Description | Qty | Unit price | Delivery date |"
    body = f"We confirm P00021:\n\n{header}\n{table}\n"
    raw = docs.confirmation_mail(
        [("AB.pdf", "application/pdf", pdf), ("scan.pdf", "application/pdf", docs.scanned_pdf())],
        body,
    )
    documents = supplier_documents(raw)
    check = checker.check(P00021, documents)
    assert sorted(d.kind.value for d in check.documents) == ["body", "pdf", "pdf"]
    assert [d.source for d in check.documents if d.defect] == ["scan.pdf"]
    assert [(d.kind, d.document) for d in check.discrepancies] == [(K.QUANTITY_SHORT, "AB.pdf")]
