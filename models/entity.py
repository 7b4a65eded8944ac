"""Entities found in a message: document references, tracking numbers, dates, amounts."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class EntityKind(StrEnum):
    """What an entity refers to."""

    SALE_ORDER = "sale_order"
    PURCHASE_ORDER = "purchase_order"
    CUSTOMER_INVOICE = "customer_invoice"
    VENDOR_BILL = "vendor_bill"
    CREDIT_NOTE = "credit_note"
    PICKING_OUT = "picking_out"
    PICKING_IN = "picking_in"
    CUSTOMER_PO = "customer_po"
    TRACKING_NUMBER = "tracking_number"
    DATE = "date"
    ETA = "eta"
    AMOUNT = "amount"
    PRODUCT_CODE = "product_code"
    PRODUCT_NAME = "product_name"
    QUANTITY = "quantity"


class TextField(StrEnum):
    """The part of a message an entity span points into."""

    SUBJECT = "subject"
    TEXT = "text"
    QUOTED = "quoted"


class Entity(BaseModel):
    """One thing found in the text, with where it was found and how sure we are."""

    model_config = ConfigDict(frozen=True)

    kind: EntityKind
    raw: str = Field(description="The text exactly as it appears in the message")
    value: str = Field(description="Normalised value, e.g. 'S00042', '2025-03-12', '1250.00 EUR'")
    field: TextField = TextField.TEXT
    start: int = Field(ge=0, description="Start offset of the span in `field`")
    end: int = Field(ge=0, description="End offset (exclusive) of the span in `field`")
    confidence: float = Field(ge=0.0, le=1.0)
    extra: dict[str, Any] = Field(
        default_factory=dict, description="Kind-specific details, e.g. carrier, currency"
    )
