"""Schema and seed data of the Odoo stand-in: a wholesale distributor on Odoo 17.

`MODELS` describes the models and fields the stand-in serves (names, types and selections as in
Odoo 17/18 with sale_stock, purchase_stock, sale_purchase_stock, account, mail and delivery).
`seed()` returns a fresh, independent `Dataset` every call, so each test can start clean.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

DB = "northwind"
COMPANY_DOMAIN = "northwind.example"
ADMIN, SALES, PURCHASE, FINANCE, BOT, AUDITOR = (
    "admin",
    "sophie.martin@northwind.example",
    "piet.janssens@northwind.example",
    "fatima.elamrani@northwind.example",
    "triage-bot@northwind.example",
    "auditor@northwind.example",
)
BOT_API_KEY = "3f1c9a7e5b2d4c6e8f0a1b3c5d7e9f1a2b4c6d8e"
SALES_API_KEY = "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d"

NOW, TODAY, UID = "<now>", "<today>", "<uid>"  # default markers, resolved at create time


@dataclass(frozen=True)
class Field:
    """One field as `fields_get` describes it, plus what the stand-in needs to serve it."""

    type: str
    string: str
    relation: str | None = None
    inverse: str | None = None  # one2many: comodel many2one; many2many: stored m2m it mirrors
    poly: str | None = None  # one2many on (model, res_id): the comodel field naming the model
    selection: tuple[tuple[str, str], ...] | None = None
    required: bool = False
    readonly: bool = False
    store: bool = True
    computed: bool = False  # served by the stand-in; writes are ignored
    default: Any = None
    ondelete: str = "set null"


@dataclass(frozen=True)
class Model:
    """A model: its description, fields, default order and name-search fields."""

    description: str
    fields: dict[str, Field]
    order: str = "id"
    rec_names_search: tuple[str, ...] = ("name",)
    mail_thread: bool = False


@dataclass
class Dataset:
    """Records per model, logins, external ids and sequence counters."""

    tables: dict[str, dict[int, dict[str, Any]]]
    users: dict[int, dict[str, Any]]  # uid -> {login, password, api_keys, denied}
    xmlids: dict[str, tuple[str, int]]
    sequences: dict[str, int] = field(default_factory=dict)


def _f(kind: str) -> Any:
    def make(string: str, **kw: Any) -> Field:
        return Field(kind, string, **kw)

    return make


char, text, html, integer, floating, boolean = map(
    _f, ("char", "text", "html", "integer", "float", "boolean")
)
monetary, date, datetime_, m2o_ref = map(_f, ("monetary", "date", "datetime", "many2one_reference"))


def m2o(relation: str, string: str, **kw: Any) -> Field:
    """A many2one field."""
    return Field("many2one", string, relation=relation, **kw)


def o2m(relation: str, inverse: str, string: str, **kw: Any) -> Field:
    """A one2many field, computed from the comodel's many2one `inverse`."""
    return Field("one2many", string, relation=relation, inverse=inverse, computed=True, **kw)


def m2m(relation: str, string: str, **kw: Any) -> Field:
    """A many2many field (stored as a list of ids unless `inverse` names the mirrored field)."""
    return Field("many2many", string, relation=relation, computed="inverse" in kw, **kw)


def sel(string: str, options: str, **kw: Any) -> Field:
    """A selection field; `options` is "key:Label,key:Label"."""
    pairs = tuple(tuple(o.split(":", 1)) for o in options.split(","))
    return Field("selection", string, selection=pairs, **kw)  # type: ignore[arg-type]


def calc(kind: Field) -> Field:
    """The same field, computed on the fly and not stored (not searchable nor sortable)."""
    return Field(**{**kind.__dict__, "computed": True, "store": False, "readonly": True})


def _thread() -> dict[str, Field]:
    return {
        "message_ids": o2m("mail.message", "res_id", "Messages", poly="model"),
        "activity_ids": o2m("mail.activity", "res_id", "Activities", poly="res_model"),
    }


_SO_STATE = "draft:Quotation,sent:Quotation Sent,sale:Sales Order,cancel:Cancelled"
_PO_STATE = "draft:RFQ,sent:RFQ Sent,to approve:To Approve,purchase:Purchase Order,done:Locked"
_PICK_STATE = "draft:Draft,waiting:Waiting Another Operation,confirmed:Waiting,assigned:Ready"
_MOVE_STATE = "draft:New,waiting:Waiting Another Move,confirmed:Waiting Availability"
_INV_STATUS = "upselling:Upselling Opportunity,invoiced:Fully Invoiced,to invoice:To Invoice,no:Nothing to Invoice"  # noqa: E501
_MOVE_TYPE = "entry:Journal Entry,out_invoice:Customer Invoice,out_refund:Customer Credit Note,in_invoice:Vendor Bill,in_refund:Vendor Credit Note,out_receipt:Sales Receipt,in_receipt:Purchase Receipt"  # noqa: E501
_PAY_STATE = "not_paid:Not Paid,in_payment:In Payment,paid:Paid,partial:Partially Paid,reversed:Reversed,invoicing_legacy:Invoicing App Legacy"  # noqa: E501

