"""Which of our products each line of a supplier's document means.

Trust, from most to least: the vendor's own code in `product.supplierinfo`, our internal
reference (`default_code`), the barcode, then the vendor's product name in
`product.supplierinfo` equal to the line's description. Every lookup kind is one read for all
the lines still unresolved, never one read per line. A code or name that points at two products
resolves to none: guessing between them would compare the wrong line.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from models import DocumentLine, SupplierDocument
from triage.errors import OdooInvalidCall
from triage.link.port import ErpReader, m2o_id
from triage.link.sender import escape_like

SUPPLIER_CODE = "supplier code"
INTERNAL_REFERENCE = "internal reference"
BARCODE = "barcode"
SUPPLIER_NAME = "supplier product name"
SUPPLIERINFO_FIELDS = ["product_id", "product_tmpl_id", "product_code", "product_name"]

LineKey = tuple[str, int]  # (document source, line position)
_K = TypeVar("_K")


@dataclass(frozen=True)
class Resolution:
    """The product a document line names, and which lookup found it."""

    product_id: int | None = None
    matched_by: str = ""


def line_keys(documents: Iterable[SupplierDocument]) -> dict[LineKey, DocumentLine]:
    """Every document line by (document source, position)."""
    return {(d.source, line.position): line for d in documents for line in d.lines}


@dataclass(frozen=True)
class ProductCatalog:
    """Resolves document lines to product.product ids for one vendor, in batches."""

    erp: ErpReader

    def resolve(
        self, vendor_id: int | None, lines: dict[LineKey, DocumentLine]
    ) -> dict[LineKey, Resolution]:
        """Each line's product and how it was found (an empty Resolution when none)."""
        found: dict[LineKey, Resolution] = {}
        steps = (
            (SUPPLIER_CODE, self._by_supplier_code, _codes),
            (INTERNAL_REFERENCE, self._by_default_code, _codes),
            (BARCODE, self._by_barcode, _codes),
            (SUPPLIER_NAME, self._by_supplier_name, _description),
        )
        for how, lookup, keys_of in steps:
            pending = {k: keys_of(line) for k, line in lines.items() if k not in found}
            wanted = sorted({key for keys in pending.values() for key in keys})
            if not wanted or (vendor_id is None and how in (SUPPLIER_CODE, SUPPLIER_NAME)):
                continue
            products = lookup(vendor_id or 0, wanted)
            for line_key, keys in pending.items():
                product = next((products[k] for k in keys if products.get(k)), None)
                if product is not None:
                    found[line_key] = Resolution(product, how)
        return {k: found.get(k, Resolution()) for k in lines}

    def _by_supplier_code(self, vendor_id: int, codes: list[str]) -> dict[str, int | None]:
        rows = self._supplierinfo(vendor_id, "product_code", codes)
        return self._unique(rows, "product_code")

    def _by_supplier_name(self, vendor_id: int, names: list[str]) -> dict[str, int | None]:
        rows = self._supplierinfo(vendor_id, "product_name", names)
        return self._unique(rows, "product_name")

    def _by_default_code(self, _vendor_id: int, codes: list[str]) -> dict[str, int | None]:
        rows = self.erp.search_read(
            "product.product", _any_ilike("default_code", codes), ["id", "default_code"]
        )
        return _unique_ids((str(r["default_code"]).casefold(), r["id"]) for r in rows)

    def _by_barcode(self, _vendor_id: int, codes: list[str]) -> dict[str, int | None]:
        barcodes = [c for c in codes if c.isdigit()]
        if not barcodes:
            return {}
        try:
            rows = self.erp.search_read(
                "product.product", [["barcode", "in", barcodes]], ["id", "barcode"]
            )
        except OdooInvalidCall:  # no barcode field on this Odoo: the other lookups still tell
            return {}
        return _unique_ids((str(r["barcode"]), r["id"]) for r in rows)

    def _supplierinfo(self, vendor_id: int, field: str, values: list[str]) -> list[dict[str, Any]]:
        domain = [["partner_id", "child_of", vendor_id], *_any_ilike(field, values)]
        try:
            return self.erp.search_read("product.supplierinfo", domain, SUPPLIERINFO_FIELDS)
        except OdooInvalidCall:  # product_id (the variant) is optional in some versions
            return self.erp.search_read("product.supplierinfo", domain, SUPPLIERINFO_FIELDS[1:])

    def _unique(self, rows: list[dict[str, Any]], field: str) -> dict[str, int | None]:
        """Value (casefolded) -> its one product, None when it names several."""
        variants = self._single_variants(
            [t for r in rows if not m2o_id(r.get("product_id")) for t in [_tmpl(r)] if t]
        )
        pairs = []
        for row in rows:
            product = m2o_id(row.get("product_id")) or variants.get(_tmpl(row) or 0)
            pairs.append((_folded(str(row[field])), product))
        return _unique_ids(pairs)

    def _single_variants(self, template_ids: list[int]) -> dict[int, int | None]:
        """Template -> its only active variant (None when it has several or none)."""
        if not template_ids:
            return {}
        rows = self.erp.search_read(
            "product.product",
            [["product_tmpl_id", "in", sorted(set(template_ids))]],
            ["id", "product_tmpl_id"],
        )
        return _unique_ids((m2o_id(r["product_tmpl_id"]), r["id"]) for r in rows)  # type: ignore[misc]


def _unique_ids(pairs: Iterable[tuple[_K, int | None]]) -> dict[_K, int | None]:
    """Key -> id, or None when the key names two different ids."""
    result: dict[_K, int | None] = {}
    for key, rid in pairs:
        result[key] = rid if key not in result or result[key] == rid else None
    return result


def _tmpl(row: dict[str, Any]) -> int | None:
    return m2o_id(row.get("product_tmpl_id"))


def _any_ilike(field: str, values: Sequence[str]) -> list[Any]:
    """A domain: `field` equal to any of `values`, ignoring case (wildcards escaped)."""
    leaves: list[Any] = [[field, "=ilike", escape_like(v)] for v in values]
    return ["|"] * (len(leaves) - 1) + leaves


def _codes(line: DocumentLine) -> list[str]:
    return [c.strip().casefold() for c in line.codes if c.strip()]


def _description(line: DocumentLine) -> list[str]:
    text = _folded(line.description)
    return [text] if text else []


def _folded(text: str) -> str:
    return " ".join(text.split()).casefold()
