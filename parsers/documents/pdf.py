"""Text PDFs (pdfplumber) to supplier documents: ruled tables first, else word positions."""

from __future__ import annotations

import io
import logging
import warnings
from collections import Counter
from collections.abc import Sequence
from typing import Any

from models import DocumentKind, SupplierDocument
from parsers.documents import layout
from parsers.documents.document import build_document, defective
from parsers.documents.table import Draft, Header, find_header, read_rows

MAX_PAGES = 50
SCANNED = "scanned PDF: no text layer, not read"
_KIND = DocumentKind.PDF
# pdfminer logs every odd object it meets; a supplier's PDF is often odd and that is not news.
for _name in ("pdfminer", "pdfplumber"):
    logging.getLogger(_name).setLevel(logging.ERROR)


class _Pages:
    """What the pages taught so far: the last header seen (a later page may not repeat it)."""

    def __init__(self) -> None:
        self.table_header: Header | None = None
        self.word_header: list[layout.HeaderRow] | None = None
        self.languages: Counter[str] = Counter()
        self.drafts: list[Draft] = []


def read_pdf(name: str, data: bytes) -> SupplierDocument:
    """Read the line table of a text PDF; a scanned, encrypted or broken one is a defect."""
    try:
        with warnings.catch_warnings():
            # pdfminer and cryptography warn about old ciphers and odd objects: not our news.
            warnings.simplefilter("ignore")
            return _read(name, data)
    except Exception as exc:  # pdfminer raises anything on a broken file: report, not crash
        return defective(name, _KIND, _failure(exc))


def _read(name: str, data: bytes) -> SupplierDocument:
    import pdfplumber  # deferred: only mail with a PDF pays for the import

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        if len(pdf.pages) > MAX_PAGES:
            return defective(name, _KIND, f"PDF of {len(pdf.pages)} pages (over {MAX_PAGES})")
        if not any(page.chars for page in pdf.pages):
            has_images = any(page.images for page in pdf.pages)
            return defective(name, _KIND, SCANNED if has_images else "PDF without text: not read")
        seen = _Pages()
        texts = []
        for page in pdf.pages:
            texts.append(page.extract_text() or "")
            _read_page(page, seen)
            page.close()
    return build_document(name, _KIND, seen.drafts, "\n".join(texts), seen.languages)


def _read_page(page: Any, seen: _Pages) -> None:
    """Add the page's lines: from its ruled tables where they hold one, else from its words."""
    for table in page.extract_tables():
        rows = [[" ".join((cell or "").split()) for cell in row] for row in table]
        if _read_table(rows, seen):
            return
    text_rows = layout.text_rows(page.extract_words(extra_attrs=["size"]))
    found = layout.find_header_rows(text_rows)
    if found is not None:
        index, header = found
        seen.word_header = header
        for row in header:
            seen.languages.update(row.header.languages)
        seen.drafts.extend(layout.read_rows(header, text_rows[index + len(header) :]))
    elif seen.word_header is not None:
        seen.drafts.extend(layout.read_rows(seen.word_header, text_rows))


def _read_table(rows: Sequence[Sequence[str]], seen: _Pages) -> bool:
    """Read a ruled table; one without a header continues the last one, if as wide."""
    found = find_header(rows)
    if found is not None:
        index, header = found
        seen.table_header = header
        seen.languages.update(header.languages)
        seen.drafts.extend(read_rows(header, rows[index + 1 :]))
        return True
    last = seen.table_header
    if last is not None and rows and len(rows[0]) == len(last.roles):
        seen.drafts.extend(read_rows(last, rows))
        return True
    return False


def _failure(exc: BaseException) -> str:
    """Say why a PDF could not be read, in words a buyer understands."""
    names = {type(e).__name__ for e in (exc, exc.__cause__, exc.__context__) if e is not None}
    text = " ".join(str(e) for e in (exc, exc.__cause__) if e is not None)
    if any("Password" in n or "Encrypt" in n for n in names) or "password" in text.lower():
        return "encrypted PDF: a password is needed, not read"
    detail = f"{type(exc).__name__}: {str(exc).strip()[:200]}".rstrip(": ")
    return f"broken PDF: {detail}"