MODELS: dict[str, Model] = {
    "res.partner": Model("Contact", {
        "name": char("Name"), "complete_name": calc(char("Complete Name")),
        "email": char("Email"), "phone": char("Phone"), "mobile": char("Mobile"),
        "is_company": boolean("Is a Company", default=False),
        "parent_id": m2o("res.partner", "Related Company"),
        "child_ids": o2m("res.partner", "parent_id", "Contact"),
        "commercial_partner_id": calc(m2o("res.partner", "Commercial Entity")),
        "company_type": calc(sel("Company Type", "person:Individual,company:Company")),
        "type": sel("Address Type", "contact:Contact,invoice:Invoice Address,delivery:Delivery Address,other:Other Address", default="contact"),  # noqa: E501
        "ref": char("Reference"), "vat": char("Tax ID"), "company_registry": char("Company ID"),
        "street": char("Street"), "city": char("City"), "zip": char("Zip"),
        "country_id": m2o("res.country", "Country"), "function": char("Job Position"),
        "customer_rank": integer("Customer Rank", default=0),
        "supplier_rank": integer("Supplier Rank", default=0),
        "active": boolean("Active", default=True), "user_id": m2o("res.users", "Salesperson"),
        **_thread(),
    }, order="complete_name asc, id desc",
        rec_names_search=("complete_name", "email", "ref", "vat", "company_registry"),
        mail_thread=True),
    "res.users": Model("User", {
        "name": calc(char("Name")), "login": char("Login", required=True),
        "partner_id": m2o("res.partner", "Related Partner", required=True, ondelete="restrict"),
        "email": calc(char("Email")), "active": boolean("Active", default=True),
        "share": boolean("Share User", default=False), "tz": char("Timezone"),
        "lang": char("Language", default="en_US"),
    }, order="name, login", rec_names_search=("name", "login")),
    "res.country": Model("Country", {"name": char("Country Name", required=True),
                                     "code": char("Country Code")}, order="name"),
    "res.currency": Model("Currency", {"name": char("Currency", required=True),
                                       "symbol": char("Symbol"),
                                       "active": boolean("Active", default=True)},
                          order="active desc, name"),
    "product.product": Model("Product Variant", {
        "name": char("Name", required=True), "default_code": char("Internal Reference"),
        "type": sel("Product Type", "consu:Consumable,service:Service,product:Storable Product", default="product"),  # noqa: E501
        "list_price": floating("Sales Price"), "standard_price": floating("Cost"),
        "active": boolean("Active", default=True),
    }, order="default_code, name, id", rec_names_search=("name", "default_code")),
    "sale.order": Model("Sales Order", {
        "name": char("Order Reference", required=True, default="New"),
        "partner_id": m2o("res.partner", "Customer", required=True),
        "partner_invoice_id": m2o("res.partner", "Invoice Address"),
        "partner_shipping_id": m2o("res.partner", "Delivery Address"),
        "date_order": datetime_("Order Date", required=True, default=NOW),
        "commitment_date": datetime_("Delivery Date"), "expected_date": datetime_("Expected Date"),
        "validity_date": date("Expiration"),
        "state": sel("Status", _SO_STATE, default="draft"), "locked": boolean("Locked", default=False),
        "order_line": o2m("sale.order.line", "order_id", "Order Lines"),
        "amount_untaxed": monetary("Untaxed Amount"), "amount_tax": monetary("Taxes"),
        "amount_total": monetary("Total"), "currency_id": m2o("res.currency", "Currency"),
        "user_id": m2o("res.users", "Salesperson", default=UID),
        "invoice_status": sel("Invoice Status", _INV_STATUS, default="no"),
        "invoice_ids": m2m("account.move", "Invoices"), "origin": char("Source Document"),
        "client_order_ref": char("Customer Reference"), "note": html("Terms and conditions"),
        "picking_ids": o2m("stock.picking", "sale_id", "Transfers"),
        "delivery_count": calc(integer("Delivery Orders")),
        "procurement_group_id": m2o("procurement.group", "Procurement Group"),
        "warehouse_id": m2o("stock.warehouse", "Warehouse", default=1),
        "purchase_order_count": calc(integer("Number of Purchase Order Generated")),
        **_thread(),
    }, order="date_order desc, id desc", mail_thread=True),
    "sale.order.line": Model("Sales Order Line", {
        "order_id": m2o("sale.order", "Order Reference", required=True, ondelete="cascade"),
        "sequence": integer("Sequence", default=10), "name": text("Description", required=True),
        "product_id": m2o("product.product", "Product"),
        "product_uom_qty": floating("Quantity", default=1.0),
        "qty_delivered": floating("Delivery Quantity"), "qty_invoiced": floating("Invoiced Quantity"),
        "price_unit": floating("Unit Price"), "price_subtotal": monetary("Subtotal"),
        "price_total": monetary("Total"), "state": calc(sel("Order Status", _SO_STATE)),
        "move_ids": o2m("stock.move", "sale_line_id", "Stock Moves"),
    }, order="order_id, sequence, id"),
    "purchase.order": Model("Purchase Order", {
        "name": char("Order Reference", required=True, default="New"),
        "priority": sel("Priority", "0:Normal,1:Urgent", default="0"),
        "partner_id": m2o("res.partner", "Vendor", required=True),
        "partner_ref": char("Vendor Reference"), "origin": char("Source Document"),
        "date_order": datetime_("Order Deadline", required=True, default=NOW),
        "date_approve": datetime_("Confirmation Date"), "date_planned": datetime_("Expected Arrival"),
        "state": sel("Status", _PO_STATE + ",cancel:Cancelled", default="draft"),
        "order_line": o2m("purchase.order.line", "order_id", "Order Lines"),
        "amount_total": monetary("Total"), "currency_id": m2o("res.currency", "Currency"),
        "user_id": m2o("res.users", "Buyer", default=UID),
        "receipt_status": sel("Receipt Status", "pending:Not Received,partial:Partially Received,full:Fully Received"),  # noqa: E501
        "invoice_status": sel("Billing Status", "no:Nothing to Bill,to invoice:Waiting Bills,invoiced:Fully Billed", default="no"),  # noqa: E501
        "picking_ids": o2m("stock.picking", "purchase_id", "Receptions"),
        "group_id": m2o("procurement.group", "Procurement Group"),
        "sale_order_count": calc(integer("Number of Source Sale")), "notes": html("Terms and Conditions"),
        **_thread(),
    }, order="priority desc, id desc", rec_names_search=("name", "partner_ref"), mail_thread=True),
    "purchase.order.line": Model("Purchase Order Line", {
        "order_id": m2o("purchase.order", "Order Reference", required=True, ondelete="cascade"),
        "sequence": integer("Sequence", default=10), "name": text("Description", required=True),
        "product_id": m2o("product.product", "Product"),
        "product_qty": floating("Quantity", default=1.0), "qty_received": floating("Received Qty"),
        "qty_invoiced": floating("Billed Qty"), "price_unit": floating("Unit Price"),
        "price_subtotal": monetary("Subtotal"), "date_planned": datetime_("Expected Arrival"),
        "move_ids": o2m("stock.move", "purchase_line_id", "Reservation"),
        "move_dest_ids": o2m("stock.move", "created_purchase_line_id", "Downstream Moves"),
        "group_id": m2o("procurement.group", "Procurement Group"),
        "sale_line_id": m2o("sale.order.line", "Origin Sale Item"),
        "sale_order_id": calc(m2o("sale.order", "Sale Order")),
    }, order="order_id, sequence, id"),
    "stock.warehouse": Model("Warehouse", {"name": char("Warehouse", required=True),
                                           "code": char("Short Name")}),
    "stock.picking.type": Model("Picking Type", {
        "name": char("Operation Type", required=True), "sequence_code": char("Sequence Prefix"),
        "code": sel("Type of Operation", "incoming:Receipt,outgoing:Delivery,internal:Internal Transfer"),  # noqa: E501
        "warehouse_id": m2o("stock.warehouse", "Warehouse"),
    }, order="sequence_code, id"),
    "delivery.carrier": Model("Shipping Methods", {"name": char("Delivery Method", required=True),
                                                  "active": boolean("Active", default=True)}),
    "stock.picking": Model("Transfer", {
        "name": char("Reference", default="/"), "origin": char("Source Document"),
        "priority": sel("Priority", "0:Normal,1:Urgent", default="0"),
        "partner_id": m2o("res.partner", "Contact"),
        "picking_type_id": m2o("stock.picking.type", "Operation Type", required=True),
        "picking_type_code": calc(sel("Type of Operation", "incoming:Receipt,outgoing:Delivery,internal:Internal Transfer")),  # noqa: E501
        "scheduled_date": datetime_("Scheduled Date", default=NOW),
        "date_deadline": datetime_("Deadline"), "date_done": datetime_("Date of Transfer"),
        "state": sel("Status", _PICK_STATE + ",done:Done,cancel:Cancelled", default="draft"),
        "move_ids": o2m("stock.move", "picking_id", "Stock Moves"),
        "sale_id": m2o("sale.order", "Sales Order"), "purchase_id": m2o("purchase.order", "Purchase Order"),  # noqa: E501
        "group_id": m2o("procurement.group", "Procurement Group"),
        "carrier_id": m2o("delivery.carrier", "Carrier"),
        "carrier_tracking_ref": char("Tracking Reference"),
        **_thread(),
    }, order="priority desc, scheduled_date asc, id desc", rec_names_search=("name", "origin"),
        mail_thread=True),
    "stock.move": Model("Stock Move", {
        "name": char("Description", required=True), "reference": char("Reference"),
        "sequence": integer("Sequence", default=10), "origin": char("Source Document"),
        "product_id": m2o("product.product", "Product", required=True),
        "product_uom_qty": floating("Demand"), "quantity": floating("Quantity"),
        "state": sel("Status", _MOVE_STATE + ",partially_available:Partially Available,assigned:Available,done:Done,cancel:Cancelled", default="draft"),  # noqa: E501
        "picking_id": m2o("stock.picking", "Transfer"),
        "group_id": m2o("procurement.group", "Procurement Group"),
        "sale_line_id": m2o("sale.order.line", "Sale Line"),
        "purchase_line_id": m2o("purchase.order.line", "Purchase Order Line"),
        "created_purchase_line_id": m2o("purchase.order.line", "Created Purchase Order Line"),
        "move_dest_ids": m2m("stock.move", "Destination Moves"),
        "move_orig_ids": m2m("stock.move", "Original Move", inverse="move_dest_ids"),
        "date": datetime_("Date Scheduled", default=NOW), "date_deadline": datetime_("Deadline"),
    }, order="sequence, id"),
    "procurement.group": Model("Procurement Group", {
        "name": char("Reference", required=True), "partner_id": m2o("res.partner", "Partner"),
        "move_type": sel("Delivery Type", "direct:Partial,one:All at once", default="direct"),
        "sale_id": m2o("sale.order", "Sale Order"),
        "stock_move_ids": o2m("stock.move", "group_id", "Related Stock Moves"),
    }),
    "account.move": Model("Journal Entry", {
        "name": char("Number", default="/"), "ref": char("Reference"),
        "move_type": sel("Type", _MOVE_TYPE, required=True, default="entry"),
        "state": sel("Status", "draft:Draft,posted:Posted,cancel:Cancelled", required=True, default="draft"),  # noqa: E501
        "payment_state": sel("Payment Status", _PAY_STATE, default="not_paid"),
        "partner_id": m2o("res.partner", "Partner"), "date": date("Date", required=True, default=TODAY),
        "invoice_date": date("Invoice/Bill Date"), "invoice_date_due": date("Due Date"),
        "invoice_origin": char("Origin"), "payment_reference": char("Payment Reference"),
        "amount_untaxed": monetary("Untaxed Amount"), "amount_total": monetary("Total"),
        "amount_residual": monetary("Amount Due"), "currency_id": m2o("res.currency", "Currency"),
        "invoice_user_id": m2o("res.users", "Salesperson", default=UID),
        "reversed_entry_id": m2o("account.move", "Reversal of"),
        **_thread(),
    }, order="date desc, name desc, invoice_date desc, id desc",
        rec_names_search=("name", "partner_id.name", "ref"), mail_thread=True),
    "mail.activity.type": Model("Activity Type", {
        "name": char("Name", required=True), "summary": char("Default Summary"),
        "sequence": integer("Sequence", default=10), "res_model": char("Model"),
        "delay_count": integer("Schedule", default=0),
        "delay_unit": sel("Delay units", "days:days,weeks:weeks,months:months", default="days"),
        "category": sel("Action", "default:None,upload_file:Upload Document,phonecall:Phonecall,meeting:Meeting", default="default"),  # noqa: E501
        "active": boolean("Active", default=True),
    }, order="sequence, id"),
    "mail.activity": Model("Activity", {
        "res_model_id": m2o("ir.model", "Document Model", required=True, ondelete="cascade"),
        "res_model": calc(char("Related Document Model")), "res_id": m2o_ref("Related Document ID"),
        "res_name": char("Document Name"),
        "activity_type_id": m2o("mail.activity.type", "Activity Type", ondelete="restrict"),
        "summary": char("Summary"), "note": html("Note"),
        "date_deadline": date("Due Date", required=True, default=TODAY),
        "user_id": m2o("res.users", "Assigned to", default=UID),
        "state": calc(sel("State", "overdue:Overdue,today:Today,planned:Planned,done:Done")),
    }, order="date_deadline asc, id asc", rec_names_search=("summary",)),
    "mail.message.subtype": Model("Message subtypes", {
        "name": char("Message Type", required=True), "internal": boolean("Internal Only"),
    }),
    "mail.message": Model("Message", {
        "subject": char("Subject"), "body": html("Contents", default=""),
        "model": char("Related Document Model"), "res_id": m2o_ref("Related Document ID"),
        "record_name": char("Message Record Name"),
        "message_type": sel("Type", "email:Incoming Email,comment:Comment,email_outgoing:Outgoing Email,notification:System notification,auto_comment:Automated Targeted Notification,user_notification:User Specific Notification", required=True, default="comment"),  # noqa: E501
        "subtype_id": m2o("mail.message.subtype", "Subtype"),
        "author_id": m2o("res.partner", "Author"), "email_from": char("From"),
        "partner_ids": m2m("res.partner", "Recipients"),
        "attachment_ids": m2m("ir.attachment", "Attachments"),
        "parent_id": m2o("mail.message", "Parent Message"), "date": datetime_("Date", default=NOW),
    }, order="id desc", rec_names_search=("record_name",)),
    "ir.attachment": Model("Attachment", {
        "name": char("Name", required=True), "res_model": char("Resource Model"),
        "res_id": m2o_ref("Resource ID"), "mimetype": char("Mime Type"), "datas": Field("binary", "File Content"),  # noqa: E501
    }),
    "ir.model": Model("Models", {
        "name": char("Model Description", required=True), "model": char("Model", required=True),
        "transient": boolean("Transient Model", default=False),
    }, order="model", rec_names_search=("name", "model")),
    "ir.model.data": Model("Model Data", {
        "name": char("External Identifier", required=True), "module": char("Module"),
        "model": char("Model Name", required=True), "res_id": m2o_ref("Record ID"),
        "complete_name": calc(char("Complete ID")), "noupdate": boolean("Non Updatable"),
    }, order="module, model, name"),
}

