"""Schema and seed data of the Odoo stand-in: a wholesale distributor on Odoo 17.

`MODELS` describes the models and fields the stand-in serves (names, types and selections as in
Odoo 17/18 with sale_stock, purchase_stock, sale_purchase_stock, account, mail and delivery).
`seed()` returns a fresh, independent `Dataset` on every call, so each test can start clean:
the hand-written records of `_SEED` (ids below 100), which the tests' scenarios are built on,
plus the generated bulk of a realistic distributor from odoo_data_bulk (ids from 100 up).
"""

from __future__ import annotations

import datetime as dt
import shlex
from dataclasses import dataclass, field
from typing import Any

from tests.integration import odoo_data_bulk

DB = "northwind"
ADMIN = "admin"
SALES = "sophie.martin@northwind.example"
EXPORT_SALES = "lucas.dubois@northwind.example"  # salesperson for NL, DE, FR and LU customers
PURCHASE = "piet.janssens@northwind.example"
FINANCE = "fatima.elamrani@northwind.example"
BOT = "triage-bot@northwind.example"
AUDITOR = "auditor@northwind.example"  # may read everything, may not create/write/unlink
PORTAL = "buyer@lopez-catering.example"  # Maria Lopez's customer portal access (share = True)
BOT_API_KEY = "3f1c9a7e5b2d4c6e8f0a1b3c5d7e9f1a2b4c6d8e"
SALES_API_KEY = "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d"

NOW, TODAY, UID = "<now>", "<today>", "<uid>"  # default markers, resolved at create time


@dataclass(frozen=True)
class Field:
    """One field as `fields_get` describes it, plus what the stand-in needs to serve it."""

    type: str
    string: str
    relation: str | None = None
    inverse: str | None = None  # one2many: comodel many2one; many2many: the stored m2m mirrored
    poly: str | None = None  # one2many on (model, res_id): the comodel field naming the model
    selection: tuple[tuple[str, str], ...] | None = None
    required: bool = False
    store: bool = True  # False: not searchable nor sortable (like Odoo's non-stored computes)
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
    """Records per model, logins (uid -> login, password, api_keys, denied) and sequences."""

    tables: dict[str, dict[int, dict[str, Any]]]
    users: dict[int, dict[str, Any]]
    sequences: dict[str, int] = field(default_factory=dict)
    # res.company settings the stand-in honours: po_lock "lock" makes confirmed POs `done`;
    # cancel_wizard_always: a server (customised, or a future version) that answers every
    # action_cancel of a confirmed order with the wizard, context or not.
    company: dict[str, Any] = field(default_factory=lambda: {"po_lock": "edit"})


SELECTIONS = {
    "so_state": "draft:Quotation,sent:Quotation Sent,sale:Sales Order,cancel:Cancelled",
    "po_state": "draft:RFQ,sent:RFQ Sent,to approve:To Approve,purchase:Purchase Order,"
    "done:Locked,cancel:Cancelled",
    "picking_state": "draft:Draft,waiting:Waiting Another Operation,confirmed:Waiting,"
    "assigned:Ready,done:Done,cancel:Cancelled",
    "move_state": "draft:New,waiting:Waiting Another Move,confirmed:Waiting Availability,"
    "partially_available:Partially Available,assigned:Available,done:Done,cancel:Cancelled",
    "so_invoice_status": "upselling:Upselling Opportunity,invoiced:Fully Invoiced,"
    "to invoice:To Invoice,no:Nothing to Invoice",
    "po_invoice_status": "no:Nothing to Bill,to invoice:Waiting Bills,invoiced:Fully Billed",
    "receipt_status": "pending:Not Received,partial:Partially Received,full:Fully Received",
    "move_type": "entry:Journal Entry,out_invoice:Customer Invoice,out_refund:Customer Credit "
    "Note,in_invoice:Vendor Bill,in_refund:Vendor Credit Note,out_receipt:Sales Receipt,"
    "in_receipt:Purchase Receipt",
    "move_state_acc": "draft:Draft,posted:Posted,cancel:Cancelled",
    "payment_state": "not_paid:Not Paid,in_payment:In Payment,paid:Paid,partial:Partially Paid,"
    "reversed:Reversed,blocked:Blocked,invoicing_legacy:Invoicing App Legacy",
    "picking_code": "incoming:Receipt,outgoing:Delivery,internal:Internal Transfer",
    "priority": "0:Normal,1:Urgent",
    "company_type": "person:Individual,company:Company",
    "address_type": "contact:Contact,invoice:Invoice Address,delivery:Delivery Address,"
    "other:Other Address",
    # the union of 17.0 (consu, service, product) and 18.0 (consu, service, combo)
    "product_type": "consu:Consumable,service:Service,product:Storable Product,combo:Combo",
    "location_usage": "supplier:Vendor Location,view:View,internal:Internal Location,"
    "customer:Customer Location,inventory:Inventory Loss,production:Production,"
    "transit:Transit Location",
    "activity_state": "overdue:Overdue,today:Today,planned:Planned,done:Done",
    "activity_category": "default:None,upload_file:Upload Document,phonecall:Phonecall,"
    "meeting:Meeting",
    "delay_unit": "days:days,weeks:weeks,months:months",
    "message_type": "email:Incoming Email,comment:Comment,email_outgoing:Outgoing Email,"
    "notification:System notification,auto_comment:Automated Targeted Notification,"
    "user_notification:User Specific Notification",
    "group_move_type": "direct:Partial,one:All at once",
    "module_state": "uninstallable:Uninstallable,uninstalled:Not Installed,installed:Installed,"
    "to upgrade:To be upgraded,to remove:To be removed,to install:To be installed",
}

