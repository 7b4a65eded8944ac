"""The header vocabulary of supplier documents, and reading their numbers, dates and codes."""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime
from enum import StrEnum

from parsers.dates import find_dates


class Role(StrEnum):
    """What a column of a supplier's line table holds."""

    CODE = "code"
    DESCRIPTION = "description"
    QUANTITY = "quantity"
    UNIT = "unit"
    PRICE = "price"
    CURRENCY = "currency"
    DATE = "date"
    IGNORED = "ignored"  # recognised (position, line total, discount) so it is not misread


_VOCABULARY: dict[Role, dict[str, str]] = {
    Role.CODE: {
        "en": "item|item no|item number|item code|code|product code|article|article no|art no"
        "|part no|part number|sku|ref|reference|supplier code|our ref|our code|your ref"
        "|your reference|your code|your item|customer ref|customer code|your part no"
        "|ean|gtin|barcode|ean13|ean 13|upc",
        "es": "referencia|ref|codigo|cod|articulo|codigo articulo|su referencia|su ref"
        "|su codigo|codigo cliente|ref cliente|nuestra ref|codigo de barras|ean",
        "de": "art nr|artikelnummer|artikel nr|artikel|artnr|ihre art nr|ihre artikelnummer"
        "|materialnummer|materialnr|sachnummer|unsere art nr|strichcode|ean",
        "nl": "artikelnummer|artikelnr|art nr|uw referentie|uw artikelnr|uw artikelnummer"
        "|streepjescode|ean|code",
        "fr": "ref|reference|code article|article|votre ref|votre reference|code barre"
        "|code barres|ean|code",
    },
    Role.DESCRIPTION: {
        "en": "description|product|product name|item description|name|designation",
        "es": "descripcion|producto|denominacion|articulo descripcion|nombre",
        "de": "bezeichnung|beschreibung|artikelbezeichnung|produkt",
        "nl": "omschrijving|product|productnaam|benaming",
        "fr": "designation|description|libelle|produit",
    },
    Role.QUANTITY: {
        "en": "qty|quantity|qty confirmed|confirmed qty|quantity confirmed|qty shipped"
        "|shipped qty|quantity shipped|qty ordered|ordered qty",
        "es": "cantidad|cant|cantidad confirmada|cantidad enviada|cantidad servida",
        "de": "menge|anzahl|bestatigte menge|liefermenge|menge bestatigt",
        "nl": "aantal|hoeveelheid|bevestigd aantal",
        "fr": "quantite|qte|qte confirmee|quantite confirmee|quantite livree",
    },
    Role.UNIT: {
        "en": "unit|uom|unit of measure|um",
        "es": "unidad|ud|unidad de medida|um",
        "de": "einheit|me|mengeneinheit",
        "nl": "eenheid",
        "fr": "unite|um",
    },
    Role.PRICE: {
        "en": "unit price|price|price unit|price per unit|net price|unit cost",
        "es": "precio unitario|precio|precio unit|p unitario|precio neto|pvp",
        "de": "einzelpreis|preis|stuckpreis|e preis|nettopreis|preis je einheit",
        "nl": "prijs|stukprijs|eenheidsprijs|netto prijs",
        "fr": "prix unitaire|prix|pu|p u|pu ht|prix unitaire ht|prix net",
    },
    Role.CURRENCY: {
        "en": "currency|cur",
        "es": "moneda|divisa",
        "de": "wahrung",
        "nl": "valuta|munt",
        "fr": "devise|monnaie",
    },
    Role.DATE: {
        "en": "delivery date|date|confirmed date|ship date|shipping date|dispatch date|eta"
        "|delivery|confirmed delivery|expected delivery|delivery eta",
        "es": "fecha de entrega|fecha entrega|fecha|entrega|plazo de entrega|fecha prevista"
        "|fecha confirmada",
        "de": "liefertermin|lieferdatum|termin|datum|versanddatum|bestatigter termin",
        "nl": "leverdatum|leveringsdatum|datum|verzenddatum",
        "fr": "date de livraison|date|livraison|delai|date d expedition|date confirmee",
    },
    Role.IGNORED: {
        "en": "pos|line|no|amount|total|line total|net amount|discount|disc|vat|tax",
        "es": "linea|pos|importe|total|total linea|dto|descuento|iva",
        "de": "pos|position|gesamtpreis|betrag|gesamt|rabatt|mwst",
        "nl": "regel|bedrag|totaal|korting|btw",
        "fr": "ligne|montant|total|montant ht|remise|tva",
    },
}
# A header cell's words mean one role; the languages that use it vote for the document's.
HEADER_WORDS: dict[str, tuple[Role, tuple[str, ...]]] = {}
for _role, _by_language in _VOCABULARY.items():
    for _language, _words in _by_language.items():
        for _word in _words.split("|"):
            _known = HEADER_WORDS.get(_word)
            _languages = (_known[1] if _known else ()) + (_language,)
            HEADER_WORDS[_word] = (_known[0] if _known else _role, _languages)

