"""View models for the message page's supplier check and replenishment alternatives.

The link result keeps PO lines, document lines, matches and discrepancies apart; the page
wants them side by side, one row per PO line, with every number already written for people.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from models.link import ImpactedOrder, LinkResult
from models.replenish import Alternative, HeldProduct, SourceKind
from models.supplier import (
    Discrepancy,
    DiscrepancyKind,
    DocumentLine,
    LineMatch,
    PoLine,
    SupplierCheck,
    SupplierDocument,
)

TITLES = {"supplier_shipment": "Dispatch advice"}
DEFAULT_TITLE = "Supplier confirmation"


@dataclass(frozen=True)
class Difference:
    """One discrepancy, written out: what differs, ours and theirs, by how much."""

    kind: str
    label: str
    field: str
    ours: str
    theirs: str
    delta: str
    share: str
    within_tolerance: bool


@dataclass(frozen=True)
class TheirLine:
    """A line of the supplier's document, as shown next to the PO line it matched."""

    document: str
    position: int
    codes: str
    description: str
    quantity: str
    unit: str
    price: str
    date: str
    matched_by: str


@dataclass(frozen=True)
class LineRow:
    """One PO line, the document lines matched to it, and its differences."""

    po: PoLine
    quantity: str
    price: str
    theirs: list[TheirLine]
    differences: list[Difference]

    def mark(self, name: str) -> str:
        """The class of a field's cells: 'differs', 'tolerated' (within tolerance) or ''."""
        found = [d.within_tolerance for d in self.differences if d.field == name]
        if not found:
            return ""
        return "tolerated" if all(found) else "differs"

    @property
    def missing(self) -> bool:
        """The supplier's documents do not have this line."""
        return any(d.kind == DiscrepancyKind.MISSING_LINE for d in self.differences)


@dataclass(frozen=True)
class CheckView:
    """One purchase order compared with the supplier's documents, ready for the template."""

    title: str
    check: SupplierCheck
    documents: list[SupplierDocument]
    rows: list[LineRow]
    extra: list[tuple[TheirLine, list[Difference]]] = field(default_factory=list)
    substituted: list[Difference] = field(default_factory=list)
    other: list[Difference] = field(default_factory=list)

    @property
    def count(self) -> int:
        """How many discrepancies the check found."""
        return len(self.check.discrepancies)


def number(value: float | None, places: int | None = None) -> str:
    """A quantity or price for people: '40', '7.5', '31.00' with places; '' when unknown."""
    if value is None:
        return ""
    return f"{value:.{places}f}" if places is not None else f"{value:g}"


def difference(item: Discrepancy) -> Difference:
    """A discrepancy written out, with its delta in the field's unit and its share in %."""
    delta = ""
    if item.delta is not None:
        if item.field == "date_planned":
            delta = f"{item.delta:+g} day{'' if abs(item.delta) == 1 else 's'}"
        elif item.field == "price_unit":
            delta = f"{item.delta:+.2f}"
        else:
            delta = f"{item.delta:+g}"
    share = f"{item.share * 100:+.1f} %" if item.share is not None else ""
    return Difference(
        kind=item.kind.value,
        label=item.kind.value.replace("_", " "),
        field=item.field,
        ours=item.ours,
        theirs=item.theirs,
        delta=delta,
        share=share,
        within_tolerance=item.within_tolerance,
    )


def their_line(source: str, line: DocumentLine, match: LineMatch | None) -> TheirLine:
    """A document line written out for the table."""
    return TheirLine(
        document=source,
        position=line.position,
        codes=" / ".join(line.codes),
        description=line.description,
        quantity=number(line.quantity),
        unit=line.unit,
        price=number(line.unit_price, 2),
        date=line.date.isoformat() if line.date else "",
        matched_by=match.matched_by if match else "",
    )


