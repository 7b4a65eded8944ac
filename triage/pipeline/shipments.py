"""The carrier side of the link step: tracking updates and dispatch notes read from a mail are
recorded per parcel (never moving a parcel backwards) and their latest states kept with the
message's links, where the policy and the review page read them."""

from __future__ import annotations

from dataclasses import dataclass

from models import LinkResult, LinkStatus, Message
from models.shipment import ShipmentState
from parsers.carriers import carrier_of_sender, read_shipment_events
from triage.link.sender import unauthenticated_reason
from triage.store.shipments import ShipmentStore


@dataclass(frozen=True)
class ShipmentTracking:
    """Records a mail's shipment events; replaying a mail changes nothing. A mail from a
    carrier's domain counts only when our own mail server authenticated that domain: a
    forged "delivered" would otherwise stay for good, since a parcel never moves back."""

    store: ShipmentStore
    trusted_authserv_ids: frozenset[str] = frozenset()

    def record(self, message: Message, links: LinkResult | None = None) -> list[ShipmentState]:
        """The latest state of each parcel the mail tells about, after recording its events."""
        events = read_shipment_events(message)
        if not events or self._forged(message):
            return []
        pickings = sorted(
            {
                link.record_id
                for link in (links.links if links else [])
                if link.model == "stock.picking"
                and link.status is LinkStatus.LINKED
                and link.record_id is not None
            }
        )
        self.store.record(events, picking_id=pickings[0] if len(pickings) == 1 else None)
        numbers = dict.fromkeys(e.tracking_number for e in events)
        return [state for n in numbers if (state := self.store.state(n)) is not None]

    def _forged(self, message: Message) -> bool:
        return bool(
            carrier_of_sender(message)
            and unauthenticated_reason(message, self.trusted_authserv_ids)
        )
