"""A supplier's documents checked against one purchase order read from Odoo.

Read-only. The PO's planned dates are UTC datetimes in Odoo; they are compared as the day in
the Odoo user's time zone, the day the buyer sees. Documents without lines (a scanned PDF) stay
in the check with their defect so people see what was not read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any

from models import (
    Discrepancy,
    LineMatch,
    OdooCapabilities,
    PoLine,
    SupplierCheck,
    SupplierDocument,
)
from triage.errors import OdooInvalidCall, OdooMissingError
from triage.link.fanout import local_day, zone
from triage.link.port import CapabilitySource, ErpReader, m2o_id, m2o_name
from triage.supplier.catalog import ProductCatalog, line_keys
from triage.supplier.compare import Tolerances, compare

PO_FIELDS = ["name", "partner_id", "currency_id", "order_line"]
LINE_FIELDS = ["product_id", "name", "product_qty", "price_unit", "date_planned", "product_uom"]


@dataclass(frozen=True)
class SupplierChecker:
    """Compares supplier documents with a purchase order through a read-only ERP port."""

    erp: ErpReader
    capabilities: CapabilitySource | None = None
    # Line fields this Odoo refused once: not asked for again (the probe does not check them).
    _refused: set[str] = field(default_factory=set, repr=False, compare=False)

    def check(
        self,
        po_id: int,
        documents: list[SupplierDocument],
        tolerances: Tolerances | None = None,
    ) -> SupplierCheck:
        """Every document line matched to the PO and every discrepancy found."""
        rows = self.erp.read("purchase.order", [po_id], PO_FIELDS)
        if not rows:
            raise OdooMissingError(f"purchase.order {po_id} does not exist", "MissingError")
        po = rows[0]
        vendor_id = self._commercial_partner(m2o_id(po["partner_id"]))
        currency = m2o_name(po.get("currency_id"))
        po_lines = self._po_lines(po["order_line"])
        matches: list[LineMatch] = []
        discrepancies: list[Discrepancy] = []
        if any(document.lines for document in documents):
            # Nothing read (a scan, a broken file) is nothing to compare, not five missing lines.
            resolved = ProductCatalog(self.erp).resolve(vendor_id, line_keys(documents))
            matches, discrepancies = compare(po_lines, documents, resolved, tolerances, currency)
        return SupplierCheck(
            purchase_order_id=po_id,
            purchase_order=str(po["name"]),
            vendor_id=vendor_id,
            currency=currency,
            documents=documents,
            po_lines=po_lines,
            matches=matches,
            discrepancies=discrepancies,
        )

    def _commercial_partner(self, partner_id: int | None) -> int | None:
        if partner_id is None:
            return None
        rows = self.erp.read("res.partner", [partner_id], ["commercial_partner_id"])
        return (m2o_id(rows[0]["commercial_partner_id"]) if rows else None) or partner_id

    def _po_lines(self, line_ids: list[int]) -> list[PoLine]:
        caps = self.capabilities.capabilities() if self.capabilities else OdooCapabilities()
        fields = [
            f for f in caps.present("purchase.order.line", LINE_FIELDS) if f not in self._refused
        ]
        try:
            rows = self.erp.read("purchase.order.line", line_ids, fields)
        except OdooInvalidCall:
            if "product_uom" not in fields:
                raise
            self._refused.add("product_uom")  # an Odoo without units on PO lines
            fields.remove("product_uom")
            rows = self.erp.read("purchase.order.line", line_ids, fields)
        product_ids = sorted({p for p in (m2o_id(r["product_id"]) for r in rows) if p})
        products = {
            p["id"]: p
            for p in self.erp.read("product.product", product_ids, ["name", "default_code"])
        }
        local = zone(caps.tz)
        return [_po_line(r, products, local) for r in rows]


def _po_line(row: dict[str, Any], products: dict[int, dict[str, Any]], zone: tzinfo) -> PoLine:
    product_id = m2o_id(row["product_id"])
    product = products.get(product_id or 0, {})
    return PoLine(
        id=row["id"],
        product_id=product_id,
        product=str(product.get("name") or row.get("name") or ""),
        code=str(product.get("default_code") or ""),
        quantity=float(row.get("product_qty") or 0.0),
        unit=m2o_name(row.get("product_uom")),
        price_unit=float(row.get("price_unit") or 0.0),
        date_planned=local_day(row.get("date_planned"), zone),
        planned_at=str(row.get("date_planned") or ""),
    )