# One `model` line (name, "description", order=, search=<rec_names_search>, thread for
# mail.thread models), then one line per field: name, type, "label" and options: rel=<comodel>
# inverse=<field> poly=<field> sel=<SELECTIONS key> default=<value> ondelete=<policy>, and the
# flags `required`, `derived` (computed by the stand-in, but stored or related in Odoo, so
# searchable and sortable) and `calc` (computed and not stored in Odoo: search leaves on it are
# ignored, as Odoo does for non-stored fields without a search method, and it cannot be sorted).
# Lines indented by 4+ spaces continue the line above.
_SCHEMA = """
model res.partner "Contact" order="complete_name asc, id desc" thread
    search=complete_name,email,ref,vat,company_registry
  name                  char        "Name"
  complete_name         char        "Complete Name"          derived
  email                 char        "Email"
  phone                 char        "Phone"
  mobile                char        "Mobile"
  is_company            boolean     "Is a Company"           default=False
  parent_id             many2one    "Related Company"        rel=res.partner
  child_ids             one2many    "Contact"                rel=res.partner inverse=parent_id
  commercial_partner_id many2one    "Commercial Entity"      rel=res.partner derived
  company_type          selection   "Company Type"           sel=company_type calc
  type                  selection   "Address Type"           sel=address_type default=contact
  function              char        "Job Position"
  ref                   char        "Reference"
  vat                   char        "Tax ID"
  company_registry      char        "Company ID"
  street                char        "Street"
  city                  char        "City"
  zip                   char        "Zip"
  country_id            many2one    "Country"                rel=res.country
  customer_rank         integer     "Customer Rank"          default=0
  supplier_rank         integer     "Supplier Rank"          default=0
  active                boolean     "Active"                 default=True
  user_id               many2one    "Salesperson"            rel=res.users
  lang                  char        "Language"               default=en_US
model res.users "User" order="name, login" search=name,login
  name                  char        "Name"                   derived
  login                 char        "Login"                  required
  partner_id            many2one    "Related Partner"        rel=res.partner required
    ondelete=restrict
  email                 char        "Email"                  derived
  active                boolean     "Active"                 default=True
  share                 boolean     "Share User"             default=False
  tz                    char        "Timezone"
  lang                  char        "Language"               default=en_US
model res.country "Country" order=name
  name                  char        "Country Name"           required
  code                  char        "Country Code"
model res.currency "Currency" order="active desc, name"
  name                  char        "Currency"               required
  symbol                char        "Symbol"
  active                boolean     "Active"                 default=True
model product.template "Product" order="name" search=name,default_code
  name                  char        "Name"                   required
  default_code          char        "Internal Reference"
  barcode               char        "Barcode"
  type                  selection   "Product Type"           sel=product_type required default=consu
  detailed_type         selection   "Product Type"           sel=product_type derived
  is_storable           boolean     "Track Inventory"        derived
  list_price            float       "Sales Price"            default=1.0
  standard_price        float       "Cost"
  active                boolean     "Active"                 default=True
  product_variant_ids   one2many    "Products"               rel=product.product
    inverse=product_tmpl_id
  seller_ids            one2many    "Vendors"                rel=product.supplierinfo
    inverse=product_tmpl_id
model product.product "Product Variant" order="default_code, name, id" search=name,default_code
  name                  char        "Name"                   required
  default_code          char        "Internal Reference"
  barcode               char        "Barcode"
  product_tmpl_id       many2one    "Product Template"       rel=product.template ondelete=cascade
  type                  selection   "Product Type"           sel=product_type default=consu
  detailed_type         selection   "Product Type"           sel=product_type derived
  is_storable           boolean     "Track Inventory"        derived
  list_price            float       "Sales Price"
  standard_price        float       "Cost"
  active                boolean     "Active"                 default=True
model product.supplierinfo "Supplier Pricelist" order="sequence, min_qty desc, price, id"
    search=partner_id
  partner_id            many2one    "Vendor"                 rel=res.partner required
    ondelete=cascade
  product_name          char        "Vendor Product Name"
  product_code          char        "Vendor Product Code"
  sequence              integer     "Sequence"               default=1
  min_qty               float       "Quantity"               required default=0.0
  price                 float       "Price"                  required default=0.0
  discount              float       "Discount (%)"
  price_discounted      float       "Discounted Price"       calc
  currency_id           many2one    "Currency"               rel=res.currency required default=1
  date_start            date        "Start Date"
  date_end              date        "End Date"
  product_id            many2one    "Product Variant"        rel=product.product
  product_tmpl_id       many2one    "Product Template"       rel=product.template ondelete=cascade
  delay                 integer     "Delivery Lead Time"     required default=1
model sale.order "Sales Order" order="date_order desc, id desc" thread
  name                  char        "Order Reference"        required default=New
  partner_id            many2one    "Customer"               rel=res.partner required
  partner_invoice_id    many2one    "Invoice Address"        rel=res.partner
  partner_shipping_id   many2one    "Delivery Address"       rel=res.partner
  date_order            datetime    "Order Date"             required default=<now>
  commitment_date       datetime    "Delivery Date"
  expected_date         datetime    "Expected Date"
  validity_date         date        "Expiration"
  state                 selection   "Status"                 sel=so_state default=draft
  locked                boolean     "Locked"                 default=False
  order_line            one2many    "Order Lines"            rel=sale.order.line inverse=order_id
  amount_untaxed        monetary    "Untaxed Amount"
  amount_tax            monetary    "Taxes"
  amount_total          monetary    "Total"
  currency_id           many2one    "Currency"               rel=res.currency default=1
  user_id               many2one    "Salesperson"            rel=res.users default=<uid>
  invoice_status        selection   "Invoice Status"         sel=so_invoice_status default=no
  invoice_ids           many2many   "Invoices"               rel=account.move
  origin                char        "Source Document"
  client_order_ref      char        "Customer Reference"
  note                  html        "Terms and conditions"
  picking_ids           one2many    "Transfers"              rel=stock.picking inverse=sale_id
  delivery_count        integer     "Delivery Orders"        calc
  procurement_group_id  many2one    "Procurement Group"      rel=procurement.group
  warehouse_id          many2one    "Warehouse"              rel=stock.warehouse default=1
  purchase_order_count  integer     "Number of Purchase Order Generated" calc
model sale.order.line "Sales Order Line" order="order_id, sequence, id"
  order_id              many2one    "Order Reference"        rel=sale.order required
    ondelete=cascade
  sequence              integer     "Sequence"               default=10
  name                  text        "Description"            required
  product_id            many2one    "Product"                rel=product.product
  product_uom_qty       float       "Quantity"               default=1.0
  qty_delivered         float       "Delivery Quantity"
  qty_invoiced          float       "Invoiced Quantity"
  price_unit            float       "Unit Price"
  price_subtotal        monetary    "Subtotal"
  price_total           monetary    "Total"
  state                 selection   "Order Status"           sel=so_state derived
  move_ids              one2many    "Stock Moves"            rel=stock.move inverse=sale_line_id
model purchase.order "Purchase Order" order="priority desc, id desc" search=name,partner_ref thread
  name                  char        "Order Reference"        required default=New
  priority              selection   "Priority"               sel=priority default=0
  partner_id            many2one    "Vendor"                 rel=res.partner required
  partner_ref           char        "Vendor Reference"
  origin                char        "Source Document"
  date_order            datetime    "Order Deadline"         required default=<now>
  date_approve          datetime    "Confirmation Date"
  date_planned          datetime    "Expected Arrival"
  state                 selection   "Status"                 sel=po_state default=draft
  order_line            one2many    "Order Lines"          rel=purchase.order.line inverse=order_id
  amount_total          monetary    "Total"
  currency_id           many2one    "Currency"               rel=res.currency default=1
  user_id               many2one    "Buyer"                  rel=res.users default=<uid>
  receipt_status        selection   "Receipt Status"         sel=receipt_status
  invoice_status        selection   "Billing Status"         sel=po_invoice_status default=no
  picking_ids           one2many    "Receptions"             rel=stock.picking inverse=purchase_id
  group_id              many2one    "Procurement Group"      rel=procurement.group
  sale_order_count      integer     "Number of Source Sale"  calc
  notes                 html        "Terms and Conditions"
model purchase.order.line "Purchase Order Line" order="order_id, sequence, id"
  order_id              many2one    "Order Reference"        rel=purchase.order required
    ondelete=cascade
  sequence              integer     "Sequence"               default=10
  name                  text        "Description"            required
  product_id            many2one    "Product"                rel=product.product
  product_qty           float       "Quantity"               default=1.0
  qty_received          float       "Received Qty"
  qty_invoiced          float       "Billed Qty"
  price_unit            float       "Unit Price"
  price_subtotal        monetary    "Subtotal"
  date_planned          datetime    "Expected Arrival"
  move_ids              one2many    "Reservation"          rel=stock.move inverse=purchase_line_id
  move_dest_ids         one2many    "Downstream Moves"
    rel=stock.move inverse=created_purchase_line_id
  group_id              many2one    "Procurement Group"      rel=procurement.group
  sale_line_id          many2one    "Origin Sale Item"       rel=sale.order.line
  sale_order_id         many2one    "Sale Order"             rel=sale.order derived
model stock.warehouse "Warehouse" order="sequence, id"
  name                  char        "Warehouse"              required
  code                  char        "Short Name"
  active                boolean     "Active"                 default=True
  sequence              integer     "Sequence"               default=10
  view_location_id      many2one    "View Location"          rel=stock.location
  lot_stock_id          many2one    "Location Stock"         rel=stock.location
model stock.location "Inventory Locations" order="complete_name, id" search=complete_name
  name                  char        "Location Name"          required
  complete_name         char        "Full Location Name"     derived
  active                boolean     "Active"                 default=True
  usage                 selection   "Location Type"          sel=location_usage required
    default=internal
  location_id           many2one    "Parent Location"        rel=stock.location ondelete=cascade
  child_ids             one2many    "Contains"               rel=stock.location inverse=location_id
  warehouse_id          many2one    "Warehouse"              rel=stock.warehouse derived
model stock.quant "Quants" search=product_id
  product_id            many2one    "Product"                rel=product.product required
    ondelete=restrict
  product_tmpl_id       many2one    "Product Template"       rel=product.template derived
  location_id           many2one    "Location"               rel=stock.location required
    ondelete=restrict
  warehouse_id          many2one    "Warehouse"              rel=stock.warehouse derived
  quantity              float       "Quantity"
  reserved_quantity     float       "Reserved Quantity"      required default=0.0
  available_quantity    float       "Available Quantity"     calc
model stock.picking.type "Picking Type" order="sequence_code, id"
  name                  char        "Operation Type"         required
  sequence_code         char        "Sequence Prefix"
  code                  selection   "Type of Operation"      sel=picking_code
  warehouse_id          many2one    "Warehouse"              rel=stock.warehouse
model delivery.carrier "Shipping Methods"
  name                  char        "Delivery Method"        required
  active                boolean     "Active"                 default=True
model stock.picking "Transfer" order="priority desc, scheduled_date asc, id desc" thread
    search=name,origin
  name                  char        "Reference"              default=/
  origin                char        "Source Document"
  priority              selection   "Priority"               sel=priority default=0
  partner_id            many2one    "Contact"                rel=res.partner
  picking_type_id       many2one    "Operation Type"         rel=stock.picking.type required
  picking_type_code     selection   "Type of Operation"      sel=picking_code derived
  scheduled_date        datetime    "Scheduled Date"         default=<now>
  date_deadline         datetime    "Deadline"
  date_done             datetime    "Date of Transfer"
  state                 selection   "Status"                 sel=picking_state default=draft
  move_ids              one2many    "Stock Moves"            rel=stock.move inverse=picking_id
  sale_id               many2one    "Sales Order"            rel=sale.order
  purchase_id           many2one    "Purchase Order"         rel=purchase.order
  group_id              many2one    "Procurement Group"      rel=procurement.group
  carrier_id            many2one    "Carrier"                rel=delivery.carrier
  carrier_tracking_ref  char        "Tracking Reference"
model stock.move "Stock Move" order="sequence, id"
  name                  char        "Description"            required
  reference             char        "Reference"
  sequence              integer     "Sequence"               default=10
  origin                char        "Source Document"
  product_id            many2one    "Product"                rel=product.product required
  product_uom_qty       float       "Demand"
  quantity              float       "Quantity"
  state                 selection   "Status"                 sel=move_state default=draft
  picking_id            many2one    "Transfer"               rel=stock.picking
  group_id              many2one    "Procurement Group"      rel=procurement.group
  sale_line_id          many2one    "Sale Line"              rel=sale.order.line
  purchase_line_id      many2one    "Purchase Order Line"    rel=purchase.order.line
  created_purchase_line_id many2one "Created Purchase Order Line" rel=purchase.order.line
  move_dest_ids         many2many   "Destination Moves"      rel=stock.move
  move_orig_ids         many2many   "Original Move"          rel=stock.move inverse=move_dest_ids
  date                  datetime    "Date Scheduled"         default=<now>
  date_deadline         datetime    "Deadline"
model procurement.group "Procurement Group"
  name                  char        "Reference"              required
  partner_id            many2one    "Partner"                rel=res.partner
  move_type             selection   "Delivery Type"          sel=group_move_type default=direct
  sale_id               many2one    "Sale Order"             rel=sale.order
  stock_move_ids        one2many    "Related Stock Moves"    rel=stock.move inverse=group_id
model account.move "Journal Entry" order="date desc, name desc, invoice_date desc, id desc" thread
    search=name,partner_id.name,ref
  name                  char        "Number"                 default=/
  ref                   char        "Reference"
  move_type             selection   "Type"                   sel=move_type required default=entry
  state                 selection   "Status"             sel=move_state_acc required default=draft
  payment_state         selection   "Payment Status"         sel=payment_state default=not_paid
  to_check              boolean     "To Check"               default=False
  checked               boolean     "Checked"                default=False
  partner_id            many2one    "Partner"                rel=res.partner
  date                  date        "Date"                   required default=<today>
  invoice_date          date        "Invoice/Bill Date"
  invoice_date_due      date        "Due Date"
  invoice_origin        char        "Origin"
  payment_reference     char        "Payment Reference"
  amount_untaxed        monetary    "Untaxed Amount"
  amount_total          monetary    "Total"
  amount_residual       monetary    "Amount Due"
  currency_id           many2one    "Currency"               rel=res.currency default=1
  invoice_user_id       many2one    "Salesperson"            rel=res.users default=<uid>
  user_id               many2one    "User"                   rel=res.users derived
  reversed_entry_id     many2one    "Reversal of"            rel=account.move
model mail.activity.type "Activity Type" order="sequence, id"
  name                  char        "Name"                   required
  summary               char        "Default Summary"
  sequence              integer     "Sequence"               default=10
  res_model             char        "Model"
  delay_count           integer     "Schedule"               default=0
  delay_unit            selection   "Delay units"            sel=delay_unit default=days
  category              selection   "Action"                 sel=activity_category default=default
  active                boolean     "Active"                 default=True
model mail.activity "Activity" order="date_deadline asc, id asc" search=summary
  res_model_id          many2one    "Document Model"         rel=ir.model required ondelete=cascade
  res_model             char        "Related Document Model" derived
  res_id                many2one_reference "Related Document ID"
  res_name              char        "Document Name"
  activity_type_id      many2one    "Activity Type"          rel=mail.activity.type
    ondelete=restrict
  summary               char        "Summary"
  note                  html        "Note"
  date_deadline         date        "Due Date"               required default=<today>
  user_id               many2one    "Assigned to"            rel=res.users default=<uid>
  state                 selection   "State"                  sel=activity_state calc
model mail.message.subtype "Message subtypes"
  name                  char        "Message Type"           required
  internal              boolean     "Internal Only"
model mail.message "Message" order="id desc" search=record_name
  subject               char        "Subject"
  body                  html        "Contents"               default=
  model                 char        "Related Document Model"
  res_id                many2one_reference "Related Document ID"
  record_name           char        "Message Record Name"
  message_type          selection   "Type"                   sel=message_type required
    default=comment
  subtype_id            many2one    "Subtype"                rel=mail.message.subtype
  author_id             many2one    "Author"                 rel=res.partner
  email_from            char        "From"
  partner_ids           many2many   "Recipients"             rel=res.partner
  attachment_ids        many2many   "Attachments"            rel=ir.attachment
  parent_id             many2one    "Parent Message"         rel=mail.message
  date                  datetime    "Date"                   default=<now>
model ir.attachment "Attachment"
  name                  char        "Name"                   required
  res_model             char        "Resource Model"
  res_id                many2one_reference "Resource ID"
  mimetype              char        "Mime Type"
  datas                 binary      "File Content"
model ir.module.module "Module" order=name search=name,shortdesc
  name                  char        "Technical Name"         required
  shortdesc             char        "Module Name"
  state                 selection   "Status"                 sel=module_state default=uninstalled
model ir.model "Models" order=model search=name,model
  name                  char        "Model Description"      required
  model                 char        "Model"                  required
  transient             boolean     "Transient Model"        default=False
model ir.model.data "Model Data" order="module, model, name"
  name                  char        "External Identifier"    required
  module                char        "Module"
  model                 char        "Model Name"             required
  res_id                many2one_reference "Record ID"
  complete_name         char        "Complete ID"            derived
  noupdate              boolean     "Non Updatable"
"""

