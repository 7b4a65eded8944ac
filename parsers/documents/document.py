"""What a supplier document says around its lines: our PO number, currency, language, date."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from datetime import date

from models import DocumentKind, SupplierDocument
from parsers.documents.columns import CURRENCY_CODES, find_currency, read_date
from parsers.documents.table import Draft

_LABEL = (
    r"your\s+(?:order|po|p\.o\.|purchase\s+order|ref(?:erence)?)|customer\s+(?:po|order)"
    r"|purchase\s+order|p\.?\s?o\.?(?=\s*(?:no|nr|number|#|:))"
    r"|su\s+(?:pedido|referencia|ref\.?|orden\s+de\s+compra)|pedido\s+(?:cliente|de\s+compra)"
    r"|ihre\s+(?:bestellung|bestellnummer|bestell-nr\.?|zeichen)"
    r"|uw\s+(?:bestelling|referentie|ordernummer|bestelnummer)"
    r"|votre\s+(?:commande|r[ée]f[ée]rence|r[ée]f\.?|bon\s+de\s+commande)"
)
# "Your order / Su pedido: P00021", "Your PO no. P00021", "Ihre Bestellung Nr. 4711".
_REFERENCE = re.compile(
    rf"\b(?:{_LABEL})(?:[ \t]*/[ \t]*(?:{_LABEL}))?\.?[ \t]*"
    r"(?:no\.?|nr\.?|n[º°o]\.?|number|#)?[ \t]*[:#.]?[ \t]*"
    r"(?P<ref>[A-Z0-9][A-Z0-9/_.-]{0,30}\d[A-Z0-9/_-]*)",
    re.IGNORECASE,
)
_ODOO_PO = re.compile(r"\bP\d{5,}\b")
_CURRENCY_LABEL = re.compile(
    r"\b(?:currency|moneda|divisa|w[äa]hrung|valuta|devise)[ \t]*:[ \t]*(?P<c>[A-Z]{3}|[€$£])",
    re.IGNORECASE,
)
_DATE_LABEL = re.compile(
    r"\b(?:delivery\s+date|confirmed\s+delivery|fecha\s+de\s+entrega|liefertermin|lieferdatum"
    r"|leverdatum|date\s+de\s+livraison)[ \t]*:[ \t]*(?P<d>[^\n]{6,30})",
    re.IGNORECASE,
)


def find_reference(text: str) -> str:
    """Our PO number as the document prints it: after 'Your order', else an Odoo PO name."""
    match = _REFERENCE.search(text)
    if match is not None:
        return match["ref"].rstrip(".-/")
    odoo = _ODOO_PO.search(text)
    return odoo.group() if odoo else ""


def document_currency(text: str) -> str:
    """The currency the document states ('Currency: EUR'), else the first one it prints."""
    match = _CURRENCY_LABEL.search(text)
    if match is not None:
        return find_currency(match["c"])
    found = find_currency(text)
    return found if found in CURRENCY_CODES else ""


def document_date(text: str) -> date | None:
    """A delivery date printed once for the whole document ('Delivery date: 7 April 2025')."""
    match = _DATE_LABEL.search(text)
    return read_date(match["d"]) if match else None


def document_language(votes: Counter[str]) -> str | None:
    """The language whose words the header used most ('en' on a tie with it)."""
    if not votes:
        return None
    best = max(votes.values())
    for language in ("en", "es", "de", "nl", "fr"):
        if votes[language] == best:
            return language
    return None


def build_document(
    source: str,
    kind: DocumentKind,
    drafts: Sequence[Draft],
    text: str,
    languages: Counter[str],
) -> SupplierDocument:
    """A `SupplierDocument` from the drafts and the text around them (title, footer)."""
    currency = document_currency(text) or next((d.currency for d in drafts if d.currency), "")
    default_date = document_date(text)
    lines = [d.line(i, currency, default_date) for i, d in enumerate(drafts, start=1)]
    return SupplierDocument(
        source=source,
        kind=kind,
        lines=lines,
        currency=currency or next((ln.currency for ln in lines if ln.currency), ""),
        reference=find_reference(text),
        language=document_language(languages),
        defect="" if lines else "no line table found",
    )


def defective(source: str, kind: DocumentKind, defect: str) -> SupplierDocument:
    """A document that could not be read, and why."""
    return SupplierDocument(source=source, kind=kind, defect=defect)
