"""Replenishment alternatives for the products a late purchase order holds up.

A product is held on a sale order when one of its lines still has something to deliver
(product_uom_qty - qty_delivered > 0) and the late purchase order buys that product. For each,
the alternatives are stock on hand in the other warehouses (stock.quant of internal locations,
quantity - reserved_quantity, summed per warehouse) and the other vendors of the product
(product.supplierinfo, not the late order's vendor, not expired), each with its earliest day
and whether that keeps the customer's promised day. Every read is one call for all the orders;
a part this Odoo cannot answer (stock not installed, a field missing, no access) is skipped
with its reason and the rest still comes. Quantities are taken as they are, in the product's
unit of measure.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from models import Alternative, HeldProduct, ImpactedOrder, OdooCapabilities, SourceKind
from triage.errors import OdooAccessError, OdooInvalidCall, OdooUserError, OdooValidationError
from triage.link.port import ErpReader, m2o_id, m2o_name

# The fields each read needs (the capability probe can check them: REPLENISH_FIELDS).
SALE_LINE_FIELDS = ("order_id", "product_id", "product_uom_qty", "qty_delivered")
QUANT_FIELDS = ("product_id", "location_id", "quantity", "reserved_quantity")
LOCATION_FIELDS = ("usage", "warehouse_id")
SUPPLIER_FIELDS = (
    "partner_id", "product_tmpl_id", "product_id", "product_code", "min_qty", "price",
    "currency_id", "delay", "date_start", "date_end",
)  # fmt: skip
REPLENISH_FIELDS: dict[str, tuple[str, ...]] = {
    "sale.order.line": SALE_LINE_FIELDS,
    "stock.quant": QUANT_FIELDS,
    "stock.location": LOCATION_FIELDS,
    "product.supplierinfo": SUPPLIER_FIELDS,
}
# A refusal that asking again will not change: skip that part, keep the rest.
_SKIPPABLE = (OdooAccessError, OdooInvalidCall, OdooUserError, OdooValidationError)


@dataclass(frozen=True)
class Replenishment:
    """The day alternatives are computed for, and how long a transfer between warehouses takes."""

    today: date
    transfer_days: int = 1


@dataclass(frozen=True)
class Stock:
    """What one warehouse could ship of a product now."""

    warehouse_id: int
    warehouse: str
    available: float


@dataclass(frozen=True)
class Offer:
    """One vendor's terms for a product (a product.supplierinfo row)."""

    vendor_id: int
    vendor: str
    lead_days: int
    min_qty: float
    price: float
    currency: str = ""
    code: str = ""


@dataclass
class _Facts:
    """Everything read from Odoo, by product."""

    stock: dict[int, list[Stock]] = field(default_factory=dict)
    offers: dict[int, list[Offer]] = field(default_factory=dict)
    home: dict[int, int | None] = field(default_factory=dict)  # sale order -> its warehouse
    skipped: list[str] = field(default_factory=list)


# -- the computation (pure) ---------------------------------------------------------------------


def alternatives(
    needed: float,
    promised: date | None,
    stock: list[Stock],
    offers: list[Offer],
    plan: Replenishment,
) -> list[Alternative]:
    """Stock and vendors for `needed`: those keeping the promise first, then earliest, cheapest."""
    moved = plan.today + timedelta(days=plan.transfer_days)
    found = [_from_stock(s, needed, promised, moved) for s in stock if s.available > 0]
    found += [_from_vendor(o, needed, promised, plan.today) for o in offers]
    return sorted(found, key=_rank)


def _from_stock(stock: Stock, needed: float, promised: date | None, moved: date) -> Alternative:
    return Alternative(
        kind=SourceKind.STOCK,
        source_id=stock.warehouse_id,
        source=stock.warehouse,
        available=stock.available,
        earliest=moved,
        meets_promise=_meets(moved, promised),
        covers=min(stock.available, needed),
    )