COMMON = {
    "id": Field("integer", "ID", readonly=True),
    "display_name": calc(char("Display Name")),
    "create_uid": m2o("res.users", "Created by", readonly=True),
    "create_date": datetime_("Created on", readonly=True),
    "write_uid": m2o("res.users", "Last Updated by", readonly=True),
    "write_date": datetime_("Last Updated on", readonly=True),
}

_MODULE = {"res": "base", "ir": "base", "sale": "sale", "purchase": "purchase", "stock": "stock",
           "procurement": "stock", "account": "account", "mail": "mail", "product": "product",
           "delivery": "delivery"}  # fmt: skip


def fields_of(model: str) -> dict[str, Field]:
    """All fields of `model`, including the magic ones every Odoo model has."""
    return {**COMMON, **MODELS[model].fields}


def module_of(model: str) -> str:
    """The Odoo module that defines `model` (for its `model_*` external id)."""
    return _MODULE[model.split(".")[0]]


PASSWORDS = {
    ADMIN: "admin",
    SALES: "sophie-pw",
    PURCHASE: "piet-pw",
    FINANCE: "fatima-pw",
    BOT: "triage-bot-pw",
    AUDITOR: "auditor-pw",
}
_WRITES = ("create", "write", "unlink")
_USERS = [  # uid, login, partner id, name, api keys, denied operations
    (1, "__system__", 2, "OdooBot", (), ()),
    (2, ADMIN, 3, "Mitchell Admin", (), ()),
    (6, SALES, 4, "Sophie Martin", (SALES_API_KEY,), ()),
    (7, PURCHASE, 5, "Piet Janssens", (), ()),
    (8, FINANCE, 6, "Fatima El Amrani", (), ()),
    (9, BOT, 7, "Triage Bot", (BOT_API_KEY,), ()),
    (10, AUDITOR, 8, "Ingrid Auditor", (), _WRITES),
]
_XMLIDS = {
    "mail.mail_activity_data_email": ("mail.activity.type", 1),
    "mail.mail_activity_data_call": ("mail.activity.type", 2),
    "mail.mail_activity_data_meeting": ("mail.activity.type", 3),
    "mail.mail_activity_data_todo": ("mail.activity.type", 4),
    "mail.mail_activity_data_upload_document": ("mail.activity.type", 5),
    "mail.mt_comment": ("mail.message.subtype", 1),
    "mail.mt_note": ("mail.message.subtype", 2),
    "mail.mt_activities": ("mail.message.subtype", 3),
    "base.main_partner": ("res.partner", 1),
    "base.partner_root": ("res.partner", 2),
    "base.partner_admin": ("res.partner", 3),
    "base.user_root": ("res.users", 1),
    "base.user_admin": ("res.users", 2),
    "base.EUR": ("res.currency", 1),
    "base.be": ("res.country", 1),
    "base.es": ("res.country", 2),
    "base.nl": ("res.country", 3),
    "base.se": ("res.country", 4),
    "stock.warehouse0": ("stock.warehouse", 1),
    "stock.picking_type_in": ("stock.picking.type", 1),
    "stock.picking_type_out": ("stock.picking.type", 2),
}


