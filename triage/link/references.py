"""Which Odoo model and fields each kind of extracted reference is looked up in."""

from __future__ import annotations

from dataclasses import dataclass

from models import EntityKind


@dataclass(frozen=True)
class Lookup:
    """Search `model` for the reference in any of `fields`."""

    model: str
    fields: tuple[str, ...]
    partner_field: str = "partner_id"


LOOKUPS: dict[EntityKind, tuple[Lookup, ...]] = {
    EntityKind.SALE_ORDER: (Lookup("sale.order", ("name",)),),
    EntityKind.CUSTOMER_PO: (
        Lookup("sale.order", ("client_order_ref",)),
        Lookup("purchase.order", ("partner_ref",)),
    ),
    EntityKind.PURCHASE_ORDER: (Lookup("purchase.order", ("name",)),),
    EntityKind.PICKING_OUT: (Lookup("stock.picking", ("name",)),),
    EntityKind.PICKING_IN: (Lookup("stock.picking", ("name",)),),
    EntityKind.TRACKING_NUMBER: (Lookup("stock.picking", ("carrier_tracking_ref",)),),
    EntityKind.CUSTOMER_INVOICE: (Lookup("account.move", ("name", "ref", "payment_reference")),),
    EntityKind.VENDOR_BILL: (Lookup("account.move", ("name", "ref", "payment_reference")),),
    EntityKind.CREDIT_NOTE: (Lookup("account.move", ("name", "ref", "payment_reference")),),
}


# Read with each linked record, for the policy's conditions (states, amounts) and executors.
DETAILS: dict[str, tuple[str, ...]] = {
    "sale.order": ("state", "amount_total", "user_id"),
    "purchase.order": ("state", "amount_total", "user_id"),
    "account.move": ("state", "amount_total", "payment_state", "move_type"),
    "stock.picking": ("state",),
}


def any_of(fields: tuple[str, ...], value: str) -> list[object]:
    """A domain matching `value` exactly in any of `fields` (Polish-notation ORs)."""
    leaves: list[object] = [[field, "=", value] for field in fields]
    return ["|"] * (len(leaves) - 1) + leaves
