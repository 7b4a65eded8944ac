"""The linker: the sender's partner, each quoted reference validated against the sender,
candidate orders when nothing is quoted, and a supplier delay fanned out to sale orders.

Read-only: it never writes to Odoo. A reference that belongs to another customer is a red
flag, not a match: no link, and the message needs a person. A sender is staff only as an
internal user (share = False) whose mail our own server authenticated; anyone else is an
outside sender whose references must belong to its partner. A lookup Odoo cannot answer (a
module not installed, an invalid field) is skipped with its reason; the rest still links.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from models import (
    Entity,
    EntityKind,
    Link,
    LinkResult,
    LinkStatus,
    Message,
    OdooCapabilities,
    Signal,
)
from parsers.carriers import carrier_of_sender
from triage.errors import OdooInvalidCall, OdooValidationError
from triage.link.fanout import impacted_orders, zone
from triage.link.port import CapabilitySource, ErpReader, m2o_id
from triage.link.references import DETAILS, LOOKUPS, Lookup, any_of
from triage.link.replenish import Replenishment
from triage.link.sender import escape_like, unauthenticated_reason

PARTNER_FIELDS = ["id", "name", "email", "commercial_partner_id", "customer_rank", "supplier_rank"]
CANDIDATE_LIMIT = 5


@dataclass
class _Sender:
    partner: dict[str, Any] | None = None
    commercial_id: int | None = None
    internal: bool = False
    found_by: str = ""
    candidates: list[dict[str, Any]] = field(default_factory=list)
    not_staff: str = ""  # a staff address whose mail was not authenticated: why
    carrier: str = ""  # a carrier whose own, authenticated domain sent the mail


@dataclass(frozen=True)
class Linker:
    """Links messages to Odoo through a read-only ERP port."""

    erp: ErpReader
    free_mail_domains: frozenset[str]
    trusted_authserv_ids: frozenset[str] = frozenset()
    capabilities: CapabilitySource | None = None
    # The day replenishment alternatives count from; unset: today in the Odoo user's zone,
    # the zone the promised dates are read in.
    today: Callable[[], date] | None = None
    transfer_days: int = 1  # a transfer between two of our warehouses

    def link(self, message: Message, signal: Signal | None = None) -> LinkResult:
        """Everything the message concerns in Odoo, each link with how it was found."""
        result = LinkResult()
        caps = self.capabilities.capabilities() if self.capabilities else OdooCapabilities()
        sender = self._sender(message)
        self._record_sender(result, sender)
        for entity in _references(message):
            self._link_reference(result, entity, sender, caps)
        if not any(link.status is LinkStatus.LINKED for link in result.links):
            result.candidates = self._open_orders(sender, result.role)
        if signal is not None and signal.intent == "supplier_delay":
            today = self.today() if self.today else datetime.now(zone(caps.tz)).date()
            plan = Replenishment(today, self.transfer_days)
            result.impacted, skipped = impacted_orders(self.erp, result.links, message, caps, plan)
            result.skipped.extend(f"replenishment: {why}" for why in skipped)
        return result

    def _sender(self, message: Message) -> _Sender:
        email = message.from_.email if message.from_ else ""
        if not email:
            return _Sender()
        not_staff = ""
        if self._staff_user(email):
            not_staff = unauthenticated_reason(message, self.trusted_authserv_ids)
            if not not_staff:
                return _Sender(internal=True, found_by="internal user, authenticated")
        sender = self._partner_sender(email)
        sender.not_staff = not_staff
        carrier = carrier_of_sender(message)
        if carrier and not unauthenticated_reason(message, self.trusted_authserv_ids):
            sender.carrier = carrier
        return sender

    def _staff_user(self, email: str) -> bool:
        """An active internal user (share = False; portal users are shared) with this login."""
        domain = [["login", "=ilike", escape_like(email)], ["share", "=", False]]
        return bool(self.erp.search_read("res.users", domain, ["id"], limit=1))

    def _partner_sender(self, email: str) -> _Sender:
        exact = self.erp.search_read(
            "res.partner", [["email", "=ilike", escape_like(email)]], PARTNER_FIELDS
        )
        if exact:
            return _Sender(
                exact[0], m2o_id(exact[0]["commercial_partner_id"]), found_by="sender email"
            )
        domain = email.rpartition("@")[2].lower()
        if not domain or domain in self.free_mail_domains:
            return _Sender()
        same = self.erp.search_read(
            "res.partner", [["email", "=ilike", f"%@{escape_like(domain)}"]], PARTNER_FIELDS
        )
        companies = {m2o_id(p["commercial_partner_id"]) for p in same} - {None}
        if len(companies) == 1:
            company_id = companies.pop()
            company = self.erp.read("res.partner", [company_id], PARTNER_FIELDS)  # type: ignore[list-item]
            return _Sender(
                company[0] if company else None, company_id, found_by=f"sender domain {domain}"
            )
        return _Sender(candidates=same)

    def _record_sender(self, result: LinkResult, sender: _Sender) -> None:
        result.sender_not_staff = sender.not_staff
        if sender.internal:
            result.role = "internal"
            return
        if sender.partner is None:
            if sender.candidates:
                result.review_reasons.append("several companies share the sender's domain")
                result.needs_review = True
            return
        partner = sender.partner
        company = self._company(sender)
        result.partner = Link(
            model="res.partner",
            record_id=partner["id"],
            display_name=partner["name"],
            found_by=sender.found_by,
        )
        supplier = company.get("supplier_rank", 0) > company.get("customer_rank", 0)
        result.role = "supplier" if supplier else "customer"

    def _company(self, sender: _Sender) -> dict[str, Any]:
        """The sender's commercial partner: customer and supplier ranks live there."""
        partner = sender.partner or {}
        if sender.commercial_id is None or sender.commercial_id == partner.get("id"):
            return partner
        rows = self.erp.read("res.partner", [sender.commercial_id], PARTNER_FIELDS)
        return rows[0] if rows else partner

    def _link_reference(
        self, result: LinkResult, entity: Entity, sender: _Sender, caps: OdooCapabilities
    ) -> None:
        skipped = 0
        for lookup in LOOKUPS[entity.kind]:
            try:
                found = self._lookup(lookup, entity, caps)
            except (OdooInvalidCall, OdooValidationError) as exc:
                # Permanent: the same call fails again, so skip it rather than fail the mail.
                found = f"{lookup.model} not searched by {', '.join(lookup.fields)}: {exc.message}"
            if isinstance(found, str):
                result.skipped.append(f"{_how(entity)}: {found}")
                skipped += 1
                continue
            if found:
                result.links.append(
                    self._validated(found[0], lookup.model, lookup.partner_field, entity, sender)
                )
                if result.links[-1].status is not LinkStatus.LINKED:
                    result.needs_review = True
                    result.review_reasons.append(result.links[-1].reason)
                return
        if skipped < len(LOOKUPS[entity.kind]) and entity.kind.value not in (
            "customer_po",
            "tracking_number",
        ):
            result.links.append(
                Link(
                    model=LOOKUPS[entity.kind][0].model,
                    found_by=_how(entity),
                    status=LinkStatus.NOT_FOUND,
                    reason=f"{entity.value} not found in Odoo",
                )
            )

    def _lookup(
        self, lookup: Lookup, entity: Entity, caps: OdooCapabilities
    ) -> list[dict[str, Any]] | str:
        """The records found, or why the lookup cannot run on this Odoo."""
        why = caps.unavailable(lookup.model, lookup.fields)
        if why:
            return why
        details = DETAILS.get(lookup.model, ())
        wanted = ["id", "display_name", lookup.partner_field, *lookup.fields, *details]
        fields = caps.present(lookup.model, wanted)
        domain = any_of(lookup.fields, entity.value)
        return self.erp.search_read(lookup.model, domain, fields, limit=2)

    def _validated(
        self,
        record: dict[str, Any],
        model: str,
        partner_field: str,
        entity: Entity,
        sender: _Sender,
    ) -> Link:
        extra = {
            name: m2o_id(record[name]) if name == "user_id" else record[name]
            for name in DETAILS.get(model, ())
            if name in record
        }
        link = Link(
            model=model,
            record_id=record["id"],
            display_name=str(record.get("display_name", "")),
            found_by=_how(entity),
            extra=extra,
        )
        if sender.internal:
            return link
        if sender.carrier and entity.kind is EntityKind.TRACKING_NUMBER:
            # The carrier writes about our parcel to our customer: the parcel is ours to know.
            return link.model_copy(update={"found_by": f"{link.found_by} from {sender.carrier}"})
        owner = self._commercial_of(m2o_id(record.get(partner_field)))
        if sender.commercial_id is not None and owner == sender.commercial_id:
            return link
        who = "an unknown sender" if sender.commercial_id is None else "the sender's company"
        reason = f"{entity.value} belongs to another partner than {who}: not linked"
        return link.model_copy(update={"status": LinkStatus.REJECTED, "reason": reason})

    def _commercial_of(self, partner_id: int | None) -> int | None:
        if partner_id is None:
            return None
        rows = self.erp.read("res.partner", [partner_id], ["commercial_partner_id"])
        return m2o_id(rows[0]["commercial_partner_id"]) if rows else None

    def _open_orders(self, sender: _Sender, role: str | None) -> list[Link]:
        if sender.commercial_id is None:
            return []
        model, states = (
            # A confirmed PO is `done` when the company locks confirmed orders (po_lock).
            ("purchase.order", ["purchase", "done"])
            if role == "supplier"
            else ("sale.order", ["sale"])
        )
        domain = [["partner_id", "child_of", sender.commercial_id], ["state", "in", states]]
        rows = self.erp.search_read(
            model, domain, ["id", "display_name"], limit=CANDIDATE_LIMIT, order="id desc"
        )
        return [
            Link(
                model=model,
                record_id=r["id"],
                display_name=str(r["display_name"]),
                found_by="open order of the sender",
                status=LinkStatus.CANDIDATE,
            )
            for r in rows
        ]


def _references(message: Message) -> list[Entity]:
    """Distinct linkable references, the new text's first."""
    seen: set[tuple[str, str]] = set()
    ordered = sorted(message.entities, key=lambda e: e.field == "quoted")
    unique = []
    for entity in ordered:
        if entity.kind in LOOKUPS and (entity.kind.value, entity.value) not in seen:
            seen.add((entity.kind.value, entity.value))
            unique.append(entity)
    return unique


def _how(entity: Entity) -> str:
    return f"{entity.kind.value} {entity.value} in the {entity.field}"
