"""What the policy reads of a supplier's documents and of a delay's alternatives: whether
a PO differs, the tables a note shows, and the PO line changes an approver may apply."""

from __future__ import annotations

from datetime import datetime, timedelta

from models import (
    Discrepancy,
    DiscrepancyKind,
    HeldProduct,
    ImpactedOrder,
    LineChange,
    LinkResult,
    SourceKind,
    SupplierCheck,
)

# The discrepancy kinds a PO line change can follow, by the field it sets.
CHANGE_KINDS = {
    "date_planned": (DiscrepancyKind.DATE_LATER, DiscrepancyKind.DATE_EARLIER),
    "price_unit": (DiscrepancyKind.PRICE_UP, DiscrepancyKind.PRICE_DOWN),
    "product_qty": (DiscrepancyKind.QUANTITY_SHORT, DiscrepancyKind.QUANTITY_OVER),
}
# A change to what we pay or receive is a commercial term: never without an approver.
COMMERCIAL = frozenset({"price_unit", "product_qty"})
_DATETIME = "%Y-%m-%d %H:%M:%S"


def check_for(links: LinkResult, po_id: int | None) -> SupplierCheck | None:
    """The supplier check of one linked purchase order, if its documents were compared."""
    return next((c for c in links.supplier_checks if c.purchase_order_id == po_id), None)


def has_discrepancy(links: LinkResult) -> bool:
    """Whether a supplier's document differs from any linked purchase order."""
    return any(check.discrepancies for check in links.supplier_checks)


def has_unread_document(links: LinkResult) -> bool:
    """Whether a supplier's document about a linked PO could not be read (a scan, a broken
    file): nothing was compared in it, so it confirms nothing."""
    return any(d.defect and not d.lines for c in links.supplier_checks for d in c.documents)


def discrepancy_summary(check: SupplierCheck | None) -> str:
    """One line for people: how many differences and of what kind."""
    if check is None:
        return ""
    unread = [f"{d.source}: {d.defect}" for d in check.documents if d.defect and not d.lines]
    if not check.discrepancies:
        found = f"{check.read_lines} lines read, no difference" if check.read_lines else ""
        return "; ".join([found, *unread]).strip("; ")
    kinds: dict[str, int] = {}
    for item in check.discrepancies:
        kind = item.kind.value.replace("_", " ")
        kinds[kind] = kinds.get(kind, 0) + 1
    listed = ", ".join(f"{count} {kind}" for kind, count in kinds.items())
    count = len(check.discrepancies)
    return "; ".join([f"{count} difference{'s' * (count != 1)} ({listed})", *unread])


def discrepancy_table(check: SupplierCheck | None) -> list[list[str]]:
    """The discrepancies as rows under a header (empty when there are none)."""
    if check is None or not check.discrepancies:
        return []
    rows = [["Line", "Difference", "Ours", "Theirs", "Change", "Tolerance"]]
    for item in check.discrepancies:
        rows.append(
            [
                item.line,
                item.kind.value.replace("_", " "),
                item.ours,
                item.theirs,
                _change(item),
                "within" if item.within_tolerance else "outside",
            ]
        )
    return rows


def _change(item: Discrepancy) -> str:
    if item.delta is None:
        return ""
    unit = " days" if item.field == "date_planned" else ""
    share = f" ({item.share:+.1%})" if item.share is not None else ""
    sign = "+" if item.delta >= 0 else "-"
    return f"{sign}{plain(abs(item.delta))}{unit}{share}"


def line_changes(
    check: SupplierCheck | None, fields: list[str], within: bool | None
) -> list[LineChange]:
    """The PO line changes a rule may propose: discrepancies of the named fields, inside or
    outside the tolerances as the rule asks, each with the value the PO had."""
    if check is None:
        return []
    lines = {line.id: line for line in check.po_lines}
    changes = []
    for item in check.discrepancies:
        line = lines.get(item.po_line_id or 0)
        if line is None or item.field not in fields:
            continue
        if item.kind not in CHANGE_KINDS[item.field]:
            continue
        if within is not None and item.within_tolerance != within:
            continue
        ours, theirs = _values(item, line.planned_at)
        if ours and theirs:
            changes.append(
                LineChange(
                    line_id=line.id, line=item.line, field=item.field, ours=ours, theirs=theirs
                )
            )
    return changes


def _values(item: Discrepancy, planned_at: str) -> tuple[str, str]:
    """Ours and theirs as Odoo stores them: a date moves the planned datetime by whole days."""
    if item.field != "date_planned":
        return item.ours, item.theirs
    if not planned_at or item.delta is None:
        return "", ""
    moved = datetime.strptime(planned_at[:19], _DATETIME) + timedelta(days=item.delta)
    return planned_at[:19], moved.strftime(_DATETIME)


def plain(value: float) -> str:
    """A number as people write it: 40, 12.5, 1234567 (never 1.23457e+06)."""
    return f"{value:.6f}".rstrip("0").rstrip(".")


def partial_offer(order: ImpactedOrder) -> list[str]:
    """What our other warehouses could ship now, when it is some but not all of the need."""
    offers = []
    for held in order.held:
        now = held.stock_now
        if 0 < now < held.needed:
            offers.append(f"{plain(now)} of {plain(held.needed)} {held.product}")
    return offers


def alternatives_table(impacted: list[ImpactedOrder]) -> list[list[str]]:
    """Each held product's alternatives as rows under a header (empty when there are none)."""
    rows = [["Order", "Product", "Need", "Source", "Available / lead", "Earliest", "Promise"]]
    for order in impacted:
        for held in order.held:
            rows += _alternative_rows(order, held)
    return rows if len(rows) > 1 else []


def _alternative_rows(order: ImpactedOrder, held: HeldProduct) -> list[list[str]]:
    promised = order.commitment_date.isoformat() if order.commitment_date else "none"
    product = f"[{held.code}] {held.product}" if held.code else held.product
    rows = []
    for alt in held.alternatives:
        if alt.kind is SourceKind.STOCK:
            offer = f"{plain(alt.available or 0.0)} on hand"
        else:
            price = f", {plain(alt.price)} {alt.currency}".rstrip() if alt.price is not None else ""
            offer = f"{alt.lead_days} days, min {plain(alt.min_qty or 0.0)}{price}"
        meets = {True: "meets", False: "misses", None: "no date"}[alt.meets_promise]
        earliest = alt.earliest.isoformat() if alt.earliest else ""
        rows.append(
            [
                order.name,
                product,
                plain(held.needed),
                f"{alt.kind.value}: {alt.source}",
                offer,
                earliest,
                f"{meets} ({promised})",
            ]
        )
    if not rows:
        rows.append([order.name, product, plain(held.needed), "none found", "", "", promised])
    return rows
