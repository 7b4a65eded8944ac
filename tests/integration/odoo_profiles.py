"""Version profiles of the Odoo stand-in: what differs between Odoo 17.0 and 18.0.

`odoo_data.MODELS` holds the union of both versions' fields; a `Profile` hides the fields and
methods its version lacks and narrows selections, so a domain, read or write on a field of the
other version fails as Odoo fails on an unknown field. See contract.md section 8 (read in Odoo's
17.0 and 18.0 addons/account/models/account_move.py and addons/sale/models/sale_order.py).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field

from tests.integration.odoo_data import MODELS, SELECTIONS, Field

VERSIONS = ("17.0", "18.0")


def _selection(key: str, drop: tuple[str, ...] = ()) -> tuple[tuple[str, str], ...]:
    pairs = (tuple(p.split(":", 1)) for p in SELECTIONS[key].split(","))
    return tuple((k, v) for k, v in pairs if k not in drop)


@dataclass(frozen=True, eq=False)
class Profile:
    """One Odoo version as the stand-in serves it."""

    name: str
    absent_fields: frozenset[tuple[str, str]] = frozenset()
    absent_methods: frozenset[tuple[str, str]] = frozenset()  # (model or "*", method)
    selections: Mapping[tuple[str, str], tuple[tuple[str, str], ...]] = field(default_factory=dict)

    @property
    def major(self) -> int:
        """The major version number (17, 18)."""
        return int(self.name.split(".")[0].split("~")[-1].split("+")[0])

    def field(self, model: str, name: str) -> Field | None:
        """The field as this version defines it, None when the version has no such field."""
        spec = MODELS[model].fields.get(name)
        if spec is None or (model, name) in self.absent_fields:
            return None
        selection = self.selections.get((model, name))
        return dataclasses.replace(spec, selection=selection) if selection else spec

    def fields(self, model: str) -> dict[str, Field]:
        """The model's fields in this version, in schema order."""
        found = ((name, self.field(model, name)) for name in MODELS[model].fields)
        return {name: spec for name, spec in found if spec is not None}

    def has_method(self, model: str, method: str) -> bool:
        """Whether this version has the public method (the stand-in may still implement it)."""
        return not {(model, method), ("*", method)} & self.absent_methods


_PRODUCTS = ("product.product", "product.template")
# Product types, read in addons/product/models/product_template.py and addons/stock (see
# ODOO_SOURCES.md): 17.0 type and detailed_type consu/service + stock's 'product' (storable);
# 18.0 type consu ("Goods")/service/combo and stock's Boolean is_storable.
_TYPES_17 = _selection("product_type", ("combo",))
_TYPES_18 = (("consu", "Goods"), ("service", "Service"), ("combo", "Combo"))

PROFILES = {
    # Odoo 17.0: account.move.to_check (does not block payments), no payment block.
    "17.0": Profile(
        "17.0",
        absent_fields=frozenset(
            {("account.move", "checked"), *((model, "is_storable") for model in _PRODUCTS)}
        ),
        absent_methods=frozenset({("account.move", "action_toggle_block_payment")}),
        selections={
            ("account.move", "payment_state"): _selection("payment_state", ("blocked",)),
            **{
                (model, name): _TYPES_17
                for model in _PRODUCTS
                for name in ("type", "detailed_type")
            },
        },
    ),
    # Odoo 18.0: to_check replaced by checked; payment_state 'blocked' and its toggle; no name_get;
    # no detailed_type, no 'product' type (is_storable instead).
    "18.0": Profile(
        "18.0",
        absent_fields=frozenset(
            {("account.move", "to_check"), *((model, "detailed_type") for model in _PRODUCTS)}
        ),
        absent_methods=frozenset({("*", "name_get")}),
        selections={(model, "type"): _TYPES_18 for model in _PRODUCTS},
    ),
}


def profile_for(version: str) -> Profile:
    """The profile of a server version ("17.0", "18.0+e", "saas~18.1": by major version)."""
    if version in PROFILES:
        return PROFILES[version]
    major = Profile(version).major
    for profile in PROFILES.values():
        if profile.major == major:
            return profile
    raise ValueError(f"no stand-in profile for Odoo {version!r}; known: {', '.join(PROFILES)}")
