"""Extract entities from message text: Odoo references, customer POs, tracking, dates, amounts."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field, field_validator

from models import Entity, EntityKind, TextField
from parsers.dates import find_dates, fold_case, word_alternation
from parsers.tracking import find_tracking_numbers

__all__ = ["EntityPatterns", "extract_entities", "parse_amount"]

_ODOO_KINDS: tuple[EntityKind, ...] = (
    EntityKind.SALE_ORDER,
    EntityKind.PURCHASE_ORDER,
    EntityKind.CUSTOMER_INVOICE,
    EntityKind.VENDOR_BILL,
    EntityKind.CREDIT_NOTE,
    EntityKind.PICKING_OUT,
    EntityKind.PICKING_IN,
)


class EntityPatterns(BaseModel):
    """Regexes (compiled with re.ASCII) for one Odoo database's references, plus scan limits."""

    model_config = ConfigDict(frozen=True)

    sale_order: str = r"\bS\d{5,}\b"
    purchase_order: str = r"\bP\d{5,}\b"
    # Odoo 17/18 number invoices yearly (INV/2025/00012); monthly journals add a month part.
    customer_invoice: str = r"\bINV/\d{4}/(?:\d{2}/)?\d{4,}\b"
    vendor_bill: str = r"\bBILL/\d{4}/(?:\d{2}/)?\d{4,}\b"
    credit_note: str = r"\bR(?:INV|BILL)/\d{4}/(?:\d{2}/)?\d{4,}\b"
    picking_out: str = r"\b[A-Z0-9]{1,5}/OUT/\d{4,}\b"
    picking_in: str = r"\b[A-Z0-9]{1,5}/IN/\d{4,}\b"
    product_code: str | None = None
    ignore_case: bool = False
    max_chars: int = Field(default=100_000, ge=0, description="Only this much text is scanned")

    @field_validator(
        "sale_order",
        "purchase_order",
        "customer_invoice",
        "vendor_bill",
        "credit_note",
        "picking_out",
        "picking_in",
        "product_code",
    )
    @classmethod
    def _must_compile(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"invalid regular expression {value!r}: {exc}") from exc
        return value


_DEFAULT_PATTERNS = EntityPatterns()

_PRIORITY: dict[EntityKind, int] = {
    **dict.fromkeys(_ODOO_KINDS, 0),
    EntityKind.CUSTOMER_PO: 1,
    EntityKind.TRACKING_NUMBER: 2,
    EntityKind.PRODUCT_CODE: 3,
    EntityKind.AMOUNT: 4,
    EntityKind.ETA: 5,
    EntityKind.DATE: 5,
}

_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"'\]]+", re.IGNORECASE)
_EMAIL_DOMAIN = re.compile(r"@[\w-]+(?:\.[\w-]+)+")
_EMAIL_LOCAL = re.compile(r"[\w.+-]{1,64}\Z")
# "S00042.pdf" is a reference; "p351355.pool.example" and "p222200-ip2" are host names.
_GLUED_AFTER = re.compile(r"-[A-Za-z0-9]|\.[A-Za-z0-9-]+\.[A-Za-z]")
_GLUED_BEFORE = re.compile(r"[A-Za-z0-9][.-]\Z")