_COMMON = """
  id                    integer     "ID"
  display_name          char        "Display Name"           calc
  create_uid            many2one    "Created by"             rel=res.users
  create_date           datetime    "Created on"
  write_uid             many2one    "Last Updated by"        rel=res.users
  write_date            datetime    "Last Updated on"
"""
_THREAD = """
  message_ids           one2many    "Messages"               rel=mail.message inverse=res_id
    poly=model
  activity_ids          one2many    "Activities"             rel=mail.activity inverse=res_id
    poly=res_model
"""


def _value(text: str, kind: str) -> Any:
    """A default value as written in the schema table, typed for a field of type `kind`."""
    if text in (NOW, TODAY, UID):
        return text
    if kind == "boolean":
        return text == "True"
    if kind in ("integer", "many2one", "many2one_reference"):
        return int(text)
    return float(text) if kind in ("float", "monetary") else text


def _options(words: list[str]) -> dict[str, str]:
    """`key=value` words as a dict; bare flags map to ""."""
    return dict(w.split("=", 1) if "=" in w else (w, "") for w in words)


def _field(kind: str, label: str, opts: dict[str, str]) -> Field:
    """Build a `Field` from one line of the schema table."""
    calc = "calc" in opts
    derived = "derived" in opts
    pairs = [p.split(":", 1) for p in SELECTIONS[opts["sel"]].split(",")] if "sel" in opts else []
    return Field(
        type=kind,
        string=label,
        relation=opts.get("rel"),
        inverse=opts.get("inverse"),
        poly=opts.get("poly"),
        selection=tuple((key, text) for key, text in pairs) or None,
        required="required" in opts,
        store=not calc,
        computed=calc or derived or kind == "one2many" or "inverse" in opts,
        default=_value(opts["default"], kind) if "default" in opts else None,
        ondelete=opts.get("ondelete", "set null"),
    )


