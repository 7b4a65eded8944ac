"""Records of the Odoo stand-in: field values, display names, domain search and ordering.

Domains follow odoo/osv/expression.py of Odoo 17: dotted paths become `any` sub-searches,
`!` is pushed into the leaves by negating their operator (so `!` on `=` matches NULL as `!=`
does), leaves are evaluated in SQL's three-valued logic with the NULL rules of `__leaf_to_sql`,
and a many2one compared to a string matches the related records found by name.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
import textwrap
from collections.abc import Callable
from typing import Any

from tests.integration.odoo_data import MODELS, Field
from tests.integration.odoo_profiles import PROFILES, Profile

Tree = tuple[Any, ...]
LIKE = ("like", "not like", "ilike", "not ilike")
NEGATIVE = ("!=", "not like", "not ilike", "not in")
HIERARCHY = ("child_of", "parent_of")
TERM_OPERATORS = ("=", "!=", "<=", "<", ">", ">=", "=?", "=like", "=ilike", "in", "not in")
TERM_OPERATORS += (*LIKE, *HIERARCHY, "any", "not any")
NEGATION = {"<": ">=", ">": "<=", "=": "!=", "in": "not in", "like": "not like"}
NEGATION |= {"ilike": "not ilike", "any": "not any"}
NEGATION |= {v: k for k, v in NEGATION.items()}
TRUE_LEAF, FALSE_LEAF = (1, "=", 1), (0, "=", 1)
X2MANY = ("one2many", "many2many")
ID = Field("integer", "ID")
_COMPARE = {"=": operator.eq, "!=": operator.ne, "<": operator.lt, ">": operator.gt}
_COMPARE |= {"<=": operator.le, ">=": operator.ge}
_RELATED = {  # (model, field): the path it is related to
    ("res.users", "name"): ("partner_id", "name"),
    ("res.users", "email"): ("partner_id", "email"),
    ("sale.order.line", "state"): ("order_id", "state"),
    ("purchase.order.line", "sale_order_id"): ("sale_line_id", "order_id"),
    ("stock.picking", "picking_type_code"): ("picking_type_id", "code"),
    ("mail.activity", "res_model"): ("res_model_id", "model"),
    ("account.move", "user_id"): ("invoice_user_id", "id"),
    ("stock.quant", "warehouse_id"): ("location_id", "warehouse_id"),
    ("stock.quant", "product_tmpl_id"): ("product_id", "product_tmpl_id"),
}
PRODUCTS = ("product.product", "product.template")
_ADDRESSES = {"invoice": "Invoice Address", "delivery": "Delivery Address", "other": "Other"}
_DRAFTS = {
    "out_invoice": "Invoice",
    "out_refund": "Credit Note",
    "in_invoice": "Bill",
    "in_refund": "Vendor Credit Note",
    "entry": "Entry",
}
_INVALID_ORDER = (
    'Invalid "order" specified ({}). A valid "order" specification is a comma-separated list '
    "of valid field names (optionally followed by asc/desc for the direction)"
)


def is_null(value: Any) -> bool:
    """Whether a stored value is SQL NULL (booleans are never NULL here)."""
    return value is None or value is False


class Store:
    """The in-memory tables, with Odoo's value, name, search and order semantics."""

    def __init__(
        self, tables: dict[str, dict[int, dict[str, Any]]], profile: Profile | None = None
    ) -> None:
        self.tables = tables
        self.profile = profile or PROFILES["17.0"]  # the fields of the served Odoo version
        self.computes: dict[tuple[str, str], Callable[[int], Any]] = {
            ("res.partner", "complete_name"): lambda rid: self.display_name("res.partner", rid),
            ("res.partner", "commercial_partner_id"): self._commercial_partner,
            ("res.partner", "company_type"): self._company_type,
            ("sale.order", "delivery_count"): lambda rid: len(
                self.get("sale.order", rid, "picking_ids")
            ),
            ("sale.order", "purchase_order_count"): lambda rid: len(self.purchases_of_sale(rid)),
            ("purchase.order", "sale_order_count"): lambda rid: len(self.sales_of_purchase(rid)),
            ("mail.activity", "state"): self._activity_state,
            ("ir.model.data", "complete_name"): self._complete_xmlid,
            ("stock.location", "complete_name"): self._location_name,
            ("stock.location", "warehouse_id"): self._location_warehouse,
            ("stock.quant", "available_quantity"): self._available,
            ("product.supplierinfo", "price_discounted"): self._discounted,
        }
        for model in PRODUCTS:
            self.computes[model, "type"] = self._product_type(model)
            self.computes[model, "detailed_type"] = self._stored_type(model)
            self.computes[model, "is_storable"] = self._storable(model)

    # -- values ------------------------------------------------------------------------------

    def row(self, model: str, rid: Any) -> dict[str, Any]:
        """The stored row ({} for a missing record)."""
        return self.tables[model].get(rid, {})

    def exists(self, model: str, rid: Any) -> bool:
        """Whether the record exists."""
        return isinstance(rid, int) and rid in self.tables[model]

    def field(self, model: str, name: str) -> Field:
        """The field, or ValueError as Odoo raises for an unknown one (or the other version's)."""
        field = self.profile.field(model, name)
        if field is None:
            raise ValueError(f"Invalid field {name!r} on model {model!r}")
        return field

    def get(self, model: str, rid: int, name: str) -> Any:
        """The raw value: many2one id or False, x2many ids (active or not), plain values."""
        if name == "id":
            return rid
        field = self.field(model, name)
        if (model, name) in self.computes:
            return self.computes[model, name](rid)
        if (model, name) in _RELATED:
            link, target = _RELATED[model, name]
            linked = self.row(model, rid).get(link)
            relation = self.field(model, link).relation or ""
            return self.get(relation, linked, target) if self.exists(relation, linked) else False
        if name == "display_name":
            return self.display_name(model, rid)
        if field.type == "one2many":
            return self._one2many(model, rid, field)
        if field.type == "many2many" and field.inverse:
            rows = self.tables[field.relation or ""].items()
            return [i for i, row in rows if rid in (row.get(field.inverse) or [])]
        value = self.row(model, rid).get(name, False)
        return list(value or []) if field.type == "many2many" else value

    def _one2many(self, model: str, rid: int, field: Field) -> list[int]:
        relation = field.relation or ""
        ids = [i for i, row in self.tables[relation].items() if row.get(field.inverse) == rid]
        if field.poly:
            ids = [i for i in ids if self.get(relation, i, field.poly) == model]
        return self.sort(relation, ids)

    def related(self, model: str, rid: int, name: str) -> list[int]:
        """The ids a relational field points to (a many2one as a list of 0 or 1 id)."""
        value = self.get(model, rid, name)
        return list(value) if isinstance(value, list) else [value] if value else []

    def display_name(self, model: str, rid: int) -> str:
        """The record's display_name as Odoo 17 computes it for these models."""
        row = self.row(model, rid)
        name = row.get("name") or ""
        if model == "res.partner":
            return self._partner_name(rid, row)
        if model in PRODUCTS and row.get("default_code"):
            return f"[{row['default_code']}] {name}"
        if model == "purchase.order" and row.get("partner_ref"):
            return f"{name} ({row['partner_ref']})"
        if model == "sale.order.line":
            return f"{self.get('sale.order', row['order_id'], 'name')} - {name.splitlines()[0]}"
        if model == "account.move":
            return self._move_name(rid, row)
        if model == "stock.location":
            return self._location_name(rid)
        if model in ("product.supplierinfo", "stock.quant"):  # _rec_name partner_id, product_id
            link = "partner_id" if model == "product.supplierinfo" else "product_id"
            linked = self.field(model, link).relation or ""
            return self.display_name(linked, row[link]) if row.get(link) else f"{model},{rid}"
        if model in ("res.users", "ir.model.data"):
            return str(self.get(model, rid, "name" if model == "res.users" else "complete_name"))
        if model == "mail.activity":
            name = row.get("summary") or self.display_name(
                "mail.activity.type", row["activity_type_id"]
            )
        if model == "mail.message":
            name = row.get("record_name") or ""
        return name or f"{model},{rid}"

    def _partner_name(self, rid: int, row: dict[str, Any]) -> str:
        name = row.get("name") or _ADDRESSES.get(row.get("type") or "", "")
        if not row.get("parent_id") or row.get("is_company"):
            return name or f"res.partner,{rid}"
        commercial = self.row("res.partner", self._commercial_partner(rid))
        company = commercial.get("is_company") and commercial.get("name")
        return f"{company or self.row('res.partner', row['parent_id']).get('name')}, {name}"

    def _move_name(self, rid: int, row: dict[str, Any]) -> str:
        name = row["name"] if (row.get("name") or "/") != "/" else f"(* {rid})"
        if row.get("state") == "draft":
            name = f"Draft {_DRAFTS.get(row.get('move_type') or '', 'Entry')} {name}"
        ref = row.get("ref") and textwrap.shorten(row["ref"], width=50, placeholder=" [...]")
        return f"{name} ({ref})" if ref else name

    def _commercial_partner(self, rid: int) -> int:
        seen = set()
        while rid not in seen:
            seen.add(rid)
            row = self.row("res.partner", rid)
            if row.get("is_company") or not row.get("parent_id"):
                break
            rid = row["parent_id"]
        return rid

    def _company_type(self, rid: int) -> str:
        return "company" if self.row("res.partner", rid).get("is_company") else "person"

    def _activity_state(self, rid: int) -> str:
        deadline = self.row("mail.activity", rid).get("date_deadline") or ""
        today = dt.date.today().isoformat()
        return "overdue" if deadline < today else "today" if deadline == today else "planned"

    def _complete_xmlid(self, rid: int) -> str:
        return "{module}.{name}".format(**self.row("ir.model.data", rid))

    def _location_name(self, rid: int) -> str:
        """Odoo's _compute_complete_name: parent's complete name / name, except for views."""
        row = self.row("stock.location", rid)
        parent = row.get("location_id")
        if parent and self.exists("stock.location", parent) and row.get("usage") != "view":
            return f"{self._location_name(parent)}/{row.get('name')}"
        return str(row.get("name") or "")

    def _location_warehouse(self, rid: int) -> int | bool:
        """The warehouse whose view location is this location or one of its parents."""
        views = {w["view_location_id"]: i for i, w in self.tables["stock.warehouse"].items()}
        seen: set[int] = set()
        while rid and rid not in seen and self.exists("stock.location", rid):
            if rid in views:
                return views[rid]
            seen.add(rid)
            rid = self.row("stock.location", rid).get("location_id")
        return False

    def _available(self, rid: int) -> float:
        row = self.row("stock.quant", rid)
        return float(row.get("quantity") or 0.0) - float(row.get("reserved_quantity") or 0.0)

    def _discounted(self, rid: int) -> float:
        row = self.row("product.supplierinfo", rid)
        return float(row.get("price") or 0.0) * (1 - float(row.get("discount") or 0.0) / 100)

    def _product_type(self, model: str) -> Callable[[int], Any]:
        """The stored type; 18.0 has no 'product' type: a storable product is goods (consu)."""

        def compute(rid: int) -> Any:
            value = self.row(model, rid).get("type", False)
            return "consu" if value == "product" and self.profile.major >= 18 else value

        return compute

    def _stored_type(self, model: str) -> Callable[[int], Any]:
        """17.0's detailed_type: the type as stored."""
        return lambda rid: self.row(model, rid).get("type", False)

    def _storable(self, model: str) -> Callable[[int], bool]:
        """18.0's is_storable: what 17.0 calls type 'product' (the stand-in stores that)."""
        return lambda rid: self.row(model, rid).get("type") == "product"

    def sales_of_purchase(self, po: int) -> list[int]:
        """Sale orders a purchase order serves (PO._get_sale_orders, sale_purchase_stock)."""
        found: set[int] = set()
        for line in self.get("purchase.order", po, "order_line"):
            moves = set(self.get("purchase.order.line", line, "move_dest_ids"))
            for move in self.get("purchase.order.line", line, "move_ids"):
                moves.update(self.get("stock.move", move, "move_dest_ids"))
            groups = {self.get("stock.move", move, "group_id") for move in moves}
            groups.add(self.get("purchase.order.line", line, "group_id"))
            found.update(self.get("procurement.group", g, "sale_id") for g in groups if g)
            found.add(self.get("purchase.order.line", line, "sale_order_id"))
        return sorted(i for i in found if i)

    def purchases_of_sale(self, so: int) -> list[int]:
        """Purchase orders serving a sale order (SO._get_purchase_orders)."""
        return [po for po in self.tables["purchase.order"] if so in self.sales_of_purchase(po)]

    # -- search and order --------------------------------------------------------------------

    def search(
        self, model: str, domain: list[Any], active_test: bool = True, order: str | None = None
    ) -> list[int]:
        """Ids of the records matching `domain`, in `order` (the model's default if None)."""
        return _Matcher(self, active_test).search(model, list(domain), order)

    def name_ids(self, model: str, name: Any, op: str, active_test: bool = True) -> list[int]:
        """Odoo's `_name_search(name, [], op)`: ids matching on the rec_names_search fields."""
        return self.search(model, name_domain(model, name, op), active_test)

    def sort(self, model: str, ids: list[int], order: str | None = None) -> list[int]:
        """`ids` sorted by an Odoo order spec ("date_order desc, id"); NULLs as in PostgreSQL."""
        ids = sorted(ids)
        for name, desc, nulls_first in reversed(_order_terms(order or MODELS[model].order)):
            key = self._sort_key(model, name)
            values = {i: key(i) for i in ids}
            nulls = [i for i in ids if values[i] is None]
            rest = sorted((i for i in ids if values[i] is not None), key=values.get, reverse=desc)
            ids = nulls + rest if nulls_first else rest + nulls
        return ids

    def _sort_key(self, model: str, name: str) -> Callable[[int], Any]:
        field = ID if name == "id" else MODELS[model].fields.get(name)
        if field is None or not field.store or field.type in X2MANY:
            raise ValueError(f"Cannot sort {model} by {name!r}: not a stored, sortable field")
        if field.type == "boolean":
            return lambda rid: bool(self.get(model, rid, name))
        if field.type == "many2one":
            relation = field.relation or ""
            rank = {i: n for n, i in enumerate(self.sort(relation, list(self.tables[relation])))}
            return lambda rid: rank.get(self.get(model, rid, name))
        return lambda rid: None if is_null(value := self.get(model, rid, name)) else value