def _partner(name: str, email: str | bool, parent: int | bool = False, **kw: Any) -> dict[str, Any]:
    return {"name": name, "email": email, "parent_id": parent, "is_company": not parent, **kw}


def _partners() -> dict[int, dict[str, Any]]:
    staff = {pid: _partner(name, f"{login}" if "@" in login else f"{login}@{COMPANY_DOMAIN}", 1)
             for _, login, pid, name, _, _ in _USERS[1:]}  # fmt: skip
    return {
        1: _partner("Northwind Distribution NV", f"info@{COMPANY_DOMAIN}", city="Antwerp",
                    country_id=1, vat="BE0477472701"),
        2: _partner("OdooBot", "odoobot@example.com", 1, active=False),
        **staff,
        10: _partner("Lopez Catering S.L.", "info@lopez-catering.example", customer_rank=5,
                     ref="C-1001", vat="ESB12345678", phone="+34 961 234 567", city="Valencia",
                     country_id=2, user_id=6),
        11: _partner("Maria Lopez", "buyer@lopez-catering.example", 10,
                     function="Purchasing Manager", phone="+34 961 234 570"),
        12: _partner("Jordi Puig", "accounts@lopez-catering.example", 10,
                     function="Accounts Payable", type="invoice"),
        19: _partner("Madrid Kitchen", "madrid@lopez-catering.example", 10, type="delivery",
                     city="Madrid", country_id=2),
        13: _partner("Brasserie Van Dijk B.V.", "orders@vandijk-brasserie.example",
                     customer_rank=3, ref="C-1002", city="Rotterdam", country_id=3, user_id=6),
        14: _partner("Anke van Dijk", "anke@vandijk-brasserie.example", 13, function="Owner"),
        15: _partner("Hotel Belvedere NV", "reception@hotel-belvedere.example", customer_rank=2,
                     ref="C-1003", city="Ghent", country_id=1, user_id=6),
        16: _partner("Tom Peeters", "t.peeters@hotel-belvedere.example", 15,
                     function="F&B Manager"),
        17: _partner("Rosa Fernandes", "rosasdeli.orders@gmail.com", customer_rank=1,
                     is_company=False, ref="C-1004", city="Brussels", country_id=1, user_id=6),
        18: _partner("Old Bistro BVBA", "chef@oldbistro.example", customer_rank=1, active=False),
        20: _partner("Iberica Olive Oil S.A.", "sales@iberica-oil.example", supplier_rank=4,
                     ref="V-2001", city="Jaen", country_id=2),
        21: _partner("Carlos Ruiz", "carlos.ruiz@iberica-oil.example", 20,
                     function="Export Manager"),
        22: _partner("Nordic Paper Goods AB", "orders@nordicpaper.example", supplier_rank=2,
                     ref="V-2002", city="Malmo", country_id=4),
    }