def _lines(text: str) -> list[list[str]]:
    """Split a table into lines of words; lines indented 4+ spaces continue the line before."""
    out: list[list[str]] = []
    for line in text.strip("\n").splitlines():
        words = shlex.split(line)
        if line.startswith("    ") and out:
            out[-1] += words
        elif words:
            out.append(words)
    return out


def _fields(lines: list[list[str]]) -> dict[str, Field]:
    """Fields from lines of (name, type, "label", options...)."""
    return {w[0]: _field(w[1], w[2], _options(w[3:])) for w in lines}


def _parse(text: str) -> dict[str, Model]:
    """Parse the schema table into models."""
    models: dict[str, Model] = {}
    blocks = [_lines("model " + block) for block in ("\n" + text).split("\nmodel ")[1:]]
    for (_, name, description, *options), *lines in blocks:
        opts = _options(options)
        fields = {**_fields(_lines(_COMMON)), **_fields(lines)}
        fields.update(_fields(_lines(_THREAD)) if "thread" in opts else {})
        search = tuple(opts.get("search", "name").split(","))
        models[name] = Model(description, fields, opts.get("order", "id"), search, "thread" in opts)
    return models


MODELS: dict[str, Model] = _parse(_SCHEMA)

_MODULE = {
    "res": "base",
    "ir": "base",
    "procurement": "stock",
}


def module_of(model: str) -> str:
    """The Odoo module that defines `model` (for its `model_*` external id)."""
    prefix = model.split(".")[0]
    return _MODULE.get(prefix, prefix)