class _Matcher:
    """Evaluates domains for one search (with its active_test and cached sub-searches)."""

    def __init__(self, store: Store, active_test: bool) -> None:
        self.store, self.active_test = store, active_test
        self.memo: dict[tuple[str, int, bool], set[int]] = {}

    def search(self, model: str, domain: list[Any], order: str | None = None) -> list[int]:
        """Ids of `model` matching `domain` (archived records left out unless asked for)."""
        active = "active" in MODELS[model].fields and self.active_test
        if active and not any(_is_leaf(item) and item[0] == "active" for item in domain):
            domain = [("active", "=", 1), *domain]
        tree = _tree(anyfy(model, domain, self.store.profile))
        ids = [i for i in self.store.tables[model] if self.eval(model, i, tree)]
        return self.store.sort(model, ids, order)

    def eval(self, model: str, rid: int, tree: Tree) -> bool | None:
        """True, False or None (SQL NULL) for one record."""
        head = tree[0]
        if head == "?":
            return bool(tree[1])
        if head == "!":
            value = self.eval(model, rid, tree[1])
            return None if value is None else not value
        if head in ("&", "|"):
            result: bool | None = head == "&"
            for kid in tree[1:]:
                value = self.eval(model, rid, kid)
                result = _and(result, value) if head == "&" else _or(result, value)
            return result
        return self.leaf(model, rid, head, tree[1], tree[2])

    def leaf(self, model: str, rid: int, op: str, name: str, right: Any) -> bool | None:
        """One (name, op, right) leaf on one record."""
        field = ID if name == "id" else MODELS[model].fields[name]
        if op in ("any", "not any"):
            return self._any(model, rid, op, name, right)
        if name == "display_name":
            return self.eval(model, rid, _tree(anyfy(model, name_domain(model, right or "", op))))
        if not field.store:
            return True  # Odoo ignores a leaf on a non-stored field without a search method
        if op in HIERARCHY:
            return self._hierarchy_leaf(model, rid, op, name, right)
        if field.type in X2MANY:
            return self._x2many(model, rid, op, field, name, right)
        value = self.store.get(model, rid, name)
        if field.type == "many2one" and _names(right):
            return self._m2o_names(value, op, field, right)
        return compare(value, op, right, field)

    def _sub(self, model: str, domain: list[Any], active_test: bool) -> set[int]:
        key = (model, id(domain), active_test)
        if key not in self.memo:
            self.memo[key] = set(_Matcher(self.store, active_test).search(model, domain, "id"))
        return self.memo[key]

    def _any(self, model: str, rid: int, op: str, name: str, right: list[Any]) -> bool:
        field = MODELS[model].fields[name]
        active = self.active_test and field.type != "many2one"  # as expression.py does
        hit = bool(
            set(self.store.related(model, rid, name))
            & self._sub(field.relation or "", right, active)
        )
        return hit if op == "any" else not hit

    def _x2many(self, model: str, rid: int, op: str, field: Field, name: str, right: Any) -> bool:
        related = set(self.store.related(model, rid, name))
        if right is False:
            return bool(related) if op in NEGATIVE else not related
        if isinstance(right, str):
            name_op = NEGATION[op] if op in NEGATIVE else op
            targets = set(self.store.name_ids(field.relation or "", right, name_op))
        else:
            targets = set(right) if isinstance(right, list | tuple) else {right}
        hit = bool(related & targets)
        return not hit if op in NEGATIVE else hit

    def _m2o_names(self, value: Any, op: str, field: Field, right: Any) -> bool | None:
        listed = isinstance(right, list | tuple)
        op = "in" if op in ("<", ">", "<=", ">=") else op
        if not listed and op in ("in", "not in"):
            op = "=" if op == "in" else "!="
        elif listed and op in ("=", "!="):
            op = "in" if op == "=" else "not in"
        ids = self.store.name_ids(field.relation or "", right, op, active_test=False)
        found = compare(value, "in", ids, field)
        return _or(found, is_null(value)) if op in NEGATIVE else found

    def _hierarchy_leaf(self, model: str, rid: int, op: str, name: str, right: Any) -> bool | None:
        if name == "id":
            return rid in self._hierarchy(model, right, op)
        field = MODELS[model].fields[name]
        relation = field.relation or ""
        if relation == model and field.type == "many2one":
            return rid in self._hierarchy(model, right, op, parent=name)
        targets = self._hierarchy(relation, right, op)
        if field.type in X2MANY:
            return bool(set(self.store.related(model, rid, name)) & targets)
        return compare(self.store.get(model, rid, name), "in", sorted(targets), field)

    def _hierarchy(self, model: str, right: Any, op: str, parent: str = "parent_id") -> set[int]:
        """The records under (child_of) or above (parent_of) `right`, themselves included."""
        if parent not in MODELS[model].fields:
            raise ValueError(f"Invalid parent field: {model}.{parent}")
        if _names(right):
            names = [right] if isinstance(right, str) else right
            todo = {i for n in names for i in self.store.name_ids(model, n, "ilike")}
        else:
            todo = {right} if isinstance(right, int) else set(right or [])
        found: set[int] = set()
        rows = self.store.tables[model]
        while todo - {False, None}:
            found |= todo - {False, None}
            if op == "child_of":
                todo = {i for i, row in rows.items() if row.get(parent) in found} - found
            else:
                todo = {rows.get(i, {}).get(parent) for i in found} - found
        return found