def _line(order: int, product: int, qty: float, price: float, **kw: Any) -> dict[str, Any]:
    return {"order_id": order, "product_id": product, "name": _PRODUCTS[product][1],
            "price_unit": price, "price_subtotal": round(qty * price, 2),
            "price_total": round(qty * price * 1.21, 2), **kw}  # fmt: skip


_PRODUCTS = {
    1: ("OLV-5L", "Extra Virgin Olive Oil 5 L", 42.5, 31.0),
    2: ("NAP-500", "Paper Napkins 33x33 (500 pcs)", 12.9, 7.5),
    3: ("COF-1KG", "Espresso Beans 1 kg", 18.0, 11.2),
    4: ("TOM-2.5", "Peeled Tomatoes 2.5 kg", 6.4, 3.9),
}


def _sales() -> tuple[dict[int, dict[str, Any]], dict[int, dict[str, Any]]]:
    def so(name: str, partner: int, state: str, ordered: str, ref: str | bool, **kw: Any) -> dict:
        return {"name": name, "partner_id": partner, "partner_invoice_id": partner,
                "partner_shipping_id": partner, "state": state, "date_order": ordered,
                "client_order_ref": ref, "user_id": 6, "currency_id": 1, **kw}  # fmt: skip

    orders = {
        7: so("S00042", 10, "sale", "2025-02-20 09:12:00", "4500012345",
              partner_invoice_id=12, partner_shipping_id=19, procurement_group_id=1,
              commitment_date="2025-03-14 08:00:00", invoice_status="to invoice",
              amount_untaxed=1495.0, amount_tax=313.95, amount_total=1808.95, invoice_ids=[24]),
        8: so("S00043", 14, "draft", "2025-03-02 14:05:00", "PO-VD-2291",
              validity_date="2025-04-01", amount_untaxed=435.0, amount_total=526.35),
        9: so("S00044", 17, "sent", "2025-03-03 10:00:00", False, amount_untaxed=72.0,
              amount_total=87.12, note="<p>Customer ordered by e-mail from a gmail.com address.</p>"),
        10: so("S00045", 15, "sale", "2025-02-24 11:30:00", "HB-7781", procurement_group_id=2,
               commitment_date="2025-03-18 07:00:00", invoice_status="to invoice",
               amount_untaxed=578.6, amount_total=700.11),
        11: so("S00046", 10, "sale", "2025-01-28 08:45:00", "4500012399", locked=True,
               procurement_group_id=3, commitment_date="2025-02-05 08:00:00",
               invoice_status="invoiced", amount_untaxed=307.2, amount_total=371.71,
               invoice_ids=[21, 26]),
        12: so("S00047", 13, "cancel", "2025-02-11 16:20:00", "PO-VD-2240", amount_untaxed=510.0),
    }
    lines = {
        11: _line(7, 1, 20, 42.5, product_uom_qty=20),
        12: _line(7, 2, 50, 12.9, product_uom_qty=50, qty_invoiced=50),
        13: _line(8, 1, 6, 42.5, product_uom_qty=6),
        17: _line(8, 3, 10, 18.0, product_uom_qty=10, sequence=20),
        18: _line(9, 3, 4, 18.0, product_uom_qty=4),
        14: _line(10, 1, 10, 42.5, product_uom_qty=10),
        15: _line(10, 4, 24, 6.4, product_uom_qty=24, sequence=20),
        16: _line(11, 4, 48, 6.4, product_uom_qty=48, qty_delivered=48, qty_invoiced=48),
        19: _line(12, 1, 12, 42.5, product_uom_qty=12),
    }
    return orders, lines


