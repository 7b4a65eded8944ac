"""The capability probe: what the connected Odoo offers, asked once at the first connection.

Server version, the installed modules we use (ir.module.module) and `fields_get` of every
field we rely on. A feature whose module or field is missing is switched off with a reason,
said once in the log, in /v1/status and in `triage status`; the linker skips its lookups.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from models import OdooCapabilities
from triage.errors import OdooAccessError, OdooInvalidCall, OdooUserError
from triage.link.fanout import SALE_FIELDS
from triage.link.linker import PARTNER_FIELDS
from triage.link.port import ErpClient
from triage.link.references import DETAILS, LOOKUPS
from triage.link.replenish import LOCATION_FIELDS, QUANT_FIELDS, SUPPLIER_FIELDS
from triage.supplier.check import LINE_FIELDS

# A refusal the probe notes and goes on from (an outage still raises: probed again later).
_REFUSED = (OdooAccessError, OdooInvalidCall, OdooUserError)


@dataclass(frozen=True)
class Feature:
    """What stops working, which module provides it, and the fields it needs."""

    module: str
    effect: str
    fields: dict[str, tuple[str, ...]]


FEATURES: tuple[Feature, ...] = (
    Feature(
        "stock_delivery",
        "tracking numbers are not looked up",
        {"stock.picking": ("carrier_tracking_ref",)},
    ),
    Feature(
        "purchase_stock",
        "orders held up by a late purchase order are found by its origin only",
        {"purchase.order.line": ("move_dest_ids",)},
    ),
    Feature(
        "sale_stock",
        "orders held up by a late purchase order are found by its origin only",
        {"procurement.group": ("sale_id",)},
    ),
    Feature("stock", "transfers are not looked up", {"stock.picking": ("name", "state")}),
    Feature(
        "account",
        "invoices, bills and credit notes are not looked up",
        {"account.move": ("name", "ref", "payment_reference", "state", "payment_state")},
    ),
    Feature("purchase", "purchase orders are not looked up", {"purchase.order": ("name",)}),
    Feature(
        "purchase",
        "supplier confirmations are not compared with the purchase order",
        {"purchase.order.line": tuple(f for f in LINE_FIELDS if f != "product_uom")},
    ),
    Feature(
        "stock",
        "replenishment alternatives list no stock of our other warehouses",
        {"stock.quant": QUANT_FIELDS, "stock.location": LOCATION_FIELDS},
    ),
    Feature(
        "product",
        "replenishment alternatives list no other vendors",
        {"product.supplierinfo": SUPPLIER_FIELDS},
    ),
    Feature("sale", "sale orders are not looked up", {"sale.order": ("name",)}),
)


def relied_on() -> dict[str, set[str]]:
    """Every field the linker reads or searches, per model."""
    needed: dict[str, set[str]] = {
        "res.users": {"login", "share"},
        "res.partner": set(PARTNER_FIELDS) - {"id"},
        "sale.order": set(SALE_FIELDS) - {"id"},
    }
    for lookups in LOOKUPS.values():
        for lookup in lookups:
            needed.setdefault(lookup.model, set()).update({*lookup.fields, lookup.partner_field})
    for model, names in DETAILS.items():
        needed.setdefault(model, set()).update(names)
    for feature in FEATURES:
        for model, names in feature.fields.items():
            needed.setdefault(model, set()).update(names)
    return needed


ProbeTarget = ErpClient  # what the probe needs of the adapter


def probe(odoo: ProbeTarget) -> OdooCapabilities:
    """Ask Odoo what it offers; refusals are noted, an outage raises (probe again later)."""
    caps = OdooCapabilities(server_version=odoo.server_version(), probed_at=datetime.now(UTC))
    caps.modules = _modules(odoo, caps)
    for model, names in sorted(relied_on().items()):
        absent = sorted(names - _fields_of(odoo, model, caps))
        if absent:
            caps.missing_fields[model] = absent
    caps.tz = _tz(odoo, caps)
    _explain(caps)
    return caps


def _modules(odoo: ProbeTarget, caps: OdooCapabilities) -> dict[str, bool]:
    wanted = sorted({f.module for f in FEATURES})
    try:
        rows = odoo.search_read(
            "ir.module.module", [["name", "in", wanted]], ["name", "state"], limit=len(wanted)
        )
    except _REFUSED as exc:
        caps.probe_errors.append(f"installed modules not read: {exc.message}")
        return {}
    states = {str(r["name"]): r["state"] for r in rows}
    return {name: states.get(name) == "installed" for name in wanted}


def _fields_of(odoo: ProbeTarget, model: str, caps: OdooCapabilities) -> set[str]:
    try:
        return set(odoo.call(model, "fields_get", [], {"attributes": ["type"]}))
    except _REFUSED as exc:
        caps.probe_errors.append(f"fields of {model} not read: {exc.message}")
        return set()


def _tz(odoo: ProbeTarget, caps: OdooCapabilities) -> str:
    try:
        context = odoo.call("res.users", "context_get", [], {})
    except _REFUSED as exc:
        caps.probe_errors.append(f"time zone not read (UTC used): {exc.message}")
        return "UTC"
    tz = context.get("tz") if isinstance(context, dict) else None
    return str(tz) if tz else "UTC"


def _explain(caps: OdooCapabilities) -> None:
    """Fill `disabled` and `field_reasons` from the modules and the missing fields."""
    for feature in FEATURES:
        missing = [
            f"{model}.{name}"
            for model, names in feature.fields.items()
            for name in names
            if name in caps.missing_fields.get(model, ())
        ]
        if caps.modules.get(feature.module) is False:
            why = f"{feature.effect}: {feature.module} is not installed"
        elif missing:
            why = f"{feature.effect}: {', '.join(missing)} missing"
        else:
            continue
        if why not in caps.disabled:
            caps.disabled.append(why)
        for name in missing:
            caps.field_reasons.setdefault(name, why)
