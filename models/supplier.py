"""Supplier documents read from a mail, and how they compare with our purchase order.

An order confirmation or dispatch advice arrives as a PDF, a spreadsheet or in the body;
its lines are read as `DocumentLine`s, matched to the purchase order's lines, and every
difference becomes a `Discrepancy`. Nothing here decides what to do about one: the policy does.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class DocumentKind(StrEnum):
    """Where a supplier document's lines were read from."""

    PDF = "pdf"
    XLSX = "xlsx"
    CSV = "csv"
    BODY = "body"


class DocumentLine(BaseModel):
    """One line of a supplier's confirmation or dispatch advice, as the supplier wrote it."""

    model_config = ConfigDict(frozen=True)

    position: int = Field(ge=1, description="The line's number in its document, from 1")
    codes: list[str] = Field(
        default_factory=list,
        description="Product codes as written, in column order: theirs, ours, a barcode",
    )
    description: str = ""
    quantity: float | None = None
    unit: str = ""
    unit_price: float | None = None
    currency: str = ""
    date: dt.date | None = Field(default=None, description="Confirmed delivery or dispatch date")

    @property
    def code(self) -> str:
        """The first product code written on the line ('' when none)."""
        return self.codes[0] if self.codes else ""


class SupplierDocument(BaseModel):
    """The lines read from one attachment or from the body, or why none could be read."""

    source: str = Field(description="The attachment's file name, or 'body'")
    kind: DocumentKind
    lines: list[DocumentLine] = Field(default_factory=list)
    currency: str = ""
    reference: str = Field(default="", description="Our PO number as the document prints it")
    language: str | None = None
    defect: str = Field(
        default="", description="Why no lines were read, e.g. a scanned PDF without text"
    )


class PoLine(BaseModel):
    """A purchase order line as Odoo had it when the document was compared."""

    model_config = ConfigDict(frozen=True)

    id: int
    product_id: int | None = None
    product: str = ""
    code: str = Field(default="", description="Our internal reference (default_code)")
    quantity: float = 0.0
    unit: str = ""
    price_unit: float = 0.0
    date_planned: dt.date | None = Field(default=None, description="Its day in our time zone")
    planned_at: str = Field(default="", description="date_planned as Odoo returned it (UTC)")


class LineMatch(BaseModel):
    """Which PO line a document line was matched to, and by what."""

    model_config = ConfigDict(frozen=True)

    document: str = Field(description="The document's source")
    position: int
    po_line_id: int | None = None
    product_id: int | None = None
    matched_by: str = Field(
        default="",
        description="supplier code, supplier product name, internal reference, "
        "barcode; '' when no product was found",
    )


class DiscrepancyKind(StrEnum):
    """What differs between the supplier's document and our purchase order."""

    MISSING_LINE = "missing_line"
    EXTRA_LINE = "extra_line"
    QUANTITY_SHORT = "quantity_short"
    QUANTITY_OVER = "quantity_over"
    PRICE_UP = "price_up"
    PRICE_DOWN = "price_down"
    DATE_LATER = "date_later"
    DATE_EARLIER = "date_earlier"
    SUBSTITUTED = "substituted"
    CURRENCY = "currency"


class Discrepancy(BaseModel):
    """One difference on one line: ours (the PO) against theirs (the document)."""

    model_config = ConfigDict(frozen=True)

    kind: DiscrepancyKind
    line: str = Field(description="The PO line (or the document line) it concerns, for people")
    po_line_id: int | None = None
    document: str = ""
    position: int | None = Field(default=None, description="The document line's number")
    product_id: int | None = None
    field: str = Field(description="product_qty, price_unit, date_planned, product_id or line")
    ours: str = ""
    theirs: str = ""
    delta: float | None = Field(default=None, description="theirs - ours (days for dates)")
    share: float | None = Field(default=None, description="delta / ours")
    within_tolerance: bool = Field(
        default=False, description="Inside the policy's tolerance for this field"
    )


class SupplierCheck(BaseModel):
    """A supplier's documents compared with one linked purchase order."""

    purchase_order_id: int
    purchase_order: str
    vendor_id: int | None = None
    currency: str = ""
    documents: list[SupplierDocument] = Field(default_factory=list)
    po_lines: list[PoLine] = Field(default_factory=list)
    matches: list[LineMatch] = Field(default_factory=list)
    discrepancies: list[Discrepancy] = Field(default_factory=list)

    @property
    def read_lines(self) -> int:
        """How many document lines were read."""
        return sum(len(d.lines) for d in self.documents)
