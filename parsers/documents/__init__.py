"""Supplier order confirmations and dispatch advice: their lines, from PDF, XLSX, CSV or body.

`read_attachment` reads one attachment, `read_body` a mail body's text, `supplier_documents`
a whole raw mail. None of them raises on bad input: an unreadable document comes back with
its `defect` said (scanned, encrypted, broken, too large), never with guessed lines.
"""

from __future__ import annotations

import email
from email.message import EmailMessage

from models import DocumentKind, SupplierDocument
from parsers.documents.body import read_body
from parsers.documents.document import defective
from parsers.documents.pdf import MAX_PAGES, SCANNED, read_pdf
from parsers.documents.sheet import MAX_ROWS, read_csv, read_xlsx
from parsers.mime_policy import CACHED

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_DOCUMENTS = 20
_XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_TYPES = {
    "application/pdf": DocumentKind.PDF,
    "application/x-pdf": DocumentKind.PDF,
    _XLSX_TYPE: DocumentKind.XLSX,
    "text/csv": DocumentKind.CSV,
    "application/csv": DocumentKind.CSV,
    "text/comma-separated-values": DocumentKind.CSV,
}
_EXTENSIONS = {".pdf": DocumentKind.PDF, ".xlsx": DocumentKind.XLSX, ".csv": DocumentKind.CSV}
_READERS = {DocumentKind.PDF: read_pdf, DocumentKind.XLSX: read_xlsx, DocumentKind.CSV: read_csv}

__all__ = [
    "MAX_ATTACHMENT_BYTES",
    "MAX_PAGES",
    "MAX_ROWS",
    "SCANNED",
    "attachment_kind",
    "read_attachment",
    "read_body",
    "supplier_documents",
]


def attachment_kind(name: str, content_type: str) -> DocumentKind | None:
    """The kind of document an attachment is, by content type then file name; None if unread."""
    ctype = content_type.split(";")[0].strip().lower()
    if ctype in _TYPES:
        return _TYPES[ctype]
    lowered = name.lower().strip()
    for extension, kind in _EXTENSIONS.items():
        if lowered.endswith(extension):
            return kind
    return None


def read_attachment(name: str, content_type: str, data: bytes) -> SupplierDocument | None:
    """Read a PDF, XLSX or CSV attachment's lines; None for an attachment of another kind."""
    kind = attachment_kind(name, content_type)
    if kind is None:
        return None
    if len(data) > MAX_ATTACHMENT_BYTES:
        detail = f"attachment of {len(data)} bytes (over {MAX_ATTACHMENT_BYTES}): not read"
        return defective(name, kind, detail)
    return _READERS[kind](name, data)


def supplier_documents(raw: bytes, text: str | None = None) -> list[SupplierDocument]:
    """Every supplier document in a raw mail: its attachments we read, then the table in its
    new text (`text`, the parsed mail's, when the caller has it: else the mail is parsed)."""

    documents: list[SupplierDocument] = []
    message = email.message_from_bytes(raw, policy=CACHED)
    if isinstance(message, EmailMessage):
        for part in message.walk():
            if len(documents) >= MAX_DOCUMENTS:
                break
            document = _read_part(part)
            if document is not None:
                documents.append(document)
    if text is None:
        from parsers.message import parse_message  # deferred: it imports much more

        text = parse_message(raw).text
    body = read_body(text)
    if body is not None:
        documents.append(body)
    return _named_apart(documents)


def _named_apart(documents: list[SupplierDocument]) -> list[SupplierDocument]:
    """Each document under a name of its own: lines are keyed by (source, position)."""
    seen: dict[str, int] = {}
    named = []
    for document in documents:
        name = document.source or "attachment"
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1 or name != document.source:
            suffix = f" #{seen[name]}" if seen[name] > 1 else ""
            document = document.model_copy(update={"source": f"{name}{suffix}"})
        named.append(document)
    return named


def _read_part(part: EmailMessage) -> SupplierDocument | None:
    if part.is_multipart():
        return None
    name = part.get_filename() or ""
    if not name and part.get_content_disposition() != "attachment":
        return None
    kind = attachment_kind(name, part.get_content_type())
    if kind is None:
        return None
    try:
        data = part.get_payload(decode=True)
    except (ValueError, LookupError, AssertionError) as exc:
        return defective(name, kind, f"attachment not decodable: {exc}")
    return read_attachment(name, part.get_content_type(), data if isinstance(data, bytes) else b"")