def _purchases(today: dt.date) -> tuple[dict[int, dict[str, Any]], dict[int, dict[str, Any]]]:
    soon = f"{today + dt.timedelta(days=21)} 09:00:00"

    def po(name: str, vendor: int, state: str, planned: str, ref: str | bool, **kw: Any) -> dict:
        return {"name": name, "partner_id": vendor, "state": state, "date_planned": planned,
                "partner_ref": ref, "user_id": 7, "currency_id": 1, **kw}  # fmt: skip

    orders = {
        3: po("P00017", 20, "purchase", "2025-03-10 09:00:00", "IB-SO-88123",
              origin="S00042, S00045", date_order="2025-02-20 10:00:00",
              date_approve="2025-02-20 10:05:00", receipt_status="pending",
              amount_total=1125.3),
        4: po("P00018", 22, "purchase", "2025-02-27 10:00:00", "NPG-4471", origin="S00042",
              date_order="2025-02-20 10:02:00", date_approve="2025-02-20 10:06:00",
              receipt_status="full", invoice_status="invoiced", amount_total=453.75),
        5: po("P00019", 20, "draft", f"{today + dt.timedelta(days=14)} 09:00:00", False,
              date_order="2025-03-05 15:00:00", amount_total=1500.4),
        6: po("P00020", 20, "purchase", soon, "IB-SO-88190", origin="S00045",
              date_order="2025-02-24 12:00:00", date_approve="2025-02-24 12:01:00",
              receipt_status="pending", amount_total=113.26),
    }
    lines = {
        5: _line(3, 1, 30, 31.0, product_qty=30, date_planned="2025-03-10 09:00:00"),
        6: _line(4, 2, 50, 7.5, product_qty=50, qty_received=50, qty_invoiced=50,
                 date_planned="2025-02-27 10:00:00"),
        7: _line(5, 1, 40, 31.0, product_qty=40),
        8: _line(6, 4, 24, 3.9, product_qty=24, date_planned=soon, sale_line_id=15),
    }
    for row in lines.values():
        row.pop("price_total")
    return orders, lines