CURRENCY_SYMBOLS = {"€": "EUR", "$": "USD", "£": "GBP", "¥": "JPY"}
CURRENCY_CODES = frozenset(
    "EUR USD GBP CHF SEK DKK NOK PLN CZK HUF RON JPY CNY CAD AUD MXN BRL TRY".split()
)
_CODES = "|".join(sorted(CURRENCY_CODES))
_CURRENCY_RE = re.compile(rf"(?<![A-Za-z])(?:{_CODES})(?![A-Za-z])|[€$£¥]")
_NUMBER_RE = re.compile(r"[-+]?\d[\d.,' \u00a0\u202f]*")
_QUANTITY_RE = re.compile(
    r"^\s*(?P<n>[-+]?\d[\d.,' \u00a0\u202f]*?)\s*(?P<unit>[^\W\d_][^\W\d]*\.?)?\s*$"
)
_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/#+-]{0,39}$")
_STOP_WORDS = re.compile(
    r"^\s*(?:sub-?total|total|net total|grand total|suma|importe total|base imponible|iva\b"
    r"|vat\b|tax\b|gesamt|summe|zwischensumme|mwst|nettobetrag|totaal|subtotaal|btw\b"
    r"|montant|tva\b|page\b|p[aá]gina\b|seite\b|pagina\b)",
    re.IGNORECASE,
)
_PARENTHESES = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_ISO_CURRENCY_WORD = re.compile(rf"\b(?:{_CODES.lower()})\b")
# Dates are read with full years; a reference is only needed for a day-and-month date.
_DATE_REFERENCE = date(2000, 1, 1)


def fold(text: str) -> str:
    """Lower-case `text` and drop its accents: 'Descripción' -> 'descripcion'."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def header_role(cell: str) -> tuple[Role, tuple[str, ...]] | None:
    """The role and languages of a header cell, or None when it names no column we know."""
    for part in re.split(r"\s+/\s+|\n", cell):
        words = _ISO_CURRENCY_WORD.sub(" ", fold(_PARENTHESES.sub(" ", part)))
        words = _NOT_WORD.sub(" ", words.replace("€", " ")).strip()
        if words in HEADER_WORDS:
            return HEADER_WORDS[words]
    return None


def header_currency(cell: str) -> str:
    """The currency a header cell names, as in 'Unit price (EUR)' or 'Precio €'."""
    return find_currency(cell)


def find_currency(text: str) -> str:
    """The first currency code or symbol in `text`, as an ISO code ('' when none)."""
    match = _CURRENCY_RE.search(text)
    if match is None:
        return ""
    return CURRENCY_SYMBOLS.get(match.group(), match.group())


def is_stop_row(first_cell: str) -> bool:
    """Tell whether a row starts the totals or a page footer: the line table has ended."""
    return bool(_STOP_WORDS.match(first_cell))


def decimal_mark(samples: list[str]) -> str | None:
    """Guess the decimal mark from printed numbers: ',' for '31,00', '.' for '31.00'."""
    votes = {",": 0, ".": 0}
    for sample in samples:
        for number in _NUMBER_RE.findall(sample):
            number = number.strip()
            last = max(number.rfind(","), number.rfind("."))
            commas, dots = number.count(","), number.count(".")
            # "07.04.2025" is a date and "1.234.567" says nothing about the decimal mark.
            if last < 0 or (commas + dots > 1 and not (commas and dots)):
                continue
            digits_after = len(number) - last - 1
            if digits_after != 3 or ("," in number and "." in number):
                votes[number[last]] += 1
    if votes[","] == votes["."]:
        return None
    return "," if votes[","] > votes["."] else "."


def read_number(text: str, decimal: str | None = None) -> float | None:
    """Read '1.234,56', '1,234.56', '31,00', '€ 31,00' or '31.00 EUR'; None if no number."""
    cleaned = _CURRENCY_RE.sub("", text).strip()
    match = _NUMBER_RE.fullmatch(cleaned)
    if match is None:
        return None
    digits = re.sub(r"[' \u00a0\u202f]", "", cleaned)
    commas, dots = digits.count(","), digits.count(".")
    if commas and dots:
        mark = "," if digits.rfind(",") > digits.rfind(".") else "."
    elif commas + dots == 0:
        mark = "."
    else:
        mark = _single_mark(digits, "," if commas else ".", decimal)
    grouping = "." if mark == "," else ","
    digits = digits.replace(grouping, "")
    if digits.count(mark) > 1:
        return None
    try:
        value = float(digits.replace(mark, "."))
    except ValueError:
        return None
    return value if math.isfinite(value) else None  # 400 digits read as inf: unreadable


def _single_mark(digits: str, seen: str, decimal: str | None) -> str:
    """The decimal mark when only one kind of separator is printed."""
    if digits.count(seen) > 1:  # "1.234.567": thousands
        return "," if seen == "." else "."
    if decimal is not None:
        return decimal if seen == decimal else ("," if seen == "." else ".")
    # "1,234" with no other hint is a thousand; "31,00" and "7.2" are decimals.
    after = len(digits) - digits.rfind(seen) - 1
    if after == 3:
        return "," if seen == "." else "."
    return seen


def read_quantity(text: str, decimal: str | None = None) -> tuple[float | None, str]:
    """Read '40', '40,0', '40 ST' or '40 pcs' into (quantity, unit)."""
    match = _QUANTITY_RE.match(text)
    if match is None:
        return None, ""
    return read_number(match["n"], decimal), (match["unit"] or "").strip()


def read_date(value: object) -> date | None:
    """A date from a cell: a real date, ISO, dd/mm/yyyy, dd.mm.yyyy, '7 abril 2025'."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not value.strip():
        return None
    for entity in find_dates(value[:200], _DATE_REFERENCE):
        if entity.value:
            return date.fromisoformat(entity.value)
    return None


def read_code(value: object) -> str:
    """A product code from a cell, '' when it does not look like one; EANs stay digits."""
    if isinstance(value, bool):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip() if value is not None else ""
    return text if _CODE_RE.match(text) else ""


def cell_text(value: object) -> str:
    """A cell's printable text: integral floats without '.0', dates in ISO."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    return " ".join(str(value).split())