PASSWORDS = {
    ADMIN: "admin",
    SALES: "sophie-pw",
    EXPORT_SALES: "lucas-pw",
    PURCHASE: "piet-pw",
    FINANCE: "fatima-pw",
    BOT: "triage-bot-pw",
    AUDITOR: "auditor-pw",
    PORTAL: "maria-portal-pw",
}
_USERS = [  # uid, login, partner, API keys, operations refused on every model
    (1, "__system__", 2, (), ()),
    (2, ADMIN, 3, (), ()),
    (6, SALES, 4, (SALES_API_KEY,), ()),
    (7, PURCHASE, 5, (), ()),
    (8, FINANCE, 6, (), ()),
    (9, BOT, 7, (BOT_API_KEY,), ()),
    (10, AUDITOR, 8, (), ("create", "write", "unlink")),
    (11, EXPORT_SALES, 9, (), ()),
    (12, PORTAL, 11, (), ()),
]
_PORTAL_USERS = frozenset({PORTAL})

# The records, per model: "  <id> field=value ...", typed by the schema (x2many: "4,6").
# Lines indented by 4+ spaces continue the record above. {in14} / {in21}: today + 14 / 21 days.
# S00048 (Hotel Belvedere, due 2025-03-25) waits on P00017 too: P00017 feeds three sale orders
# of two customers, and a new ETA of 2025-03-20 puts S00042 and S00045 at risk, not S00048.
_SEED = """
res.country
  1 name=Belgium code=BE
  2 name=Spain code=ES
  3 name=Netherlands code=NL
  4 name=Sweden code=SE
  5 name=France code=FR
  6 name=Germany code=DE
  7 name=Italy code=IT
  8 name=Luxembourg code=LU
  9 name=Portugal code=PT
res.currency
  1 name=EUR symbol=€
res.partner
  1  name="Northwind Distribution NV" is_company=True email=info@northwind.example city=Antwerp
       country_id=1 vat=BE0477472701
  2  name=OdooBot parent_id=1 email=odoobot@example.com active=False
  3  name="Mitchell Admin" parent_id=1 email=admin@northwind.example
  4  name="Sophie Martin" parent_id=1 email=sophie.martin@northwind.example
  5  name="Piet Janssens" parent_id=1 email=piet.janssens@northwind.example
  6  name="Fatima El Amrani" parent_id=1 email=fatima.elamrani@northwind.example
  7  name="Triage Bot" parent_id=1 email=triage-bot@northwind.example
  8  name="Ingrid Auditor" parent_id=1 email=auditor@northwind.example
  9  name="Lucas Dubois" parent_id=1 email=lucas.dubois@northwind.example
  10 name="Lopez Catering S.L." is_company=True email=info@lopez-catering.example ref=C-1001
       lang=es_ES customer_rank=5 vat=ESB12345678 phone="+34 961 234 567" city=Valencia country_id=2
       user_id=6
  11 name="Maria Lopez" parent_id=10 email=buyer@lopez-catering.example
       function="Purchasing Manager" phone="+34 961 234 570"
  12 name="Jordi Puig" parent_id=10 email=accounts@lopez-catering.example type=invoice
       function="Accounts Payable"
  19 name="Madrid Kitchen" parent_id=10 email=madrid@lopez-catering.example type=delivery
       city=Madrid country_id=2
  13 name="Brasserie Van Dijk B.V." is_company=True email=orders@vandijk-brasserie.example
       customer_rank=3 ref=C-1002 city=Rotterdam country_id=3 user_id=6
  14 name="Anke van Dijk" parent_id=13 email=anke@vandijk-brasserie.example function=Owner
  15 name="Hotel Belvedere NV" is_company=True email=reception@hotel-belvedere.example lang=nl_BE
       customer_rank=2 ref=C-1003 city=Ghent country_id=1 user_id=6
  16 name="Tom Peeters" parent_id=15 email=t.peeters@hotel-belvedere.example
       function="F&B Manager"
  17 name="Rosa Fernandes" email=rosasdeli.orders@gmail.com customer_rank=1 ref=C-1004
       city=Brussels country_id=1 user_id=6
  18 name="Old Bistro BVBA" is_company=True email=chef@oldbistro.example customer_rank=1
       active=False
  20 name="Iberica Olive Oil S.A." is_company=True email=sales@iberica-oil.example
       supplier_rank=4 ref=V-2001 city=Jaen country_id=2
  21 name="Carlos Ruiz" parent_id=20 email=carlos.ruiz@iberica-oil.example
       function="Export Manager"
  22 name="Nordic Paper Goods AB" is_company=True email=orders@nordicpaper.example
       supplier_rank=2 ref=V-2002 city=Malmo country_id=4
  23 name="Olivar del Sur S.L." is_company=True email=ventas@olivardelsur.example
       supplier_rank=1 ref=V-2101 city=Cordoba country_id=2
  24 name="Mediterraneo Foods GmbH" is_company=True email=einkauf@mediterraneo-foods.example
       supplier_rank=1 ref=V-2102 city=Hamburg country_id=6
product.product
  1 default_code=OLV-5L name="Extra Virgin Olive Oil 5 L" list_price=42.5 standard_price=31.0
      barcode=5412345000013 type=product
  2 default_code=NAP-500 name="Paper Napkins 33x33 (500 pcs)" list_price=12.9 standard_price=7.5
      barcode=5412345000020 type=product
  3 default_code=COF-1KG name="Espresso Beans 1 kg" list_price=18.0 standard_price=11.2
      barcode=5412345000037 type=product
  4 default_code=TOM-2.5 name="Peeled Tomatoes 2.5 kg" list_price=6.4 standard_price=3.9
      barcode=5412345000044 type=product
  5 default_code=OLV-1L name="Extra Virgin Olive Oil 1 L" list_price=10.9 standard_price=7.2
      barcode=5412345000051 type=product
  6 default_code=VIN-500 name="Sherry Vinegar 500 ml" list_price=5.2 standard_price=3.1
      barcode=5412345000068 type=product
  7 default_code=OLI-GRN-3KG name="Green Olives 3 kg" list_price=14.5 standard_price=9.8
      barcode=5412345000075 type=product
product.supplierinfo
  1 partner_id=20 product_tmpl_id=1 product_code=IB-EVO5
      product_name="Aceite de oliva virgen extra 5 L" min_qty=10 price=31.0 delay=14
  2 partner_id=20 product_tmpl_id=5 product_code=IB-EVO1
      product_name="Aceite de oliva virgen extra 1 L" min_qty=24 price=7.2 delay=14
  3 partner_id=20 product_tmpl_id=6 product_code=IB-VJ500
      product_name="Vinagre de Jerez 500 ml" min_qty=12 price=3.1 delay=14
  4 partner_id=20 product_tmpl_id=7 product_code=IB-ACV3
      product_name="Aceitunas verdes 3 kg" min_qty=6 price=9.8 delay=14
  5 partner_id=20 product_tmpl_id=4 product_code=IB-TOM25
      product_name="Tomate pelado 2,5 kg" min_qty=24 price=3.9 delay=10
  6 partner_id=23 product_tmpl_id=1 product_code=OS-5000
      product_name="AOVE garrafa 5 L" min_qty=20 price=33.5 delay=5
  7 partner_id=24 product_tmpl_id=1 product_code=MF-EVOO-5
      product_name="Natives Olivenöl Extra 5 L" min_qty=50 price=32.0 delay=21
  8 partner_id=22 product_tmpl_id=2 product_code=NPG-N33
      product_name="Napkin 33x33 500" min_qty=10 price=7.5 delay=7
stock.warehouse
  1 name="Northwind Antwerp" code=WH view_location_id=11 lot_stock_id=12
  2 name="Northwind Rotterdam" code=RTM view_location_id=21 lot_stock_id=22 sequence=20
  3 name="Northwind Madrid" code=MAD view_location_id=31 lot_stock_id=32 sequence=30
stock.location
  1  name="Physical Locations" usage=view
  4  name=Partners usage=view
  2  name=Vendors usage=supplier location_id=4
  3  name=Customers usage=customer location_id=4
  11 name=WH usage=view location_id=1
  12 name=Stock location_id=11
  21 name=RTM usage=view location_id=1
  22 name=Stock location_id=21
  31 name=MAD usage=view location_id=1
  32 name=Stock location_id=31
  33 name="Shelf 1" location_id=32
stock.quant
  1 product_id=1 location_id=12 quantity=0 reserved_quantity=0
  2 product_id=1 location_id=22 quantity=12 reserved_quantity=4
  3 product_id=1 location_id=32 quantity=30 reserved_quantity=30
  4 product_id=1 location_id=33 quantity=5 reserved_quantity=0
  5 product_id=1 location_id=3 quantity=40 reserved_quantity=0
  6 product_id=4 location_id=22 quantity=100 reserved_quantity=10
  7 product_id=5 location_id=12 quantity=200 reserved_quantity=0
stock.picking.type
  1 name=Receipts sequence_code=IN code=incoming warehouse_id=1
  2 name="Delivery Orders" sequence_code=OUT code=outgoing warehouse_id=1
  3 name="Internal Transfers" sequence_code=INT code=internal warehouse_id=1
delivery.carrier
  1 name="UPS Standard"
  2 name="DHL Express"
  3 name="PostNL Parcel"
  4 name="Northwind Van"
sale.order
  7  name=S00042 user_id=6 partner_id=10 partner_invoice_id=12 partner_shipping_id=19 state=sale
       client_order_ref=4500012345 date_order="2025-02-20 09:12:00" procurement_group_id=1
       commitment_date="2025-03-14 08:00:00" invoice_status="to invoice" invoice_ids=24
       amount_untaxed=1495.0 amount_tax=313.95 amount_total=1808.95
  8  name=S00043 user_id=6 partner_id=14 state=draft client_order_ref=PO-VD-2291
       date_order="2025-03-02 14:05:00" validity_date=2025-04-01 amount_untaxed=435.0
       amount_tax=91.35 amount_total=526.35
  9  name=S00044 user_id=6 partner_id=17 state=sent date_order="2025-03-03 10:00:00"
       amount_untaxed=72.0 amount_tax=15.12 amount_total=87.12
       note="<p>Ordered by e-mail from a gmail.com address, no customer PO number.</p>"
  10 name=S00045 user_id=6 partner_id=15 state=sale client_order_ref=HB-7781
       procurement_group_id=2 date_order="2025-02-24 11:30:00" commitment_date="2025-03-18 07:00:00"
       invoice_status="to invoice" amount_untaxed=578.6 amount_tax=121.51 amount_total=700.11
  11 name=S00046 user_id=6 partner_id=10 state=sale locked=True client_order_ref=4500012399
       date_order="2025-01-28 08:45:00" commitment_date="2025-02-05 08:00:00"
       procurement_group_id=3 invoice_status=invoiced invoice_ids=21,26 amount_untaxed=307.2
       amount_tax=64.51 amount_total=371.71
  12 name=S00047 user_id=6 partner_id=13 state=cancel client_order_ref=PO-VD-2240
       date_order="2025-02-11 16:20:00" amount_untaxed=510.0 amount_tax=107.1 amount_total=617.1
  13 name=S00048 user_id=6 partner_id=15 partner_invoice_id=15 partner_shipping_id=15 state=sale
       client_order_ref=HB-7802 date_order="2025-02-25 10:20:00" procurement_group_id=4
       commitment_date="2025-03-25 07:00:00" invoice_status=no amount_untaxed=345.0
       amount_tax=72.45 amount_total=417.45
sale.order.line
  11 order_id=7 product_id=1 product_uom_qty=20 price_unit=42.5
  12 order_id=7 product_id=2 product_uom_qty=50 price_unit=12.9 qty_invoiced=50 sequence=20
  13 order_id=8 product_id=1 product_uom_qty=6 price_unit=42.5
  17 order_id=8 product_id=3 product_uom_qty=10 price_unit=18.0 sequence=20
  18 order_id=9 product_id=3 product_uom_qty=4 price_unit=18.0
  14 order_id=10 product_id=1 product_uom_qty=10 price_unit=42.5
  15 order_id=10 product_id=4 product_uom_qty=24 price_unit=6.4 sequence=20
  16 order_id=11 product_id=4 product_uom_qty=48 price_unit=6.4 qty_delivered=48
       qty_invoiced=48
  19 order_id=12 product_id=1 product_uom_qty=12 price_unit=42.5
  20 order_id=13 product_id=1 product_uom_qty=6 price_unit=42.5
  21 order_id=13 product_id=3 product_uom_qty=5 price_unit=18.0 sequence=20
purchase.order
  3 name=P00017 user_id=7 partner_id=20 partner_ref=IB-SO-88123 origin="S00042, S00045, S00048"
      state=purchase date_order="2025-02-20 10:00:00" date_approve="2025-02-20 10:05:00"
      date_planned="2025-03-10 09:00:00" receipt_status=pending amount_total=1125.3
  4 name=P00018 user_id=7 partner_id=22 partner_ref=NPG-4471 origin=S00042 state=purchase
      date_order="2025-02-20 10:02:00" date_approve="2025-02-20 10:06:00"
      date_planned="2025-02-27 10:00:00" receipt_status=full invoice_status=invoiced
      amount_total=453.75
  5 name=P00019 user_id=7 partner_id=20 state=draft date_order="2025-03-05 15:00:00"
      date_planned="{in14} 09:00:00" amount_total=1500.4
  6 name=P00020 user_id=7 partner_id=20 partner_ref=IB-SO-88190 origin=S00045 state=purchase
      date_order="2025-02-24 12:00:00" date_approve="2025-02-24 12:01:00"
      date_planned="{in21} 09:00:00" receipt_status=pending amount_total=113.26
  7 name=P00021 user_id=7 partner_id=20 partner_ref=IB-SO-88231 origin="" state=purchase
      date_order="2025-03-20 10:00:00" date_approve="2025-03-20 10:00:00"
      date_planned="2025-04-07 09:00:00" receipt_status=pending amount_total=3353.15
purchase.order.line
  5 order_id=3 product_id=1 product_qty=30 price_unit=31.0 date_planned="2025-03-10 09:00:00"
  6 order_id=4 product_id=2 product_qty=50 price_unit=7.5 qty_received=50 qty_invoiced=50
      date_planned="2025-02-27 10:00:00"
  7 order_id=5 product_id=1 product_qty=40 price_unit=31.0 date_planned="{in14} 09:00:00"
  8 order_id=6 product_id=4 product_qty=24 price_unit=3.9 date_planned="{in21} 09:00:00"
      sale_line_id=15
  21 order_id=7 product_id=1 product_qty=40 price_unit=31.0 date_planned="2025-04-07 09:00:00"
  22 order_id=7 product_id=5 product_qty=120 price_unit=7.2 date_planned="2025-04-07 09:00:00"
  23 order_id=7 product_id=6 product_qty=60 price_unit=3.1 date_planned="2025-04-07 09:00:00"
  24 order_id=7 product_id=7 product_qty=30 price_unit=9.8 date_planned="2025-04-07 09:00:00"
  25 order_id=7 product_id=4 product_qty=48 price_unit=3.9 date_planned="2025-04-07 09:00:00"
procurement.group
  1 name=S00042 sale_id=7 partner_id=19
  2 name=S00045 sale_id=10 partner_id=15
  3 name=S00046 sale_id=11 partner_id=10
  4 name=S00048 sale_id=13 partner_id=15
stock.picking
  1 name=WH/IN/00002 picking_type_id=1 partner_id=22 origin=P00018 purchase_id=4 state=done
      scheduled_date="2025-02-27 10:00:00" date_done="2025-02-26 15:20:00"
  2 name=WH/IN/00003 picking_type_id=1 partner_id=20 origin=P00017 purchase_id=3
      state=assigned scheduled_date="2025-03-10 09:00:00" date_deadline="2025-03-10 09:00:00"
  3 name=WH/OUT/00004 picking_type_id=2 partner_id=10 origin=S00046 sale_id=11 group_id=3
      state=done scheduled_date="2025-02-04 08:00:00" date_done="2025-02-04 13:40:00"
      carrier_id=2 carrier_tracking_ref=JJD149990200000012345
  4 name=WH/OUT/00005 picking_type_id=2 partner_id=19 origin=S00042 sale_id=7 group_id=1
      state=waiting scheduled_date="2025-03-13 08:00:00" date_deadline="2025-03-14 08:00:00"
      carrier_id=1 carrier_tracking_ref=1Z999AA10123456784
  5 name=WH/OUT/00006 picking_type_id=2 partner_id=15 origin=S00045 sale_id=10 group_id=2
      state=waiting scheduled_date="2025-03-17 07:00:00" date_deadline="2025-03-18 07:00:00"
  6 name=WH/IN/00004 picking_type_id=1 partner_id=20 origin=P00020 purchase_id=6
      state=assigned scheduled_date="{in21} 09:00:00"
  7 name=WH/OUT/00007 picking_type_id=2 partner_id=15 origin=S00048 sale_id=13 group_id=4
      state=waiting scheduled_date="2025-03-24 07:00:00" date_deadline="2025-03-25 07:00:00"
      carrier_id=4
stock.move
  1 picking_id=1 product_id=2 product_uom_qty=50 quantity=50 state=done origin=P00018
      purchase_line_id=6 move_dest_ids=5
  2 picking_id=2 product_id=1 product_uom_qty=30 state=assigned origin=P00017
      purchase_line_id=5 move_dest_ids=4,6
  3 picking_id=3 product_id=4 product_uom_qty=48 quantity=48 state=done origin=S00046
      group_id=3 sale_line_id=16
  4 picking_id=4 product_id=1 product_uom_qty=20 state=waiting origin=S00042 group_id=1
      sale_line_id=11 created_purchase_line_id=5
  5 picking_id=4 product_id=2 product_uom_qty=50 state=assigned origin=S00042 group_id=1
      sale_line_id=12 created_purchase_line_id=6
  6 picking_id=5 product_id=1 product_uom_qty=10 state=waiting origin=S00045 group_id=2
      sale_line_id=14 created_purchase_line_id=5
  7 picking_id=5 product_id=4 product_uom_qty=24 state=waiting origin=S00045 group_id=2
      sale_line_id=15 created_purchase_line_id=8
  8 picking_id=6 product_id=4 product_uom_qty=24 state=assigned origin=P00020
      purchase_line_id=8 move_dest_ids=7
  9 picking_id=7 product_id=1 product_uom_qty=6 state=waiting origin=S00048 group_id=4
      sale_line_id=20 created_purchase_line_id=5
  10 picking_id=7 product_id=3 product_uom_qty=5 state=assigned origin=S00048 group_id=4
      sale_line_id=21
account.move
  21 name=INV/2025/00009 move_type=out_invoice partner_id=10 invoice_origin=S00046
       state=posted payment_state=paid date=2025-02-06 invoice_date=2025-02-06
       invoice_date_due=2025-03-08 amount_untaxed=307.2 amount_total=371.71 amount_residual=0
       payment_reference=INV/2025/00009 invoice_user_id=6
  24 name=INV/2025/00012 move_type=out_invoice partner_id=10 invoice_origin=S00042
       state=posted date=2025-03-01 invoice_date=2025-03-01 invoice_date_due=2025-03-31
       amount_untaxed=645.0 amount_total=780.45 amount_residual=780.45
       payment_reference=INV/2025/00012 invoice_user_id=6
  25 name=BILL/2025/00007 move_type=in_invoice partner_id=22 invoice_origin=P00018
       ref=NPG-INV-2025-0331 state=posted date=2025-02-28 invoice_date=2025-02-28
       invoice_date_due=2025-03-30 amount_untaxed=375.0 amount_total=453.75
       amount_residual=453.75 payment_reference=NPG-INV-2025-0331 invoice_user_id=7
  26 name=RINV/2025/00003 move_type=out_refund partner_id=10 invoice_origin=S00046
       ref="Reversal of: INV/2025/00009, 4 damaged tins" reversed_entry_id=21 state=posted
       date=2025-02-12 invoice_date=2025-02-12 amount_untaxed=25.6 amount_total=30.98
       amount_residual=30.98 payment_reference=RINV/2025/00003 invoice_user_id=6
  27 move_type=out_invoice partner_id=13 state=draft date=2025-03-06 invoice_user_id=6
mail.activity.type
  1 name=Email sequence=1
  2 name=Call category=phonecall sequence=2
  3 name=Meeting category=meeting sequence=3
  4 name="To Do" sequence=4
  5 name="Upload Document" category=upload_file sequence=5
mail.message.subtype
  1 name=Discussions internal=False
  2 name=Note internal=True
  3 name=Activities internal=True
mail.activity
  1 res_model_id=sale.order res_id=7 res_name=S00042 activity_type_id=4 user_id=6
      date_deadline=2025-03-12 summary="Confirm delivery slot with Maria"
mail.message
  1 model=sale.order res_id=7 record_name=S00042 message_type=notification subtype_id=2
      author_id=4 body="<p>Quotation confirmed</p>" date="2025-02-20 09:15:00"
  2 model=sale.order res_id=7 record_name=S00042 message_type=email subtype_id=1 author_id=11
      email_from="Maria Lopez <buyer@lopez-catering.example>" subject="Re: S00042 delivery"
      body="<p>Can you confirm delivery on the 14th? Our PO is 4500012345.</p>"
      date="2025-03-04 08:12:00"
"""
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
    "base.fr": ("res.country", 5),
    "base.de": ("res.country", 6),
    "base.it": ("res.country", 7),
    "base.lu": ("res.country", 8),
    "base.pt": ("res.country", 9),
    "stock.warehouse0": ("stock.warehouse", 1),
    "stock.stock_location_locations": ("stock.location", 1),
    "stock.stock_location_locations_partner": ("stock.location", 4),
    "stock.stock_location_suppliers": ("stock.location", 2),
    "stock.stock_location_customers": ("stock.location", 3),
    "stock.stock_location_stock": ("stock.location", 12),
    "stock.picking_type_in": ("stock.picking.type", 1),
    "stock.picking_type_out": ("stock.picking.type", 2),
}