def _from_vendor(offer: Offer, needed: float, promised: date | None, today: date) -> Alternative:
    arrives = today + timedelta(days=offer.lead_days)
    return Alternative(
        kind=SourceKind.VENDOR,
        source_id=offer.vendor_id,
        source=offer.vendor,
        lead_days=offer.lead_days,
        min_qty=offer.min_qty,
        price=offer.price,
        currency=offer.currency,
        vendor_code=offer.code,
        earliest=arrives,
        meets_promise=_meets(arrives, promised),
        covers=needed,  # ordered as max(needed, min_qty): the whole need
    )


def _meets(earliest: date, promised: date | None) -> bool | None:
    return None if promised is None else earliest <= promised


def _rank(alt: Alternative) -> tuple[int, date, float, float, str]:
    """On time first, then the earliest, the cheapest (own stock costs nothing), the largest."""
    promise = {True: 0, None: 1, False: 2}[alt.meets_promise]
    return promise, alt.earliest or date.max, alt.price or 0.0, -alt.covers, alt.source


def best_offers(rows: list[Offer], needed: float) -> list[Offer]:
    """One offer per vendor: its cheapest whose minimum the need reaches, else its smallest."""
    by_vendor: dict[int, list[Offer]] = defaultdict(list)
    for row in rows:
        by_vendor[row.vendor_id].append(row)
    best = []
    for offers in by_vendor.values():
        reached = [o for o in offers if o.min_qty <= needed]
        pick = min(reached, key=lambda o: o.price) if reached else min(offers, key=_smallest)
        best.append(pick)
    return best


def _smallest(offer: Offer) -> tuple[float, float]:
    return offer.min_qty, offer.price


# -- the reads ----------------------------------------------------------------------------------


def attach_held(
    erp: ErpReader,
    orders: list[ImpactedOrder],
    holders: dict[int, dict[int, int | None]],
    caps: OdooCapabilities,
    plan: Replenishment,
) -> tuple[list[ImpactedOrder], list[str]]:
    """The orders with their held products and alternatives; the reasons for parts skipped.

    `holders` maps each sale order to the purchase orders holding it up and their vendors.
    """
    if not orders:
        return orders, []
    try:
        wanted = _held_lines(erp, orders, holders)
        products = _products(erp, {p for needs in wanted.values() for p in needs})
    except _SKIPPABLE as exc:
        return orders, [f"held products not listed: {exc.message}"]
    if not products:
        return orders, []
    facts = _Facts()
    facts.home = _warehouses(erp, [o.sale_order_id for o in orders], caps, facts.skipped)
    facts.stock = _stock(erp, list(products), caps, facts.skipped)
    templates = {pid: m2o_id(p.get("product_tmpl_id")) for pid, p in products.items()}
    facts.offers = _offers(erp, templates, caps, plan.today, facts.skipped)
    done = [
        order.model_copy(update={"held": _held(order, wanted, products, holders, facts, plan)})
        for order in orders
    ]
    return share_stock(done), facts.skipped


def share_stock(orders: list[ImpactedOrder]) -> list[ImpactedOrder]:
    """Free stock set aside order by order, the earliest promise first, so that two customers
    are never offered the same units (each order's alternatives still list what is free)."""
    free: dict[tuple[int, int], float] = {}
    for order in orders:
        for held in order.held:
            for alt in held.alternatives:
                if alt.kind is SourceKind.STOCK:
                    free[held.product_id, alt.source_id] = alt.available or 0.0
    allotted: dict[tuple[int, int], float] = {}
    for order in sorted(orders, key=lambda o: (o.commitment_date or date.max, o.name)):
        for held in order.held:
            want = held.needed
            for alt in held.alternatives:  # in the order they are offered
                if alt.kind is not SourceKind.STOCK or want <= 0:
                    continue
                take = min(want, free[held.product_id, alt.source_id])
                free[held.product_id, alt.source_id] -= take
                want -= take
            allotted[order.sale_order_id, held.product_id] = held.needed - want
    return [
        order.model_copy(
            update={
                "held": [
                    h.model_copy(update={"allotted": allotted[order.sale_order_id, h.product_id]})
                    for h in order.held
                ]
            }
        )
        for order in orders
    ]


