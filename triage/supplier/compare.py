"""A supplier's document lines against the purchase order's lines: pure, no I/O.

Each document line is matched to a PO line of the same product; every matched pair compares
quantity, unit price (only in the PO's currency) and date. A PO line no document covers is
missing, a document line whose product is not on the PO (or unknown) is extra, unless the two
stand in the same place (the same position, or failing that the same quantity): then it is one
substitution. With several documents (an attachment and the same table in the body) the
attachments come first and a PO line is compared once, with the first document that has it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from models import (
    Discrepancy,
    DiscrepancyKind,
    DocumentKind,
    DocumentLine,
    LineMatch,
    PoLine,
    SupplierDocument,
)
from triage.supplier.catalog import LineKey, Resolution

K = DiscrepancyKind


@dataclass(frozen=True)
class Tolerances:
    """How far theirs may stray from ours and still be within tolerance (policy settings)."""

    quantity_share: float = 0.0
    price_share: float = 0.0
    date_days: int = 0


@dataclass
class _Pass:
    """The state of one comparison: what is matched so far, what was found."""

    po_lines: Sequence[PoLine]
    tolerances: Tolerances
    compared: set[int] = field(default_factory=set)  # PO lines already compared
    matches: dict[LineKey, LineMatch] = field(default_factory=dict)
    loose: list[tuple[SupplierDocument, DocumentLine, Resolution]] = field(default_factory=list)
    found: list[Discrepancy] = field(default_factory=list)


def compare(
    po_lines: Sequence[PoLine],
    documents: Sequence[SupplierDocument],
    resolved: Mapping[LineKey, Resolution],
    tolerances: Tolerances | None = None,
    po_currency: str = "",
) -> tuple[list[LineMatch], list[Discrepancy]]:
    """Every document line's match and every discrepancy with the purchase order."""
    state = _Pass([p for p in po_lines if p.product_id], tolerances or Tolerances())
    ordered = sorted((d for d in documents if d.lines), key=lambda d: d.kind is DocumentKind.BODY)
    reported: set[str] = set()
    for document in ordered:
        foreign = _foreign_currency(document, po_currency)
        if foreign and foreign not in reported:  # the same table twice: one discrepancy
            reported.add(foreign)
            state.found.append(_currency(document, po_currency, foreign))
        _match_document(state, document, resolved, po_currency)
    _pair_loose(state)
    order = [(d.source, line.position) for d in ordered for line in d.lines]
    return [state.matches[k] for k in order], state.found


def _match_document(
    state: _Pass,
    document: SupplierDocument,
    resolved: Mapping[LineKey, Resolution],
    po_currency: str,
) -> None:
    """Match each line to an unused PO line of its product; compare those not compared yet."""
    used: set[int] = set()
    for line in document.lines:
        how = resolved.get((document.source, line.position), Resolution())
        po_line = _po_line_for(state.po_lines, how.product_id, line, used)
        state.matches[(document.source, line.position)] = LineMatch(
            document=document.source,
            position=line.position,
            po_line_id=po_line.id if po_line else None,
            product_id=how.product_id,
            matched_by=how.matched_by,
        )
        if po_line is None:
            state.loose.append((document, line, how))
            continue
        used.add(po_line.id)
        if po_line.id not in state.compared:
            state.compared.add(po_line.id)
            compare_prices = not _foreign_currency(document, po_currency, line)
            state.found.extend(_differences(po_line, document, line, state, compare_prices))


def _po_line_for(
    po_lines: Sequence[PoLine], product_id: int | None, line: DocumentLine, used: set[int]
) -> PoLine | None:
    """The PO line of this product not used by this document, the same quantity first."""
    if product_id is None:
        return None
    free = [p for p in po_lines if p.product_id == product_id and p.id not in used]
    same = [p for p in free if line.quantity is not None and _same(p.quantity, line.quantity)]
    return next(iter(same or free), None)


def _differences(
    po: PoLine, doc: SupplierDocument, line: DocumentLine, state: _Pass, prices: bool
) -> list[Discrepancy]:
    tol = state.tolerances
    found: list[Discrepancy | None] = [
        _numeric(po, doc, line, "product_qty", po.quantity, line.quantity, tol.quantity_share),
        _numeric(po, doc, line, "price_unit", po.price_unit, line.unit_price, tol.price_share)
        if prices
        else None,
        _dated(po, doc, line, tol.date_days),
    ]
    return [d for d in found if d is not None]


def _numeric(
    po: PoLine,
    doc: SupplierDocument,
    line: DocumentLine,
    name: str,
    ours: float,
    theirs: float | None,
    tolerance: float,
) -> Discrepancy | None:
    if theirs is None or _same(ours, theirs):
        return None
    delta = round(theirs - ours, 6)
    share = round(delta / ours, 6) if ours else None
    up = delta > 0
    if name == "product_qty":
        kind, text = (K.QUANTITY_OVER if up else K.QUANTITY_SHORT), quantity_text
    else:
        kind, text = (K.PRICE_UP if up else K.PRICE_DOWN), price_text
    return Discrepancy(
        kind=kind,
        line=po_label(po),
        po_line_id=po.id,
        document=doc.source,
        position=line.position,
        product_id=po.product_id,
        field=name,
        ours=text(ours),
        theirs=text(theirs),
        delta=delta,
        share=share,
        within_tolerance=share is not None and abs(share) <= tolerance + 1e-9,
    )