def _typed(field: Field, text: str) -> Any:
    """A seed value typed for its field (a many2one may name a model, resolved later)."""
    if field.type == "many2many":
        return [int(i) for i in text.split(",")]
    if field.type in ("many2one", "many2one_reference") and not text.isdigit():
        return text
    return _value(text, field.type)


def _records(text: str) -> dict[str, dict[int, dict[str, Any]]]:
    """Parse the seed table into rows per model."""
    tables: dict[str, dict[int, dict[str, Any]]] = {model: {} for model in MODELS}
    model = ""
    for line in _lines(text):
        if len(line) == 1:
            model = line[0]
            continue
        fields = MODELS[model].fields
        values = _options(line[1:])
        tables[model][int(line[0])] = {k: _typed(fields[k], v) for k, v in values.items()}
    return tables


def _registry(tables: dict[str, dict[int, dict[str, Any]]]) -> None:
    """Fill ir.model and ir.model.data, and turn model names into ir.model ids."""
    model_ids = {model: i for i, model in enumerate(MODELS, 1)}
    tables["ir.model"] = {
        i: {"model": m, "name": MODELS[m].description} for m, i in model_ids.items()
    }
    xmlids = dict(_XMLIDS)
    for model, mid in model_ids.items():
        xmlids[f"{module_of(model)}.model_{model.replace('.', '_')}"] = ("ir.model", mid)
    tables["ir.model.data"] = {}
    for i, (xmlid, (model, res_id)) in enumerate(xmlids.items(), 1):
        module, name = xmlid.split(".")
        row = {"module": module, "name": name, "model": model, "res_id": res_id}
        tables["ir.model.data"][i] = {**row, "noupdate": True}
    for row in tables["mail.activity"].values():
        row["res_model_id"] = model_ids[row["res_model_id"]]