def check_view(check: SupplierCheck, intent: str | None = None) -> CheckView:
    """Join PO lines, matched document lines and discrepancies into rows."""
    matches = {(m.document, m.position): m for m in check.matches}
    lines = {(d.source, ln.position): ln for d in check.documents for ln in d.lines}
    by_po: dict[int, list[TheirLine]] = defaultdict(list)
    extra_keys: list[tuple[str, int]] = []
    for key, line in lines.items():
        match = matches.get(key)
        if match and match.po_line_id is not None:
            by_po[match.po_line_id].append(their_line(key[0], line, match))
        else:
            extra_keys.append(key)
    on_po: dict[int, list[Difference]] = defaultdict(list)
    on_doc: dict[tuple[str, int], list[Difference]] = defaultdict(list)
    other: list[Difference] = []
    for item in check.discrepancies:
        if item.po_line_id is not None:
            on_po[item.po_line_id].append(difference(item))
        elif item.position is not None and (item.document, item.position) in lines:
            on_doc[(item.document, item.position)].append(difference(item))
        else:
            other.append(difference(item))
    rows = [
        LineRow(po, number(po.quantity), number(po.price_unit, 2), by_po[po.id], on_po[po.id])
        for po in check.po_lines
    ]
    extra = [(their_line(k[0], lines[k], matches.get(k)), on_doc[k]) for k in extra_keys]
    substituted = [
        difference(d) for d in check.discrepancies if d.kind is DiscrepancyKind.SUBSTITUTED
    ]
    title = f"{TITLES.get(intent or '', DEFAULT_TITLE)} {check.purchase_order}"
    return CheckView(title, check, check.documents, rows, extra, substituted, other)


def check_views(links: LinkResult | None, intent: str | None = None) -> list[CheckView]:
    """Every supplier check of a message's link result, as view models."""
    return [check_view(c, intent) for c in links.supplier_checks] if links else []


@dataclass(frozen=True)
class Route:
    """An alternative source written out for the table."""

    kind: str
    source: str
    available: str
    lead_time: str
    min_qty: str
    price: str
    earliest: str
    meets_promise: str
    covers: str
    vendor_code: str


@dataclass(frozen=True)
class HeldView:
    """A held product, its alternatives, and what other warehouses could ship now."""

    product: HeldProduct
    needed: str
    promised: str
    could_ship: str
    routes: list[Route]


@dataclass(frozen=True)
class ImpactedView:
    """An impacted sale order and its held products."""

    order: ImpactedOrder
    held: list[HeldView]


def promise(value: bool | None) -> str:
    """'yes', 'no' or 'unknown' (no promised date, or no date for the route)."""
    return "unknown" if value is None else ("yes" if value else "no")


def route(item: Alternative) -> Route:
    """An alternative written out; stock has no lead time, a vendor no stock figure."""
    stock = item.kind is SourceKind.STOCK
    lead = "" if item.lead_days is None else f"{item.lead_days} day{'s' * (item.lead_days != 1)}"
    price = number(item.price, 2)
    return Route(
        kind="stock" if stock else "vendor",
        source=item.source,
        available=number(item.available),
        lead_time=lead,
        min_qty=number(item.min_qty),
        price=f"{price} {item.currency}".strip() if price else "",
        earliest=_date(item.earliest),
        meets_promise=promise(item.meets_promise),
        covers=number(item.covers),
        vendor_code=item.vendor_code,
    )


def held_view(held: HeldProduct) -> HeldView:
    """A held product with stock routes first, then vendors."""
    ordered = sorted(held.alternatives, key=lambda a: a.kind is not SourceKind.STOCK)
    now = held.stock_now
    could = f"{number(now)} of {number(held.needed)}" if now > 0 else ""
    return HeldView(
        held, number(held.needed), _date(held.promised), could, [route(a) for a in ordered]
    )


def impacted_views(links: LinkResult | None) -> list[ImpactedView]:
    """The impacted sale orders that hold products, each with its alternatives."""
    if links is None:
        return []
    return [
        ImpactedView(order, [held_view(h) for h in order.held])
        for order in links.impacted
        if order.held
    ]


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value else ""