# Customer PO intros, lower-case: the regex runs on fold_case(text).
_PO_INTRO = (
    r"(?:(?:our|your|customer|cust\.?|client)[ \t]{1,3})?"
    r"(?:(?P<po>p\.?[ \t]?o\b\.?)|purchase[ \t-]{1,3}order)"
    r"(?:[ \t]{0,3}(?:\#|no\b\.?|nr\b\.?|number\b|num\b\.?|n[°º]|ref(?:erence)?\b\.?))?"
    r"|bestell(?:ung)?[ \t-]{0,3}(?:nummer|nr\b\.?|no\b\.?)"
    r"|(?:unsere?|ihre?|meine)[ \t]{1,3}bestellung(?:[ \t]{1,3}(?:nr\b\.?|nummer|no\b\.?))?"
    r"|bon[ \t]{1,3}de[ \t]{1,3}commande(?:[ \t]{0,3}(?:n[°º]|no\b\.?|num(?:éro)?\b\.?))?"
    r"|(?:notre[ \t]{1,3})?commande[ \t]{1,3}(?:n[°º]|no\b\.?|num(?:éro)?\b\.?)"
    r"|numéro[ \t]{1,3}de[ \t]{1,3}commande"
    r"|(?:inkoop(?:order)?|order|bestel)(?:nummer|nr\b\.?)"
    r"|inkooporder(?:[ \t]{1,3}(?:nr\b\.?|nummer))?"
    r"|(?:n[úu]mero[ \t]{1,3}de[ \t]{1,3})?pedido(?:[ \t]{0,3}(?:n[°ºo]\b\.?|núm\b\.?|número))?"
    r"|orden[ \t]{1,3}de[ \t]{1,3}compra(?:[ \t]{0,3}n[°ºo]\b\.?)?"
)
# The look-ahead on the first words lets `re` skip most positions cheaply.
_PO_FIRST_WORDS = (
    "our your customer cust client po p.o p o purchase bestel unser ihr mein bon notre "
    "commande numéro numero número inkoop order pedido orden"
).split()
_CUSTOMER_PO = re.compile(
    rf"\b(?={word_alternation(_PO_FIRST_WORDS)})(?:{_PO_INTRO})[ \t]{{0,3}}[:#.]?[ \t]{{0,3}}"
    r"(?:\#[ \t]?)?(?P<v>[a-z0-9](?:[a-z0-9/_.-]{0,30}[a-z0-9])?)(?![\w/-])"
)
# Every _PO_INTRO alternative holds _PO_ABBREVIATION or one of _PO_WORDS: keep them in step.
_PO_ABBREVIATION = re.compile(r"p\.?[ \t]?o\b")
_PO_WORDS = ("purchase", "bestel", "commande", "inkoop", "orde", "pedido")

_CURRENCY_CODES = (
    "EUR USD GBP CHF JPY CNY CAD AUD NZD SEK NOK DKK PLN CZK HUF RON BGN TRY INR HKD SGD "
    "ZAR MXN BRL AED"
).split()
_CURRENCY_SYMBOLS = {
    "€": "EUR", "$": "USD", "£": "GBP", "¥": "JPY", "US$": "USD", "CA$": "CAD", "C$": "CAD",
    "A$": "AUD", "AU$": "AUD", "NZ$": "NZD", "HK$": "HKD", "S$": "SGD", "SFR.": "CHF",
}  # fmt: skip


def _currency(name: str) -> str:
    return (
        rf"(?P<{name}>[$€£¥]|\b(?:{'|'.join(_CURRENCY_CODES)})\b|\b(?:US|CA|AU|NZ|HK|[CAS])\$"
        r"|\bSFr\.|\b(?:[Ee]uros?|EURO)\b)"
    )


def _number(name: str, group: str) -> str:
    return (
        rf"(?P<{name}>\d{{1,3}}(?P<{group}>[,.'’ \u00a0\u202f])\d{{3}}(?:(?P={group})\d{{3}})*"
        r"(?:[.,](?:\d{1,2}|[-–]))?|\d+(?:[.,](?:\d{1,2}|[-–]))?)"
    )


# One pass for both orders; the look-ahead lets `re` skip positions that start neither.
# "£97m" is not 97 pounds, and in "$32 $24" the "$" before 24 is not the currency of 32.
_AMOUNT = re.compile(
    rf"(?=[A-Z$€£¥e\d])(?:{_currency('cur')}[ \u00a0]?{_number('num', 'g')}"
    r"(?!\d|[.,']\d|[A-Za-z])"
    rf"|(?=\d)(?<![\w.,'’]){_number('num2', 'g2')}[ \u00a0]?{_currency('cur2')}"
    r"(?:(?<=[$€£¥])(?![ \u00a0]?\d)|(?<![$€£¥])))",
    re.ASCII,
)
# Every amount names its currency with one of these or "euro", which is tested apart: its
# lower-case "e" would stop `re` at every "e". Most mails name no currency.
_CURRENCY_HINT = re.compile(
    "|".join(map(re.escape, [*_CURRENCY_CODES, "$", "€", "£", "¥", "SFr.", "Euro", "EURO"]))
)
_CENTS = Decimal("0.01")


