"""The supplier side of the link step: a confirmation's or dispatch advice's documents are
read from the stored mail, the PO numbers they print are linked like the mail's own, and
their lines are compared with each linked purchase order under the policy's tolerances."""

from __future__ import annotations

from dataclasses import dataclass

from models import (
    Entity,
    EntityKind,
    LinkResult,
    LinkStatus,
    Message,
    Signal,
    SupplierDocument,
    TextField,
)
from parsers.documents import supplier_documents
from triage.errors import OdooAccessError, OdooInvalidCall, OdooMissingError, OdooUserError
from triage.policy.loader import PolicyHolder
from triage.supplier.check import SupplierChecker
from triage.supplier.compare import Tolerances

SUPPLIER_INTENTS = frozenset({"supplier_confirmation", "supplier_shipment"})
SKIPPABLE = (OdooAccessError, OdooInvalidCall, OdooMissingError, OdooUserError)


def wants_documents(signal: Signal) -> bool:
    """Whether the mail is (or also is) a supplier's confirmation or dispatch advice."""
    return any(
        score.intent in SUPPLIER_INTENTS and (number == 0 or score.routed)
        for number, score in enumerate(signal.intents)
    )


def with_document_references(message: Message, documents: list[SupplierDocument]) -> Message:
    """The message with the PO numbers its documents print, for the linker to validate
    against the sender like any reference in the text."""
    known = {(e.kind, e.value) for e in message.entities}
    added = [
        Entity(
            kind=EntityKind.PURCHASE_ORDER,
            raw=doc.reference,
            value=doc.reference,
            field=TextField.TEXT,
            start=0,
            end=0,
            confidence=0.9,
            extra={"document": doc.source},
        )
        for doc in documents
        if doc.reference and (EntityKind.PURCHASE_ORDER, doc.reference) not in known
    ]
    unique = list({e.value: e for e in added}.values())
    return (
        message.model_copy(update={"entities": [*message.entities, *unique]}) if unique else message
    )


@dataclass(frozen=True)
class SupplierReading:
    """Reads a supplier mail's documents and compares them with the linked purchase orders."""

    checker: SupplierChecker
    policy: PolicyHolder

    def documents(self, message: Message, raw: bytes | None) -> list[SupplierDocument]:
        """The documents of a stored supplier mail (the caller asks `wants_documents` first)."""
        return supplier_documents(raw, message.text) if raw is not None else []

    def compare(self, result: LinkResult, documents: list[SupplierDocument]) -> None:
        """A supplier check for each linked purchase order its documents are about, on the
        link result; a document about another order, or about one of several, is not compared."""
        if not documents:
            return
        rules = self.policy.current().supplier
        tolerances = Tolerances(
            quantity_share=rules.quantity_share,
            price_share=rules.price_share,
            date_days=rules.date_days,
        )
        orders = {
            link.record_id: link.display_name
            for link in result.links
            if link.model == "purchase.order"
            and link.status is LinkStatus.LINKED
            and link.record_id is not None
        }
        compared: set[str] = set()
        for po_id, name in sorted(orders.items()):
            mine = [d for d in documents if _about(d, name, len(orders))]
            if not mine:
                continue
            compared.update(d.source for d in mine)
            try:
                result.supplier_checks.append(self.checker.check(po_id, mine, tolerances))
            except SKIPPABLE as exc:  # a refusal asking again will not change
                result.skipped.append(f"{name} not compared with its documents: {exc.message}")
        for document in documents:
            if document.source not in compared:
                about = document.reference or "no order number"
                result.skipped.append(
                    f"{document.source} ({about}) not compared: it is about none of the "
                    f"{len(orders)} linked purchase order(s)"
                )


def _about(document: SupplierDocument, po_name: str, linked: int) -> bool:
    """Whether a document is about this PO: it prints its number, or prints none while this
    is the only PO the mail links."""
    if document.reference:
        # Odoo shows a PO with the supplier's reference: "P00021 (IB-SO-88231)".
        number = po_name.split(" (", 1)[0].strip()
        return document.reference.strip().upper() == number.upper()
    return linked == 1