def _pickings(today: dt.date) -> dict[int, dict[str, Any]]:
    def pick(name: str, kind: int, partner: int, origin: str, state: str, when: str, **kw: Any):
        return {"name": name, "picking_type_id": kind, "partner_id": partner, "origin": origin,
                "state": state, "scheduled_date": when, **kw}  # fmt: skip

    return {
        1: pick("WH/IN/00002", 1, 22, "P00018", "done", "2025-02-27 10:00:00", purchase_id=4,
                date_done="2025-02-26 15:20:00"),
        2: pick("WH/IN/00003", 1, 20, "P00017", "assigned", "2025-03-10 09:00:00", purchase_id=3,
                date_deadline="2025-03-10 09:00:00"),
        3: pick("WH/OUT/00004", 2, 10, "S00046", "done", "2025-02-04 08:00:00", sale_id=11,
                group_id=3, carrier_id=2, carrier_tracking_ref="JJD149990200000012345",
                date_done="2025-02-04 13:40:00"),
        4: pick("WH/OUT/00005", 2, 19, "S00042", "waiting", "2025-03-13 08:00:00", sale_id=7,
                group_id=1, carrier_id=1, carrier_tracking_ref="1Z999AA10123456784",
                date_deadline="2025-03-14 08:00:00"),
        5: pick("WH/OUT/00006", 2, 15, "S00045", "waiting", "2025-03-17 07:00:00", sale_id=10,
                group_id=2, date_deadline="2025-03-18 07:00:00"),
        6: pick("WH/IN/00004", 1, 20, "P00020", "assigned", f"{today + dt.timedelta(days=21)} 09:00:00",  # noqa: E501
                purchase_id=6),
    }


def _moves() -> dict[int, dict[str, Any]]:
    def move(pick: int, product: int, qty: float, state: str, **kw: Any) -> dict[str, Any]:
        return {"picking_id": pick, "product_id": product, "product_uom_qty": qty, "state": state,
                "name": _PRODUCTS[product][1], "quantity": qty if state == "done" else 0, **kw}  # fmt: skip

    return {
        1: move(1, 2, 50, "done", purchase_line_id=6, move_dest_ids=[5], origin="P00018"),
        2: move(2, 1, 30, "assigned", purchase_line_id=5, move_dest_ids=[4, 6], origin="P00017"),
        3: move(3, 4, 48, "done", group_id=3, sale_line_id=16, origin="S00046"),
        4: move(4, 1, 20, "waiting", group_id=1, sale_line_id=11, created_purchase_line_id=5,
                origin="S00042"),
        5: move(4, 2, 50, "assigned", group_id=1, sale_line_id=12, created_purchase_line_id=6,
                origin="S00042"),
        6: move(5, 1, 10, "waiting", group_id=2, sale_line_id=14, created_purchase_line_id=5,
                origin="S00045"),
        7: move(5, 4, 24, "waiting", group_id=2, sale_line_id=15, created_purchase_line_id=8,
                origin="S00045"),
        8: move(6, 4, 24, "assigned", purchase_line_id=8, move_dest_ids=[7], origin="P00020"),
    }


def _invoices() -> dict[int, dict[str, Any]]:
    def inv(name: str, kind: str, partner: int, origin: str, day: str, total: float, **kw: Any):
        return {"name": name, "move_type": kind, "partner_id": partner, "invoice_origin": origin,
                "state": "posted", "date": day, "invoice_date": day, "amount_total": total,
                "amount_untaxed": round(total / 1.21, 2), "amount_residual": total,
                "payment_reference": name, "currency_id": 1, "invoice_user_id": 6, **kw}  # fmt: skip

    return {
        21: inv("INV/2025/00009", "out_invoice", 10, "S00046", "2025-02-06", 371.71,
                invoice_date_due="2025-03-08", payment_state="paid", amount_residual=0.0),
        24: inv("INV/2025/00012", "out_invoice", 10, "S00042", "2025-03-01", 780.45,
                invoice_date_due="2025-03-31"),
        25: inv("BILL/2025/00007", "in_invoice", 22, "P00018", "2025-02-28", 453.75,
                ref="NPG-INV-2025-0331", payment_reference="NPG-INV-2025-0331",
                invoice_date_due="2025-03-30", invoice_user_id=7),
        26: inv("RINV/2025/00003", "out_refund", 10, "S00046", "2025-02-12", 30.98,
                ref="Reversal of: INV/2025/00009, 4 damaged tins", reversed_entry_id=21),
        27: inv("/", "out_invoice", 13, False, False, 0.0, state="draft", date="2025-03-06",
                payment_reference=False),
    }


def _mail() -> dict[str, dict[int, dict[str, Any]]]:
    kinds = ["Email", "Call", "Meeting", "To Do", "Upload Document"]
    categories = ["default", "phonecall", "meeting", "default", "upload_file"]
    return {
        "mail.activity.type": {i + 1: {"name": n, "category": c, "sequence": i + 1}
                               for i, (n, c) in enumerate(zip(kinds, categories, strict=True))},  # fmt: skip
        "mail.message.subtype": {1: {"name": "Discussions", "internal": False},
                                 2: {"name": "Note", "internal": True},
                                 3: {"name": "Activities", "internal": True}},  # fmt: skip
        "mail.activity": {1: {"res_model_id": "sale.order", "res_id": 7, "res_name": "S00042",
                              "activity_type_id": 4, "user_id": 6, "date_deadline": "2025-03-12",
                              "summary": "Confirm delivery slot with Maria"}},  # fmt: skip
        "mail.message": {
            1: {"model": "sale.order", "res_id": 7, "record_name": "S00042",
                "message_type": "notification", "subtype_id": 2, "author_id": 4,
                "body": "<p>Quotation confirmed</p>", "date": "2025-02-20 09:15:00"},
            2: {"model": "sale.order", "res_id": 7, "record_name": "S00042",
                "message_type": "email", "subtype_id": 1, "author_id": 11,
                "email_from": "Maria Lopez <buyer@lopez-catering.example>",
                "subject": "Re: S00042 delivery", "date": "2025-03-04 08:12:00",
                "body": "<p>Can you confirm delivery on the 14th? Our PO is 4500012345.</p>"},
        },
    }


