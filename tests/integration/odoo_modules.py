"""Odoo modules the stand-in can run without: the fields each adds, and the module profiles.

Odoo adds a field to a model only when the module defining it is installed; without it a domain
on the field raises ValueError("Invalid field ...") (contract section 8). `minimal` is a
distributor without the stock bridges of sales and purchases and without the Shipping app.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from typing import Any

from tests.integration.odoo_profiles import Profile

# Fields of our schema that each optional module defines (Odoo 17/18 addons/<module>/models).
MODULE_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "sale_stock": {
        "sale.order": ("picking_ids", "delivery_count", "procurement_group_id", "warehouse_id"),
        "sale.order.line": ("move_ids",),
        "stock.picking": ("sale_id",),
        "procurement.group": ("sale_id",),
        "stock.move": ("sale_line_id",),
    },
    "purchase_stock": {
        "purchase.order": ("receipt_status", "picking_ids", "group_id"),
        "purchase.order.line": ("move_ids", "move_dest_ids", "group_id"),
        "stock.picking": ("purchase_id",),
        "stock.move": ("purchase_line_id", "created_purchase_line_id", "created_purchase_line_ids"),
    },
    "stock_delivery": {"stock.picking": ("carrier_id", "carrier_tracking_ref")},
}
ALL_MODULES = (
    "base", "web", "mail", "product", "sale", "sale_management", "purchase", "stock",
    "account", "delivery", "sale_stock", "purchase_stock", "stock_delivery",
    "sale_purchase", "sale_purchase_stock",
)  # fmt: skip
# Modules that depend on one left out are left out too.
_DEPENDS = {"sale_purchase_stock": ("sale_stock", "purchase_stock")}
PROFILES: dict[str, frozenset[str]] = {
    "full": frozenset(ALL_MODULES),
    "minimal": frozenset(ALL_MODULES) - {"sale_stock", "purchase_stock", "stock_delivery"},
}


def installed_modules(modules: str | Collection[str]) -> frozenset[str]:
    """The installed modules of a profile name ("full", "minimal") or an explicit list."""
    chosen = PROFILES[modules] if isinstance(modules, str) else frozenset(modules)
    return frozenset(m for m in chosen if all(dep in chosen for dep in _DEPENDS.get(m, ())))


def missing_fields(installed: frozenset[str]) -> frozenset[tuple[str, str]]:
    """(model, field) pairs that the modules not installed would have added."""
    return frozenset(
        (model, name)
        for module, models in MODULE_FIELDS.items()
        if module not in installed
        for model, names in models.items()
        for name in names
    )


def without_modules(profile: Profile, installed: frozenset[str]) -> Profile:
    """The version profile with the fields of the modules not installed absent too."""
    absent = profile.absent_fields | missing_fields(installed)
    return dataclasses.replace(profile, absent_fields=absent)


def module_rows(installed: frozenset[str]) -> dict[int, dict[str, Any]]:
    """ir.module.module records: every known module, installed or not."""
    return {
        i: {"name": name, "shortdesc": name.replace("_", " ").title(), "state": state}
        for i, name in enumerate(ALL_MODULES, 1)
        for state in ("installed" if name in installed else "uninstalled",)
    }