def name_domain(model: str, name: Any, op: str) -> list[Any]:
    """The domain of `_name_search`: `op name` on each rec_names_search field (OR, or AND)."""
    if name == "" and op in ("like", "ilike"):
        return []
    fields = MODELS[model].rec_names_search
    joiner = "&" if op in NEGATIVE else "|"
    return [joiner] * (len(fields) - 1) + [(f, op, name) for f in fields]


def anyfy(model: str, domain: list[Any], profile: Profile | None = None) -> list[Any]:
    """Validate a domain and turn dotted paths into `any` leaves (expression._anyfy_leaves)."""
    profile = profile or PROFILES["17.0"]
    result: list[Any] = []
    for item in domain:
        if item in ("&", "|", "!"):
            result.append(item)
            continue
        if not _is_leaf(item):
            raise ValueError(f"Invalid leaf {item}")
        left, op, right = _normalize_leaf(item)
        if (left, op, right) in (TRUE_LEAF, FALSE_LEAF):
            result.append((left, op, right))
            continue
        name, _, rest = left.partition(".")
        field = profile.field(model, name) if name != "id" else ID
        if field is None or (rest and not field.relation):
            raise ValueError(f"Invalid field {model}.{left} in leaf {tuple(item)}")
        if rest:
            sub = anyfy(field.relation or "", [(rest, op, right)], profile)
            result.append((name, "any", sub))
        elif op in ("any", "not any"):
            if not field.relation or not isinstance(right, list | tuple):
                raise ValueError(f"Invalid leaf {tuple(item)}")
            result.append((name, op, anyfy(field.relation, list(right), profile)))
        else:
            result.append((left, op, right))
    return result


