"""Carrier and shipment events, and the latest known state of a parcel and of a picking.

A parcel's milestones have an order (`ShipmentStatus.rank`); its state only ever moves
forward. An exception (damaged, returned to sender, ...) is recorded as an event and flags the
state without moving the milestone back. Which exceptions a later delivery resolves is decided
here (`ExceptionKind.resolved_by_delivery`), so that every reader agrees.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class ShipmentStatus(StrEnum):
    """A parcel's milestones, in the order a parcel reaches them; `returned` ends it."""

    INFO_RECEIVED = "info_received"
    DISPATCHED = "dispatched"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    RETURNED = "returned"

    @property
    def rank(self) -> int:
        """Position in the order: a state only moves to a higher rank (or a later time)."""
        return _RANKS[self]


_RANKS = {status: (index + 1) * 10 for index, status in enumerate(ShipmentStatus)}


class ExceptionKind(StrEnum):
    """What went wrong with a parcel."""

    DAMAGED = "damaged"
    RETURNED_TO_SENDER = "returned_to_sender"
    ADDRESS_PROBLEM = "address_problem"
    DELAYED = "delayed"
    OTHER = "other"

    @property
    def resolved_by_delivery(self) -> bool:
        """Whether a later delivery clears it: a delay or an address problem, yes; damage
        (a claim is still to be made), a return and an unknown problem stay flagged."""
        return self in (ExceptionKind.DELAYED, ExceptionKind.ADDRESS_PROBLEM)


class ShipmentEvent(BaseModel):
    """One thing a carrier or a supplier said about one parcel, at one time."""

    model_config = ConfigDict(frozen=True)

    carrier: str = Field(description="Lower-case: dhl, ups, postnl, dpd, gls, fedex, ...")
    tracking_number: str = Field(min_length=1, max_length=64)
    status: ShipmentStatus | None = Field(
        default=None, description="The milestone reached; None when only an exception is told"
    )
    exception: ExceptionKind | None = None
    occurred_at: AwareDatetime = Field(
        description="When it happened: the mail's own text, else its Date header"
    )
    location: str = ""
    detail: str = Field(default="", description="The sentence that told it, as written")
    source: str = Field(description="Where it was read: the stored message's id")

    @property
    def rank(self) -> int:
        """The milestone's rank, 0 for an exception that names none."""
        return self.status.rank if self.status else 0


class ShipmentState(BaseModel):
    """The latest known state of one parcel."""

    tracking_number: str
    carrier: str
    status: ShipmentStatus | None = None
    occurred_at: datetime | None = Field(default=None, description="When the milestone happened")
    location: str = ""
    source: str = Field(default="", description="The message that told the milestone")
    exception: ExceptionKind | None = Field(default=None, description="The latest exception")
    exception_at: datetime | None = None
    exception_detail: str = ""
    picking_id: int | None = None
    updated_at: datetime | None = None

    @property
    def open_exception(self) -> ExceptionKind | None:
        """The latest exception unless a later delivery resolved it."""
        if self.exception is None:
            return None
        resolved = (
            self.exception.resolved_by_delivery
            and self.status is ShipmentStatus.DELIVERED
            and self.occurred_at is not None
            and self.exception_at is not None
            and self.occurred_at > self.exception_at
        )
        return None if resolved else self.exception


class ShipmentChange(BaseModel):
    """How one event changed its parcel's state."""

    event: ShipmentEvent
    created: bool = Field(default=False, description="The first event of this parcel")
    advanced: bool = Field(default=False, description="The milestone moved forward")
    flagged: bool = Field(default=False, description="It is now the parcel's latest exception")
    state: ShipmentState


class RecordResult(BaseModel):
    """What recording a batch of events did."""

    added: int = Field(default=0, description="Events stored (duplicates are not)")
    duplicates: int = 0
    changes: list[ShipmentChange] = Field(
        default_factory=list, description="New events that created, advanced or flagged a state"
    )

    @property
    def changed(self) -> bool:
        """Whether any parcel's state changed."""
        return bool(self.changes)


class PickingShipment(BaseModel):
    """A picking's parcels: it is as far as its least advanced parcel."""

    picking_id: int
    status: ShipmentStatus | None = Field(
        description="The least advanced parcel's milestone (None while one has none)"
    )
    exceptions: dict[str, ExceptionKind] = Field(
        default_factory=dict, description="Open exceptions by tracking number"
    )
    parcels: list[ShipmentState] = Field(default_factory=list)