@lru_cache(maxsize=64)
def _compiled(patterns: EntityPatterns) -> tuple[tuple[EntityKind, re.Pattern[str]], ...]:
    flags = _flags(patterns)
    compiled = [(kind, re.compile(getattr(patterns, kind.value), flags)) for kind in _ODOO_KINDS]
    if patterns.product_code:
        compiled.append((EntityKind.PRODUCT_CODE, re.compile(patterns.product_code, flags)))
    return tuple(compiled)


def _flags(patterns: EntityPatterns) -> re.RegexFlag:
    # ASCII word boundaries: in "注文S00042の" the Japanese letters must not glue to the reference.
    return re.ASCII | (re.IGNORECASE if patterns.ignore_case else re.NOFLAG)


@lru_cache(maxsize=64)
def _any_pattern(patterns: EntityPatterns) -> re.Pattern[str] | None:
    """Return one regex matching where any of the patterns matches, if they can be joined."""
    compiled = _compiled(patterns)
    # Joining renumbers capturing groups, which would break backreferences such as \1.
    if any(regex.groups for _, regex in compiled):
        return None
    try:
        return re.compile(
            "|".join(f"(?:{regex.pattern})" for _, regex in compiled), _flags(patterns)
        )
    except re.error:  # global inline flags, as in "(?i)S\d+", are only allowed at the start
        return None


