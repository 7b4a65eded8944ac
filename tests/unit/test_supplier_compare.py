"""The comparison of a supplier's document lines with the purchase order's lines (pure)."""

from __future__ import annotations

import datetime as dt

import pytest

from models import DiscrepancyKind, DocumentKind, DocumentLine, PoLine, SupplierDocument
from triage.supplier.catalog import Resolution
from triage.supplier.compare import Tolerances, compare, price_text, quantity_text

K = DiscrepancyKind
APRIL_7 = dt.date(2025, 4, 7)
# P00021 as the stand-in seeds it: (line id, product id, code, name, quantity, price)
P00021 = [
    (21, 1, "OLV-5L", "Extra Virgin Olive Oil 5 L", 40.0, 31.0),
    (22, 5, "OLV-1L", "Extra Virgin Olive Oil 1 L", 120.0, 7.2),
    (23, 6, "VIN-500", "Sherry Vinegar 500 ml", 60.0, 3.1),
    (24, 7, "OLI-GRN-3KG", "Green Olives 3 kg", 30.0, 9.8),
    (25, 4, "TOM-2.5", "Peeled Tomatoes 2.5 kg", 48.0, 3.9),
]
PO_LINES = [
    PoLine(id=i, product_id=p, code=c, product=n, quantity=q, price_unit=u, date_planned=APRIL_7)
    for i, p, c, n, q, u in P00021
]


def confirmation(
    source: str = "AB-88231.pdf",
    kind: DocumentKind = DocumentKind.PDF,
    currency: str = "EUR",
    **changes: dict[str, object],
) -> tuple[SupplierDocument, dict[tuple[str, int], Resolution]]:
    """An identical confirmation of P00021, with `changes` by our code, and its resolution."""
    lines, resolved = [], {}
    for position, (_, product, code, name, qty, price) in enumerate(P00021, start=1):
        values: dict[str, object] = {
            "position": position,
            "codes": [code],
            "description": name,
            "quantity": qty,
            "unit_price": price,
            "date": APRIL_7,
        }
        values |= changes.get(code.replace("-", "_").replace(".", "_"), {})
        product_id = values.pop("product", product)
        lines.append(DocumentLine.model_validate(values))
        resolved[(source, position)] = Resolution(product_id, "internal reference")  # type: ignore[arg-type]
    document = SupplierDocument(source=source, kind=kind, lines=lines, currency=currency)
    return document, resolved


def found(discrepancies: list) -> list[tuple[str, int | None]]:  # type: ignore[type-arg]
    return sorted((d.kind.value, d.po_line_id) for d in discrepancies)


def test_an_identical_confirmation_has_no_discrepancy() -> None:
    document, resolved = confirmation()
    matches, discrepancies = compare(PO_LINES, [document], resolved, Tolerances(), "EUR")
    assert discrepancies == []
    assert [(m.position, m.po_line_id) for m in matches] == [
        (1, 21), (2, 22), (3, 23), (4, 24), (5, 25)
    ]  # fmt: skip


def test_quantity_short_and_over_on_their_lines() -> None:
    document, resolved = confirmation(OLV_5L={"quantity": 32}, TOM_2_5={"quantity": 60})
    _, discrepancies = compare(PO_LINES, [document], resolved, Tolerances(), "EUR")
    assert found(discrepancies) == [("quantity_over", 25), ("quantity_short", 21)]
    short = next(d for d in discrepancies if d.kind is K.QUANTITY_SHORT)
    assert (short.line, short.field, short.ours, short.theirs) == (
        "[OLV-5L] Extra Virgin Olive Oil 5 L", "product_qty", "40", "32"
    )  # fmt: skip
    assert (short.delta, short.share, short.position) == (-8.0, -0.2, 1)
    assert short.within_tolerance is False


def test_price_up_and_down() -> None:
    document, resolved = confirmation(OLV_1L={"unit_price": 7.45}, VIN_500={"unit_price": 2.9})
    _, discrepancies = compare(PO_LINES, [document], resolved, Tolerances(), "EUR")
    assert found(discrepancies) == [("price_down", 23), ("price_up", 22)]
    up = next(d for d in discrepancies if d.kind is K.PRICE_UP)
    assert (up.ours, up.theirs, up.delta) == ("7.20", "7.45", 0.25)
    assert up.share == pytest.approx(0.034722, abs=1e-6)


def test_dates_later_and_earlier_in_days() -> None:
    later, earlier = dt.date(2025, 4, 18), dt.date(2025, 4, 4)
    document, resolved = confirmation(OLI_GRN_3KG={"date": later}, OLV_5L={"date": earlier})
    _, discrepancies = compare(PO_LINES, [document], resolved, Tolerances(date_days=3), "EUR")
    assert found(discrepancies) == [("date_earlier", 21), ("date_later", 24)]
    by_kind = {d.kind: d for d in discrepancies}
    assert (by_kind[K.DATE_LATER].ours, by_kind[K.DATE_LATER].theirs) == (
        "2025-04-07", "2025-04-18"
    )  # fmt: skip
    assert by_kind[K.DATE_LATER].delta == 11 and not by_kind[K.DATE_LATER].within_tolerance
    assert by_kind[K.DATE_EARLIER].delta == -3 and by_kind[K.DATE_EARLIER].within_tolerance


