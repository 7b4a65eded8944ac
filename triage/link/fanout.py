"""A supplier delay fanned out: every sale order that waits on the late purchase order.

Odoo links them through the purchase lines' destination moves and their procurement
group's sale order; the purchase order's `origin` ("S00012, S00015") is the fallback, and the
only way when purchase_stock or sale_stock is not installed. The promised day is the date of
`commitment_date` (UTC) in the Odoo user's time zone. Each order's held products and their
replenishment alternatives come from triage.link.replenish.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from models import EntityKind, ImpactedOrder, Link, LinkStatus, Message, OdooCapabilities
from triage.errors import OdooInvalidCall
from triage.link.port import ErpReader, m2o_id, m2o_name
from triage.link.replenish import Replenishment, attach_held

SALE_FIELDS = ["id", "name", "partner_id", "user_id", "commitment_date"]


def impacted_orders(
    erp: ErpReader,
    links: list[Link],
    message: Message,
    caps: OdooCapabilities | None = None,
    plan: Replenishment | None = None,
) -> tuple[list[ImpactedOrder], list[str]]:
    """Sale orders held up by each linked purchase order, whether the new ETA breaks them and,
    given a `plan`, the products held with their alternatives; and the lookups skipped."""
    caps = caps or OdooCapabilities()
    new_eta, tz = _new_eta(message), zone(caps.tz)
    impacted: dict[int, ImpactedOrder] = {}
    holders: dict[int, dict[int, int | None]] = defaultdict(dict)  # sale -> {purchase: vendor}
    for link in links:
        if link.model != "purchase.order" or link.status is not LinkStatus.LINKED:
            continue
        po_id = int(link.record_id or 0)
        vendor, orders = _sale_orders(erp, po_id, caps)
        for order, how in orders:
            impacted.setdefault(
                order["id"], _impacted(order, new_eta, f"{how} of {link.display_name}", tz)
            )
            holders[order["id"]][po_id] = vendor
    found = sorted(impacted.values(), key=lambda o: o.name)
    if plan is None:
        return found, []
    return attach_held(erp, found, holders, caps, plan)


def _sale_orders(
    erp: ErpReader, po_id: int, caps: OdooCapabilities
) -> tuple[int | None, list[tuple[dict[str, Any], str]]]:
    """The purchase order's vendor, and the sale orders it holds up with how each was found."""
    po = erp.read("purchase.order", [po_id], ["order_line", "origin", "partner_id"])
    if not po:
        return None, []
    vendor = m2o_id(po[0].get("partner_id"))
    by_moves = not (
        caps.unavailable("purchase.order.line", ["move_dest_ids"])
        or caps.unavailable("procurement.group", ["sale_id"])
    )
    try:
        sale_ids = _sales_by_moves(erp, po[0]["order_line"]) if by_moves else []
    except OdooInvalidCall:  # a field this Odoo lacks: the origin still tells
        sale_ids = []
    if sale_ids:
        found = erp.read("sale.order", sale_ids, SALE_FIELDS)
        return vendor, [(o, "destination moves") for o in found]
    names = [n.strip() for n in str(po[0].get("origin") or "").split(",") if n.strip()]
    if not names:
        return vendor, []
    found = erp.search_read("sale.order", [["name", "in", names]], SALE_FIELDS)
    return vendor, [(o, "origin") for o in found]


def _sales_by_moves(erp: ErpReader, line_ids: list[int]) -> list[int]:
    lines = erp.read("purchase.order.line", line_ids, ["move_dest_ids"])
    moves = erp.read(
        "stock.move", [m for line in lines for m in line["move_dest_ids"]], ["group_id"]
    )
    groups = sorted({g for g in (m2o_id(m["group_id"]) for m in moves) if g is not None})
    found = (m2o_id(g["sale_id"]) for g in erp.read("procurement.group", groups, ["sale_id"]))
    return sorted({s for s in found if s})


def _impacted(order: dict[str, Any], new_eta: date | None, how: str, tz: tzinfo) -> ImpactedOrder:
    committed = local_day(order.get("commitment_date"), tz)
    at_risk = None if committed is None or new_eta is None else new_eta > committed
    return ImpactedOrder(
        sale_order_id=order["id"],
        name=order["name"],
        customer=m2o_name(order.get("partner_id")),
        customer_id=m2o_id(order.get("partner_id")),
        salesperson=m2o_name(order.get("user_id")),
        salesperson_id=m2o_id(order.get("user_id")),
        commitment_date=committed,
        new_eta=new_eta,
        at_risk=at_risk,
        found_by=how,
    )


def _new_eta(message: Message) -> date | None:
    etas = [e for e in message.entities if e.kind is EntityKind.ETA and e.field != "quoted"]
    return date.fromisoformat(etas[0].value) if etas else None


def local_day(value: Any, tz: tzinfo) -> date | None:
    """The day, in `tz`, of an Odoo datetime (UTC "YYYY-MM-DD HH:MM:SS") or date."""
    if not value:
        return None
    text = str(value)
    if len(text) <= 10:
        return date.fromisoformat(text)
    moment = datetime.strptime(text[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    return moment.astimezone(tz).date()


def zone(name: str) -> tzinfo:
    """The time zone of that name (UTC when unknown or malformed)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):  # an unknown or malformed tz: UTC
        return UTC