def _blocked_spans(text: str, folded: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Return the spans of URLs and of e-mail addresses."""
    emails = []
    for match in _EMAIL_DOMAIN.finditer(text):
        local = _EMAIL_LOCAL.search(text, max(0, match.start() - 64), match.start())
        if local is not None:
            emails.append((local.start(), match.end()))
    return _urls(text, folded), emails


def _urls(text: str, folded: str) -> list[tuple[int, int]]:
    """Return the spans `_URL.finditer` finds, trying `_URL` only where a URL can start."""
    # A URL starts four or five characters before "://" or at "www.": finding those with
    # str.find is ten times faster than letting `re` try every position of the text.
    starts = {at - size for at in _find_all(text, "://") for size in (4, 5) if at >= size}
    starts.update(_find_all(folded, "www."))
    spans: list[tuple[int, int]] = []
    for start in sorted(starts):
        if (not spans or start >= spans[-1][1]) and (match := _URL.match(text, start)):
            spans.append(match.span())
    return spans


def _find_all(text: str, needle: str) -> Iterator[int]:
    at = text.find(needle)
    while at != -1:
        yield at
        at = text.find(needle, at + 1)


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _outside(entities: list[Entity], spans: list[tuple[int, int]]) -> list[Entity]:
    """Drop the entities that overlap any of the spans."""
    disjoint = _merged(spans)
    starts = [start for start, _ in disjoint]
    kept = []
    for entity in entities:
        index = bisect_left(starts, entity.end) - 1
        if index < 0 or disjoint[index][1] <= entity.start:
            kept.append(entity)
    return kept


def _glued(text: str, start: int, end: int) -> bool:
    """Tell whether a match is part of a host name or hyphenated token: "p351355.pool.example"."""
    return bool(
        _GLUED_AFTER.match(text, end) or _GLUED_BEFORE.search(text, max(0, start - 2), start)
    )


def _first_possible(text: str, patterns: EntityPatterns) -> int | None:
    """Return the offset before which no pattern matches, or None if none matches at all."""
    # Most mails hold no reference: one scan for all kinds says so, instead of one per kind.
    joined = _any_pattern(patterns)
    if joined is None:
        return 0
    first = joined.search(text)
    return first.start() if first else None


def _pattern_entities(text: str, patterns: EntityPatterns, field: TextField) -> Iterator[Entity]:
    begin = _first_possible(text, patterns)
    if begin is None:
        return
    for kind, regex in _compiled(patterns):
        is_odoo = kind is not EntityKind.PRODUCT_CODE
        for match in regex.finditer(text, begin):
            start, end = match.span()
            if end == start or (is_odoo and _glued(text, start, end)):
                continue
            value = match.group().upper()
            yield _make(kind, text, (start, end), value, 0.95 if is_odoo else 0.8, field)


def _customer_pos(text: str, folded: str, field: TextField) -> Iterator[Entity]:
    if not (any(word in folded for word in _PO_WORDS) or _PO_ABBREVIATION.search(folded)):
        return
    for match in _CUSTOMER_PO.finditer(folded):
        value = text[match.start("v") : match.end("v")]
        if len(value) < 3 or not any(c.isdigit() for c in value):
            continue
        po_start = match.start("po")
        if po_start == match.start() and not _is_upper_po(text[po_start : match.end("po")]):
            continue  # a bare lower-case "po" is a word in several languages, not an intro
        label = text[match.start() : match.start("v")].strip(" \t:#.")
        yield _make(EntityKind.CUSTOMER_PO, text, match.span("v"), value, 0.85, field, label=label)


def _is_upper_po(intro: str) -> bool:
    letters = [c for c in intro if c.isalpha()]
    return letters == ["P", "O"]


def parse_amount(number: str) -> Decimal | None:
    """Turn '1.250,00', '1,250.00', "12'500.50" or '1.250,-' into a Decimal with 2 places."""
    number = re.sub(r"[.,][-–]$", "", number)
    last = max(number.rfind(","), number.rfind("."))
    # A final separator followed by one or two digits is a decimal point; three is grouping.
    if last != -1 and len(number) - last - 1 in (1, 2):
        whole, fraction = number[:last], number[last + 1 :]
    else:
        whole, fraction = number, "0"
    try:
        return Decimal(f"{re.sub(r'[^0-9]', '', whole) or '0'}.{fraction}").quantize(_CENTS)
    except InvalidOperation:
        return None


def _currency_code(symbol: str) -> str:
    if symbol.lower().startswith("euro"):
        return "EUR"
    return _CURRENCY_SYMBOLS.get(symbol.upper(), symbol.upper())


def _amounts(text: str, field: TextField) -> Iterator[Entity]:
    if "euro" not in text and not _CURRENCY_HINT.search(text):
        return
    for match in _AMOUNT.finditer(text):
        amount = parse_amount(match["num"] or match["num2"])
        if amount is None:
            continue
        currency = _currency_code(match["cur"] or match["cur2"])
        extra = {"currency": currency, "amount": str(amount)}
        value = f"{amount} {currency}"
        yield _make(EntityKind.AMOUNT, text, match.span(), value, 0.9, field, **extra)


def _make(
    kind: EntityKind,
    text: str,
    span: tuple[int, int],
    value: str,
    confidence: float,
    field: TextField,
    **extra: str,
) -> Entity:
    start, end = span
    return Entity(
        kind=kind,
        raw=text[start:end],
        value=value,
        field=field,
        start=start,
        end=end,
        confidence=confidence,
        extra=extra,
    )


def _keep_non_overlapping(candidates: list[Entity]) -> list[Entity]:
    """Keep the best candidate of each overlap: by kind priority, then longest, then first."""
    ranked = sorted(candidates, key=lambda e: (_PRIORITY[e.kind], e.start - e.end, e.start))
    starts: list[int] = []
    kept: list[Entity] = []
    for entity in ranked:
        index = bisect_right(starts, entity.start)
        if index > 0 and kept[index - 1].end > entity.start:
            continue
        if index < len(kept) and kept[index].start < entity.end:
            continue
        starts.insert(index, entity.start)
        kept.insert(index, entity)
    return kept


def extract_entities(
    text: str,
    field: TextField = TextField.TEXT,
    *,
    reference: datetime | None = None,
    patterns: EntityPatterns | None = None,
) -> list[Entity]:
    """Find every entity in one piece of text, sorted by start offset."""
    patterns = patterns or _DEFAULT_PATTERNS
    scan = text[: patterns.max_chars]
    today = (reference or datetime.now(UTC)).date()
    folded = fold_case(scan)
    urls, emails = _blocked_spans(scan, folded)
    # A tracking number inside a carrier's tracking link is still that tracking number.
    tracking = _outside(find_tracking_numbers(scan, field), emails)
    others = [
        *_pattern_entities(scan, patterns, field),
        *_customer_pos(scan, folded, field),
        *_amounts(scan, field),
        *find_dates(scan, today, field),
    ]
    return _keep_non_overlapping(tracking + _outside(others, urls + emails))