def _complete(tables: dict[str, dict[int, dict[str, Any]]]) -> None:
    """Plain defaults, line descriptions and amounts, and creation metadata for every row."""
    products = tables["product.product"]
    for model, rows in tables.items():
        fields = MODELS[model].fields
        defaults = {
            n: f.default for n, f in fields.items() if f.default not in (None, NOW, TODAY, UID)
        }
        for row in rows.values():
            for name, value in defaults.items():
                row.setdefault(name, value)
            if "product_id" in row and "name" in fields:
                product = products[row["product_id"]]
                row.setdefault("name", f"[{product['default_code']}] {product['name']}")
            qty = row.get("product_uom_qty", row.get("product_qty"))
            if "price_unit" in row and qty is not None:
                row.setdefault("price_subtotal", round(qty * row["price_unit"], 2))
            meta = {"create_uid": 2, "write_uid": 2, "create_date": "2025-01-15 08:00:00"}
            for name, value in {**meta, "write_date": meta["create_date"]}.items():
                row.setdefault(name, value)


_TEMPLATE_FIELDS = ("name", "default_code", "barcode", "type", "list_price", "standard_price")


def _templates(tables: dict[str, dict[int, dict[str, Any]]]) -> None:
    """One product.template per product (same id, one variant each), as Odoo creates them."""
    for rid, row in tables["product.product"].items():
        template = {name: row[name] for name in _TEMPLATE_FIELDS if name in row}
        tables["product.template"][rid] = {**template, "active": row.get("active", True)}
        row["product_tmpl_id"] = rid