def _tree(domain: list[Any]) -> Tree:
    """The domain as a tree: ('&'|'|', *kids), ('!', kid), ('?', bool) or (op, field, value)."""
    stack: list[Tree] = []
    for item in reversed(domain):
        arity = {"&": 2, "|": 2, "!": 1}.get(item, 0) if isinstance(item, str) else 0
        if len(stack) < arity:
            raise ValueError(f"Domain {domain} is syntactically not correct.")
        if arity == 2:
            stack.append((item, stack.pop(), stack.pop()))
        elif arity == 1:
            stack.append(_negate(stack.pop()))
        elif item in (TRUE_LEAF, FALSE_LEAF):
            stack.append(("?", item == TRUE_LEAF))
        else:
            stack.append((item[1], item[0], item[2]))
    return stack[0] if len(stack) == 1 else ("&", *reversed(stack))


def _negate(tree: Tree) -> Tree:
    """Odoo's _tree_not: De Morgan for &/|, operator negation for leaves where it exists."""
    head = tree[0]
    if head == "?":
        return ("?", not tree[1])
    if head == "!":
        return tree[1]
    if head in ("&", "|"):
        return ("|" if head == "&" else "&", *(_negate(kid) for kid in tree[1:]))
    if head in NEGATION:
        return (NEGATION[head], tree[1], tree[2])
    return ("!", tree)


