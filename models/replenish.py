"""Replenishment alternatives for a product a late purchase order holds up."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class SourceKind(StrEnum):
    """Where the product could come from instead."""

    STOCK = "stock"
    VENDOR = "vendor"


class Alternative(BaseModel):
    """Stock in another warehouse, or another vendor, and whether it keeps the promise."""

    model_config = ConfigDict(frozen=True)

    kind: SourceKind
    source_id: int = Field(description="stock.warehouse id, or the vendor's res.partner id")
    source: str = Field(description="Warehouse or vendor name")
    available: float | None = Field(default=None, description="On hand minus reserved (stock)")
    lead_days: int | None = Field(default=None, description="The vendor's delivery lead time")
    min_qty: float | None = None
    price: float | None = None
    currency: str = ""
    vendor_code: str = ""
    earliest: dt.date | None = Field(default=None, description="Earliest arrival by this route")
    meets_promise: bool | None = Field(default=None, description="None when no date is promised")
    covers: float = Field(default=0.0, description="How much of the need this route covers")


class HeldProduct(BaseModel):
    """A product of an impacted sale order that waits on the late purchase order."""

    model_config = ConfigDict(frozen=True)

    product_id: int
    product: str
    code: str = ""
    needed: float = Field(description="Still to deliver on the sale order")
    promised: dt.date | None = None
    alternatives: list[Alternative] = Field(default_factory=list)
    allotted: float | None = Field(
        default=None,
        description="Free stock of other warehouses set aside for this order, after the "
        "orders promised earlier took theirs (None: not shared out)",
    )

    @property
    def stock_now(self) -> float:
        """What the other warehouses could ship now for this order, up to the need."""
        if self.allotted is not None:
            return min(self.allotted, self.needed)
        found = sum(a.available or 0.0 for a in self.alternatives if a.kind is SourceKind.STOCK)
        return min(found, self.needed)