def test_missing_and_extra_lines() -> None:
    document, resolved = confirmation()
    lines = [line for line in document.lines if line.codes != ["VIN-500"]]
    lines.append(DocumentLine(position=6, codes=["XX-1"], description="Capers", quantity=5))
    document = document.model_copy(update={"lines": lines})
    resolved[(document.source, 6)] = Resolution()
    matches, discrepancies = compare(PO_LINES, [document], resolved, Tolerances(), "EUR")
    assert found(discrepancies) == [("extra_line", None), ("missing_line", 23)]
    extra = next(d for d in discrepancies if d.kind is K.EXTRA_LINE)
    assert (extra.line, extra.position, extra.within_tolerance) == ("[XX-1] Capers", 6, False)
    assert matches[-1].po_line_id is None


def test_substitution_at_the_same_position_is_one_discrepancy() -> None:
    document, resolved = confirmation(VIN_500={"codes": ["VIN-250"], "product": 9})
    matches, discrepancies = compare(PO_LINES, [document], resolved, Tolerances(), "EUR")
    assert found(discrepancies) == [("substituted", 23)]
    (swap,) = discrepancies
    assert (swap.ours, swap.theirs, swap.product_id) == (
        "[VIN-500] Sherry Vinegar 500 ml", "[VIN-250] Sherry Vinegar 500 ml", 9
    )  # fmt: skip
    assert matches[2].po_line_id == 23


def test_substitution_by_quantity_when_the_position_differs() -> None:
    document, resolved = confirmation()
    lines = [line for line in document.lines if line.codes != ["OLI-GRN-3KG"]]
    lines.append(DocumentLine(position=9, codes=["OLI-BLK-3KG"], quantity=30, unit_price=9.8))
    document = document.model_copy(update={"lines": lines})
    resolved[(document.source, 9)] = Resolution(8, "supplier code")
    _, discrepancies = compare(PO_LINES, [document], resolved, Tolerances(), "EUR")
    assert found(discrepancies) == [("substituted", 24)]


def test_tolerances_mark_small_differences() -> None:
    document, resolved = confirmation(OLV_5L={"quantity": 39, "unit_price": 31.5})
    tolerances = Tolerances(quantity_share=0.05, price_share=0.01)
    _, discrepancies = compare(PO_LINES, [document], resolved, tolerances, "EUR")
    within = {d.kind: d.within_tolerance for d in discrepancies}
    assert within == {K.QUANTITY_SHORT: True, K.PRICE_UP: False}  # 2.5 % over 1 %


def test_a_line_without_price_or_date_compares_the_rest() -> None:
    document, resolved = confirmation(OLV_5L={"unit_price": None, "date": None})
    _, discrepancies = compare(PO_LINES, [document], resolved, Tolerances(), "EUR")
    assert discrepancies == []


def test_another_currency_is_said_once_and_prices_are_not_compared() -> None:
    pdf, resolved = confirmation(currency="USD", OLV_5L={"unit_price": 33.9})
    body, body_resolved = confirmation(
        "body", DocumentKind.BODY, "USD", OLV_5L={"unit_price": 33.9}
    )
    _, discrepancies = compare(PO_LINES, [body, pdf], resolved | body_resolved, None, "EUR")
    assert [(d.kind, d.ours, d.theirs, d.document) for d in discrepancies] == [
        (K.CURRENCY, "EUR", "USD", "AB-88231.pdf")
    ]
    assert not discrepancies[0].within_tolerance


def test_two_documents_compare_each_po_line_once_attachment_first() -> None:
    pdf, resolved = confirmation(OLV_5L={"quantity": 32})
    body, body_resolved = confirmation("body", DocumentKind.BODY, OLV_5L={"quantity": 30})
    body = body.model_copy(
        update={"lines": [*body.lines, DocumentLine(position=6, codes=["XX-1"], quantity=1)]}
    )
    pdf = pdf.model_copy(
        update={"lines": [*pdf.lines, DocumentLine(position=6, codes=["XX-1"], quantity=1)]}
    )
    resolved |= body_resolved | {("body", 6): Resolution(), (pdf.source, 6): Resolution()}
    matches, discrepancies = compare(PO_LINES, [body, pdf], resolved, Tolerances(), "EUR")
    assert [(d.kind, d.document, d.theirs) for d in discrepancies] == [
        (K.QUANTITY_SHORT, "AB-88231.pdf", "32"),
        (K.EXTRA_LINE, "AB-88231.pdf", "[XX-1]"),
    ]
    assert [m.document for m in matches][:1] == ["AB-88231.pdf"] and len(matches) == 12


def test_a_document_without_lines_changes_nothing() -> None:
    scanned = SupplierDocument(source="scan.pdf", kind=DocumentKind.PDF, defect="scanned PDF")
    document, resolved = confirmation()
    matches, discrepancies = compare(PO_LINES, [scanned, document], resolved, None, "EUR")
    assert discrepancies == [] and len(matches) == 5


def test_nothing_read_means_every_line_is_missing() -> None:
    _, discrepancies = compare(PO_LINES, [], {}, None, "EUR")
    assert found(discrepancies) == [("missing_line", i) for i in (21, 22, 23, 24, 25)]


def test_numbers_are_written_plainly() -> None:
    assert [quantity_text(40), quantity_text(12.5), quantity_text(0.333)] == ["40", "12.5", "0.333"]
    assert [price_text(31), price_text(7.2), price_text(7.125)] == ["31.00", "7.20", "7.125"]