def _is_leaf(item: Any) -> bool:
    if not isinstance(item, list | tuple) or len(item) != 3:
        return False
    if tuple(item) in (TRUE_LEAF, FALSE_LEAF):
        return True
    op = item[1].lower() if isinstance(item[1], str) else None
    return isinstance(item[0], str) and bool(item[0]) and op in (*TERM_OPERATORS, "<>")


def _normalize_leaf(item: Any) -> tuple[Any, str, Any]:
    """Odoo's normalize_leaf: lowercase operator, `<>` -> `!=`, fix in/= misuse."""
    left, op, right = item
    op = "!=" if op.lower() == "<>" else op.lower()
    if isinstance(right, bool) and op in ("in", "not in"):
        op = "=" if op == "in" else "!="
    if isinstance(right, list | tuple) and op in ("=", "!="):
        op = "in" if op == "=" else "not in"
    return left, op, right


def _names(right: Any) -> bool:
    """Whether a relational field is compared to a name (or a non-empty list of names)."""
    if isinstance(right, str):
        return True
    return (
        isinstance(right, list | tuple) and bool(right) and all(isinstance(r, str) for r in right)
    )


def compare(value: Any, op: str, right: Any, field: Field) -> bool | None:
    """One leaf on a plain column, with the NULL rules of expression.__leaf_to_sql."""
    null = is_null(value) and field.type != "boolean"
    if op == "=?":
        return True if right is None or right is False else compare(value, "=", right, field)
    if field.type == "datetime" and isinstance(right, str) and len(right) == 10:
        right += " 23:59:59" if op in (">", "<=") else " 00:00:00"
    if op in ("in", "not in"):
        return _compare_in(value, op, right, field, null)
    if field.type == "boolean" and op in ("=", "!=") and isinstance(right, bool):
        return (value is True) == ((not right) if op == "!=" else right)
    if op in ("=", "!=") and (right is None or right is False):
        return null if op == "=" else not null
    result = None if null else _sql_op(value, op, right, field)
    if (op in LIKE and not right) or (right and op in NEGATIVE):
        result = _or(result, null)
    return result