def seed(today: dt.date | None = None) -> Dataset:
    """A fresh copy of the distributor's data (future dates are relative to `today`)."""
    today = today or dt.date.today()
    days = {f"in{n}": today + dt.timedelta(days=n) for n in (14, 21)}
    tables = _records(_SEED.format(**days))
    odoo_data_bulk.add(tables, today)
    _templates(tables)
    tables["res.users"] = {
        uid: {
            "login": login,
            "partner_id": partner,
            "active": uid != 1,
            "share": login in _PORTAL_USERS,
            "tz": "Europe/Brussels",
        }
        for uid, login, partner, _, _ in _USERS
    }
    _registry(tables)
    _complete(tables)
    users = {
        uid: {
            "login": login,
            "password": PASSWORDS.get(login, ""),
            "api_keys": list(keys),
            "denied": {(operation, "*") for operation in denied},
        }
        for uid, login, _, keys, denied in _USERS
    }
    return Dataset(tables=tables, users=users, sequences=_sequences(tables))


def _sequences(tables: dict[str, dict[int, dict[str, Any]]]) -> dict[str, int]:
    """The next number of each sequence: one past the highest name in the data."""
    named = {
        "sale.order": ("sale.order", "S"),
        "purchase.order": ("purchase.order", "P"),
        "WH/IN/": ("stock.picking", "WH/IN/"),
        "WH/OUT/": ("stock.picking", "WH/OUT/"),
        "WH/INT/": ("stock.picking", "WH/INT/"),
    }
    sequences = {}
    for key, (model, prefix) in named.items():
        names = (str(row.get("name") or "") for row in tables[model].values())
        numbers = [n[len(prefix) :] for n in names if n.startswith(prefix)]
        sequences[key] = max((int(n) for n in numbers if n.isdigit()), default=0) + 1
    return sequences
