"""Links from a message to Odoo records, with how each was found and whether it holds."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from models.replenish import HeldProduct
from models.shipment import ShipmentState
from models.supplier import SupplierCheck


class LinkStatus(StrEnum):
    """Whether a link may be used."""

    LINKED = "linked"
    CANDIDATE = "candidate"
    REJECTED = "rejected"
    NOT_FOUND = "not_found"


class Link(BaseModel):
    """One Odoo record a message concerns (or was checked against)."""

    model: str
    record_id: int | None = None
    display_name: str = ""
    found_by: str = Field(description="e.g. 'sender email', 'sale_order S00042 by name'")
    status: LinkStatus = LinkStatus.LINKED
    reason: str = ""
    extra: dict[str, Any] = Field(default_factory=dict)


class ImpactedOrder(BaseModel):
    """A sale order that waits on a late purchase order."""

    sale_order_id: int
    name: str
    customer: str = ""
    customer_id: int | None = None
    salesperson: str = ""
    salesperson_id: int | None = None
    commitment_date: date | None = None
    new_eta: date | None = None
    at_risk: bool | None = Field(default=None, description="None when a date is unknown")
    found_by: str = ""
    held: list[HeldProduct] = Field(
        default_factory=list, description="Its products the late order holds up, with alternatives"
    )


class LinkResult(BaseModel):
    """Everything the linker found for one message."""

    partner: Link | None = None
    role: str | None = Field(default=None, description="customer | supplier | internal")
    links: list[Link] = Field(default_factory=list)
    candidates: list[Link] = Field(default_factory=list)
    impacted: list[ImpactedOrder] = Field(default_factory=list)
    needs_review: bool = False
    review_reasons: list[str] = Field(default_factory=list)
    sender_not_staff: str = Field(
        default="",
        description="Why a staff user's address was treated as an outside sender ('' if not)",
    )
    skipped: list[str] = Field(
        default_factory=list,
        description="Lookups not made and why (a module not installed, a field Odoo refused)",
    )
    shipments: list[ShipmentState] = Field(
        default_factory=list,
        description="The latest state of each parcel the mail reports on (carrier or supplier)",
    )
    supplier_checks: list[SupplierCheck] = Field(
        default_factory=list,
        description="A supplier's confirmation or dispatch advice compared with each linked PO",
    )