def _dated(po: PoLine, doc: SupplierDocument, line: DocumentLine, days: int) -> Discrepancy | None:
    if line.date is None or po.date_planned is None or line.date == po.date_planned:
        return None
    delta = (line.date - po.date_planned).days
    return Discrepancy(
        kind=K.DATE_LATER if delta > 0 else K.DATE_EARLIER,
        line=po_label(po),
        po_line_id=po.id,
        document=doc.source,
        position=line.position,
        product_id=po.product_id,
        field="date_planned",
        ours=po.date_planned.isoformat(),
        theirs=line.date.isoformat(),
        delta=float(delta),
        within_tolerance=abs(delta) <= days,
    )


def _pair_loose(state: _Pass) -> None:
    """Unmatched document lines against uncovered PO lines: substituted, extra, missing."""
    uncovered = [p for p in state.po_lines if p.id not in state.compared]
    positions = {p.id: i for i, p in enumerate(state.po_lines, start=1)}
    on_po = {p.product_id for p in state.po_lines}
    seen: dict[tuple[object, ...], PoLine | None] = {}
    for document, line, how in state.loose:
        identity = (how.product_id, tuple(line.codes), line.description, line.quantity)
        if identity in seen:  # the same line in a later document: reported with the first
            po = seen[identity]
        else:
            # A second line of a product already on the PO is extra, never a substitute.
            po = None if how.product_id in on_po else _stand_in_for(uncovered, positions, line)
            seen[identity] = po
            if po is None:
                state.found.append(_extra(document, line, how))
                continue
            uncovered.remove(po)
            state.found.append(_substituted(po, document, line, how))
        if po is not None:
            key = (document.source, line.position)
            state.matches[key] = state.matches[key].model_copy(update={"po_line_id": po.id})
    state.found.extend(_missing(po) for po in uncovered)


def _stand_in_for(
    uncovered: list[PoLine], positions: Mapping[int, int], line: DocumentLine
) -> PoLine | None:
    """The uncovered PO line at the line's position, else the first of the same quantity."""
    at = [p for p in uncovered if positions[p.id] == line.position]
    same = [p for p in uncovered if line.quantity is not None and _same(p.quantity, line.quantity)]
    return next(iter(at or same), None)


def _substituted(
    po: PoLine, doc: SupplierDocument, line: DocumentLine, how: Resolution
) -> Discrepancy:
    return Discrepancy(
        kind=K.SUBSTITUTED,
        line=po_label(po),
        po_line_id=po.id,
        document=doc.source,
        position=line.position,
        product_id=how.product_id,
        field="product_id",
        ours=po_label(po),
        theirs=document_label(line),
    )


def _extra(doc: SupplierDocument, line: DocumentLine, how: Resolution) -> Discrepancy:
    return Discrepancy(
        kind=K.EXTRA_LINE,
        line=document_label(line),
        document=doc.source,
        position=line.position,
        product_id=how.product_id,
        field="line",
        theirs=document_label(line),
    )


def _missing(po: PoLine) -> Discrepancy:
    return Discrepancy(
        kind=K.MISSING_LINE,
        line=po_label(po),
        po_line_id=po.id,
        product_id=po.product_id,
        field="line",
        ours=po_label(po),
    )


def _currency(doc: SupplierDocument, ours: str, theirs: str) -> Discrepancy:
    return Discrepancy(
        kind=K.CURRENCY,
        line=f"{doc.source}: prices in {theirs}",
        document=doc.source,
        field="currency_id",
        ours=ours,
        theirs=theirs,
    )


def _foreign_currency(
    document: SupplierDocument, po_currency: str, line: DocumentLine | None = None
) -> str:
    """The document's (or line's) currency when it is not the PO's, else ''."""
    lines = [line] if line is not None else document.lines
    written = {(x.currency or document.currency).strip().upper() for x in lines}
    foreign = sorted(c for c in written if c and c != po_currency.strip().upper())
    return foreign[0] if foreign and po_currency else ""


def po_label(po: PoLine) -> str:
    """A PO line as people read it: "[OLV-5L] Extra Virgin Olive Oil 5 L"."""
    return f"[{po.code}] {po.product}" if po.code else po.product or f"line {po.id}"


def document_label(line: DocumentLine) -> str:
    """A document line as the supplier wrote it: its first code and description."""
    text = " ".join(line.description.split())
    label = f"[{line.code}] {text}" if line.code else text
    return label.strip() or f"line {line.position}"


def quantity_text(value: float) -> str:
    """A quantity written plainly: 40, 12.5."""
    return f"{value:.6f}".rstrip("0").rstrip(".")


def price_text(value: float) -> str:
    """A price with two decimals at least: 31.00, 7.125."""
    plain = quantity_text(value)
    return f"{value:.2f}" if len(plain.partition(".")[2]) <= 2 else plain


def _same(ours: float, theirs: float) -> bool:
    return abs(theirs - ours) <= 1e-9 * max(1.0, abs(ours))