def _compare_in(value: Any, op: str, right: Any, field: Field, null: bool) -> bool | None:
    if isinstance(right, bool):
        return (not null) if (op == "in") == right else null
    if not isinstance(right, list | tuple):
        raise ValueError(f"Invalid domain term {(field.string, op, right)!r}")
    if field.type == "boolean":
        params: list[Any] = [b for b in (True, False) if b in right]
        check_null = False in right
    else:
        params = [_column(field, r) for r in right if r is not None and r is not False]
        check_null = len(params) < len(right)
    result: bool | None = op == "not in"
    if params:
        result = None if null else ((value in params) == (op == "in"))
    if (op == "in" and check_null) or (op == "not in" and not check_null):
        return _or(result, null)
    return _and(result, not null) if op == "not in" else result


def _sql_op(value: Any, op: str, right: Any, field: Field) -> bool:
    if op.endswith("like"):
        pattern = f"%{_as_text(right)}%" if op in LIKE else str(right)
        found = _like(_as_text(value), pattern, ignore_case=op.endswith("ilike"))
        return not found if op.startswith("not") else found
    try:
        return bool(_COMPARE[op](value, _column(field, right)))
    except TypeError as exc:
        raise ValueError(f"Cannot compare {value!r} {op} {right!r}") from exc