def _held(
    order: ImpactedOrder,
    wanted: dict[int, dict[int, float]],
    products: dict[int, dict[str, Any]],
    holders: dict[int, dict[int, int | None]],
    facts: _Facts,
    plan: Replenishment,
) -> list[HeldProduct]:
    late_vendors = set(holders.get(order.sale_order_id, {}).values())
    home = facts.home.get(order.sale_order_id)
    held = []
    for pid, needed in sorted(wanted.get(order.sale_order_id, {}).items()):
        stock = [s for s in facts.stock.get(pid, []) if s.warehouse_id != home]
        offers = [o for o in facts.offers.get(pid, []) if o.vendor_id not in late_vendors]
        product = products.get(pid, {})
        held.append(
            HeldProduct(
                product_id=pid,
                product=str(product.get("name") or f"product {pid}"),
                code=str(product.get("default_code") or ""),
                needed=needed,
                promised=order.commitment_date,
                alternatives=alternatives(
                    needed, order.commitment_date, stock, best_offers(offers, needed), plan
                ),
            )
        )
    return held


def _held_lines(
    erp: ErpReader, orders: list[ImpactedOrder], holders: dict[int, dict[int, int | None]]
) -> dict[int, dict[int, float]]:
    """Sale order -> product -> still to deliver, for the products its late orders buy."""
    po_ids = sorted({po for pos in holders.values() for po in pos})
    bought: dict[int, set[int]] = defaultdict(set)  # purchase order -> products
    for line in erp.search_read(
        "purchase.order.line", [["order_id", "in", po_ids]], ["order_id", "product_id"]
    ):
        if (po := m2o_id(line["order_id"])) and (pid := m2o_id(line["product_id"])):
            bought[po].add(pid)
    so_ids = [o.sale_order_id for o in orders]
    needs: dict[int, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    domain = [["order_id", "in", so_ids]]
    for line in erp.search_read("sale.order.line", domain, list(SALE_LINE_FIELDS)):
        so, pid = m2o_id(line["order_id"]), m2o_id(line["product_id"])
        open_qty = float(line["product_uom_qty"] or 0) - float(line["qty_delivered"] or 0)
        if so is None or pid is None or open_qty <= 0:
            continue
        if any(pid in bought[po] for po in holders.get(so, {})):
            needs[so][pid] += open_qty
    return needs


def _products(erp: ErpReader, ids: set[int]) -> dict[int, dict[str, Any]]:
    if not ids:
        return {}
    rows = erp.read("product.product", sorted(ids), ["name", "default_code", "product_tmpl_id"])
    return {row["id"]: row for row in rows}


def _unavailable(
    what: str, caps: OdooCapabilities, needs: dict[str, tuple[str, ...]], skipped: list[str]
) -> bool:
    """Whether the probe already found a field missing (the reason is recorded)."""
    for model, names in needs.items():
        why = caps.unavailable(model, names)
        if why:
            skipped.append(f"{what}: {why}")
            return True
    return False


def _attempt(what: str, read: Callable[[], list[dict[str, Any]]], skipped: list[str]) -> Any:
    """The rows read, or None with the reason recorded when Odoo refuses the read."""
    try:
        return read()
    except _SKIPPABLE as exc:
        skipped.append(f"{what}: {exc.message}")
        return None


def _warehouses(
    erp: ErpReader, so_ids: list[int], caps: OdooCapabilities, skipped: list[str]
) -> dict[int, int | None]:
    """Each sale order's warehouse (sale_stock); unknown: every warehouse counts as other."""
    what = "the orders' own warehouse unknown, stock of every warehouse listed"
    if _unavailable(what, caps, {"sale.order": ("warehouse_id",)}, skipped):
        return {}
    rows = _attempt(what, lambda: erp.read("sale.order", so_ids, ["warehouse_id"]), skipped)
    return {r["id"]: m2o_id(r["warehouse_id"]) for r in rows or []}


def _stock(
    erp: ErpReader, product_ids: list[int], caps: OdooCapabilities, skipped: list[str]
) -> dict[int, list[Stock]]:
    """Product -> what each warehouse holds in internal locations, less what is reserved."""
    what = "stock in other warehouses not listed"
    if not product_ids:
        return {}
    if caps.modules.get("stock") is False:
        skipped.append(f"{what}: stock is not installed")
        return {}
    needs = {"stock.quant": QUANT_FIELDS, "stock.location": LOCATION_FIELDS}
    if _unavailable(what, caps, needs, skipped):
        return {}
    domain = [["product_id", "in", product_ids], ["location_id.usage", "=", "internal"]]
    quants = _attempt(
        what, lambda: erp.search_read("stock.quant", domain, list(QUANT_FIELDS)), skipped
    )
    if not quants:
        return {}
    ids = sorted({i for q in quants if (i := m2o_id(q["location_id"])) is not None})
    locations = _attempt(
        what, lambda: erp.read("stock.location", ids, list(LOCATION_FIELDS)), skipped
    )
    return _per_warehouse(quants, {row["id"]: row for row in locations or []})


def _per_warehouse(
    quants: list[dict[str, Any]], locations: dict[int, dict[str, Any]]
) -> dict[int, list[Stock]]:
    totals: dict[tuple[int, int], float] = defaultdict(float)
    names: dict[int, str] = {}
    for quant in quants:
        location = locations.get(m2o_id(quant["location_id"]) or 0, {})
        warehouse, pid = m2o_id(location.get("warehouse_id")), m2o_id(quant["product_id"])
        # Customer, vendor, view and transit locations are never stock on hand.
        if location.get("usage") != "internal" or warehouse is None or pid is None:
            continue
        names[warehouse] = m2o_name(location["warehouse_id"])
        on_hand = float(quant["quantity"] or 0) - float(quant["reserved_quantity"] or 0)
        totals[pid, warehouse] += on_hand
    found: dict[int, list[Stock]] = defaultdict(list)
    for (pid, warehouse), available in sorted(totals.items()):
        if available > 0:
            found[pid].append(Stock(warehouse, names[warehouse], available))
    return found


def _offers(
    erp: ErpReader,
    templates: dict[int, int | None],
    caps: OdooCapabilities,
    today: date,
    skipped: list[str],
) -> dict[int, list[Offer]]:
    """Product -> the vendors' current terms (date_end not passed, date_start reached)."""
    what = "other vendors not listed"
    tmpl_ids = sorted({t for t in templates.values() if t is not None})
    if not tmpl_ids or _unavailable(what, caps, {"product.supplierinfo": SUPPLIER_FIELDS}, skipped):
        return {}
    domain = [["product_tmpl_id", "in", tmpl_ids]]
    rows = _attempt(
        what,
        lambda: erp.search_read("product.supplierinfo", domain, list(SUPPLIER_FIELDS)),
        skipped,
    )
    found: dict[int, list[Offer]] = defaultdict(list)
    for row in rows or []:
        if not _current(row, today):
            continue
        variant, tmpl = m2o_id(row["product_id"]), m2o_id(row["product_tmpl_id"])
        for pid, product_tmpl in templates.items():
            if product_tmpl == tmpl and variant in (None, pid):
                found[pid].append(_offer(row))
    return found


def _current(row: dict[str, Any], today: date) -> bool:
    start, end = row.get("date_start"), row.get("date_end")
    if end and date.fromisoformat(str(end)[:10]) < today:
        return False
    return not (start and date.fromisoformat(str(start)[:10]) > today)


def _offer(row: dict[str, Any]) -> Offer:
    return Offer(
        vendor_id=m2o_id(row["partner_id"]) or 0,
        vendor=m2o_name(row["partner_id"]),
        lead_days=int(row["delay"] or 0),
        min_qty=float(row["min_qty"] or 0),
        price=float(row["price"] or 0),
        currency=m2o_name(row["currency_id"]),
        code=str(row["product_code"] or ""),
    )