def _reference_data() -> dict[str, dict[int, dict[str, Any]]]:
    names = {1: ("Belgium", "BE"), 2: ("Spain", "ES"), 3: ("Netherlands", "NL"), 4: ("Sweden", "SE")}
    return {
        "res.country": {i: {"name": n, "code": c} for i, (n, c) in names.items()},
        "res.currency": {1: {"name": "EUR", "symbol": "€"}},
        "product.product": {i: {"default_code": c, "name": n, "list_price": p, "standard_price": s}
                            for i, (c, n, p, s) in _PRODUCTS.items()},  # fmt: skip
        "stock.warehouse": {1: {"name": "Northwind Antwerp", "code": "WH"}},
        "stock.picking.type": {
            1: {"name": "Receipts", "sequence_code": "IN", "code": "incoming", "warehouse_id": 1},
            2: {"name": "Delivery Orders", "sequence_code": "OUT", "code": "outgoing",
                "warehouse_id": 1},
            3: {"name": "Internal Transfers", "sequence_code": "INT", "code": "internal",
                "warehouse_id": 1},
        },
        "delivery.carrier": {1: {"name": "UPS Standard"}, 2: {"name": "DHL Express"},
                             3: {"name": "PostNL Parcel"}},  # fmt: skip
        "procurement.group": {1: {"name": "S00042", "sale_id": 7, "partner_id": 19},
                              2: {"name": "S00045", "sale_id": 10, "partner_id": 15},
                              3: {"name": "S00046", "sale_id": 11, "partner_id": 10}},  # fmt: skip
    }


def _registry(tables: dict[str, dict[int, dict[str, Any]]]) -> None:
    """Fill ir.model and ir.model.data, and turn model names into ir.model ids."""
    ir_model = {i: {"model": m, "name": MODELS[m].description} for i, m in enumerate(MODELS, 1)}
    model_ids = {row["model"]: i for i, row in ir_model.items()}
    xmlids = dict(_XMLIDS)
    for model, mid in model_ids.items():
        xmlids[f"{module_of(model)}.model_{model.replace('.', '_')}"] = ("ir.model", mid)
    tables["ir.model"] = ir_model
    tables["ir.model.data"] = {
        i: {"module": x.split(".")[0], "name": x.split(".")[1], "model": m, "res_id": r,
            "noupdate": True}
        for i, (x, (m, r)) in enumerate(xmlids.items(), 1)
    }  # fmt: skip
    for row in tables["mail.activity"].values():
        row["res_model_id"] = model_ids[row["res_model_id"]]


def _complete(tables: dict[str, dict[int, dict[str, Any]]]) -> None:
    """Give every seeded row its plain defaults and creation metadata."""
    for model, rows in tables.items():
        defaults = {n: f.default for n, f in MODELS[model].fields.items()
                    if f.default is not None and f.default not in (NOW, TODAY, UID)}  # fmt: skip
        for row in rows.values():
            for name, value in defaults.items():
                row.setdefault(name, value)
            for name, value in (("create_uid", 2), ("write_uid", 2)):
                row.setdefault(name, value)
            for name in ("create_date", "write_date"):
                row.setdefault(name, "2025-01-15 08:00:00")


def seed(today: dt.date | None = None) -> Dataset:
    """A fresh copy of the distributor's data (future dates are relative to `today`)."""
    today = today or dt.date.today()
    sales, sale_lines = _sales()
    purchases, purchase_lines = _purchases(today)
    tables: dict[str, dict[int, dict[str, Any]]] = {model: {} for model in MODELS}
    tables.update(_reference_data())
    tables.update(_mail())
    tables["res.partner"] = _partners()
    tables["res.users"] = {uid: {"login": login, "partner_id": pid, "active": uid != 1,
                                 "tz": "Europe/Brussels"}
                           for uid, login, pid, *_ in _USERS}  # fmt: skip
    tables.update({"sale.order": sales, "sale.order.line": sale_lines,
                   "purchase.order": purchases, "purchase.order.line": purchase_lines,
                   "stock.picking": _pickings(today), "stock.move": _moves(),
                   "account.move": _invoices()})  # fmt: skip
    _registry(tables)
    _complete(tables)
    users = {uid: {"login": login, "password": PASSWORDS.get(login, ""), "api_keys": list(keys),
                   "denied": {(op, "*") for op in denied}}
             for uid, login, _, _, keys, denied in _USERS}  # fmt: skip
    sequences = {"sale.order": 48, "purchase.order": 21, "WH/IN/": 5, "WH/OUT/": 7, "WH/INT/": 1}
    return Dataset(tables=tables, users=users, xmlids={}, sequences=sequences)
