"""Line tables typed into a mail body: pipe tables, tab- or space-aligned columns, item lines."""

from __future__ import annotations

import re
from collections import Counter

from models import DocumentKind, SupplierDocument
from parsers.documents import layout
from parsers.documents.columns import decimal_mark, find_currency, read_date, read_number
from parsers.documents.document import build_document
from parsers.documents.table import Draft, read_table

MAX_BODY_CHARS = 200_000
MAX_BODY_LINES = 5_000
_PIPE_RULE = re.compile(r"^[\s|:+=-]*$")
_SPACED_CELL = re.compile(r"\S+(?: \S+)*")
# "40 x OLV-5L at 31.00 EUR, delivery 2025-04-07"; "- 40 ST x IB-EVO5 (Aceite 5 L) @ € 31,00".
_ITEM = re.compile(
    r"^[ \t*•·>-]*(?P<qty>\d(?:[\d.,]*\d)?)[ \t]*(?P<unit>[^\W\d_]{1,6}\.?)?[ \t]*[x×][ \t]*"
    r"(?P<code>[A-Za-z0-9][A-Za-z0-9._/-]*)(?P<rest>[^\n]*)$",
    re.MULTILINE,
)
_PRICE = re.compile(
    r"(?:^|[\s,;(])(?:at|@|à|a|zu|je|por|voor|pour|for|price|precio|preis|prijs|prix)?[ \t:]*"
    r"(?P<price>(?:[€$£][ \t]*)?\d(?:[\d.,]*\d)?(?:[ \t]*(?:EUR|USD|GBP|CHF|€|\$|£))"
    r"|(?:[€$£][ \t]*)\d(?:[\d.,]*\d)?)",
    re.IGNORECASE,
)
_AT = re.compile(r"(?:^|\s)(?:at|@|à|zu|je|por|voor|pour|for)\s", re.IGNORECASE)


def read_body(text: str) -> SupplierDocument | None:
    """The lines of a table in a mail body; None when the body holds no line table."""
    text = text[:MAX_BODY_CHARS]
    lines = text.splitlines()[:MAX_BODY_LINES]
    for reader in (_pipe_table, _tab_table, _spaced_table, _item_lines):
        found = reader(lines)
        if found is not None and found[0]:
            drafts, languages = found
            return build_document("body", DocumentKind.BODY, drafts, text, languages)
    return None


_Found = tuple[list[Draft], Counter[str]] | None


def _grid(rows: list[list[str]]) -> _Found:
    found = read_table(rows)
    return (found[1], found[0].languages) if found is not None else None


def _pipe_table(lines: list[str]) -> _Found:
    rows = [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in lines
        if line.count("|") >= 2 and not _PIPE_RULE.match(line)
    ]
    return _grid(rows) if len(rows) >= 2 else None


def _tab_table(lines: list[str]) -> _Found:
    rows = [[cell.strip() for cell in line.split("\t")] for line in lines if "\t" in line]
    return _grid(rows) if len(rows) >= 2 else None


def _spaced_table(lines: list[str]) -> _Found:
    """Columns aligned with spaces: each character is one unit of width, as in a fixed font."""
    rows = [
        [layout.Cell(m.group(), m.start(), m.end()) for m in _SPACED_CELL.finditer(line)]
        for line in lines
    ]
    found = layout.find_header_rows(rows)
    if found is None:
        return None
    index, header = found
    languages: Counter[str] = Counter()
    for row in header:
        languages.update(row.header.languages)
    return layout.read_rows(header, rows[index + len(header) :]), languages


def _item_lines(lines: list[str]) -> _Found:
    matches = [m for line in lines if (m := _ITEM.match(line)) and _is_code(m["code"])]
    prices = [p["price"] for m in matches if (p := _PRICE.search(m["rest"]))]
    decimal = decimal_mark([m["qty"] for m in matches] + prices)
    drafts = [_item(m, decimal) for m in matches]
    return drafts, Counter()


def _item(match: re.Match[str], decimal: str | None) -> Draft:
    rest = match["rest"]
    price = _PRICE.search(rest)
    at = _AT.search(rest)
    cut = min([len(rest)] + [m.start() for m in (price, at) if m is not None])
    description = rest[:cut].strip(" \t,;:-–()")
    return Draft(
        codes=[match["code"]],
        description=[description] if description else [],
        quantity=read_number(match["qty"], decimal),
        unit=(match["unit"] or "").strip(),
        price=read_number(price["price"], decimal) if price else None,
        currency=find_currency(price["price"]) if price else "",
        date=read_date(rest[price.end() :] if price else rest),
    )


def _is_code(text: str) -> bool:
    return any(c.isdigit() or c == "-" for c in text)