def _column(field: Field, value: Any) -> Any:
    """A domain value converted like Odoo's convert_to_column (validate=False)."""
    if value is None or value is False or isinstance(value, list | tuple):
        return value
    try:
        if field.type in ("integer", "many2one", "many2one_reference"):
            return int(value)
        if field.type in ("float", "monetary"):
            return float(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"Invalid value {value!r} for field {field.string!r}") from exc
    return bool(value) if field.type == "boolean" else str(value)


def _like(text: str, pattern: str, ignore_case: bool) -> bool:
    """SQL LIKE: `%` any run, `_` one character, backslash escapes."""
    parts = re.split(r"(\\.|%|_)", pattern)
    wild = {"%": ".*", "_": "."}
    regex = "".join(wild.get(p) or re.escape(p[1:] if p.startswith("\\") else p) for p in parts)
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.fullmatch(regex, text, flags) is not None


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _and(a: bool | None, b: bool | None) -> bool | None:
    return False if a is False or b is False else None if a is None or b is None else True


def _or(a: bool | None, b: bool | None) -> bool | None:
    return True if a is True or b is True else None if a is None or b is None else False


def _order_terms(order: str) -> list[tuple[str, bool, bool]]:
    """Parse "f1 desc, f2 asc nulls first" into (field, descending, nulls_first) terms."""
    terms = []
    for part in order.split(","):
        spec = r"\s*(\w+)(?:\s+(asc|desc))?(?:\s+nulls\s+(first|last))?\s*"
        match = re.fullmatch(spec, part, re.IGNORECASE)
        if not match:
            raise ValueError(_INVALID_ORDER.format(order))
        name, direction, nulls = match.groups()
        desc = (direction or "asc").lower() == "desc"
        terms.append((name, desc, (nulls or ("first" if desc else "last")).lower() == "first"))
    return terms
