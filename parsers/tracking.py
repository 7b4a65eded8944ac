"""Find parcel tracking numbers whose carrier check digit is valid."""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import cycle

from models import Entity, EntityKind, TextField

_SPACE = "[ \u00a0]"

# ASCII word boundaries, so a number right after Japanese or Chinese text is still found.
_UPS = re.compile(rf"(?<!\w)1Z(?:{_SPACE}?[0-9A-Z]){{16}}(?!\w)", re.IGNORECASE | re.ASCII)
# Digits may be grouped by single spaces; a run inside a longer grouped number is skipped.
_DIGITS = re.compile(
    rf"(?=[\d(])(?<![\w.,/-])(?<!\d{_SPACE})(?P<ai>\(00\){_SPACE}?)?\d(?:{_SPACE}?\d){{9,21}}"
    rf"(?!\w|{_SPACE}\d|[.,/-]\d)",
    re.ASCII,
)
# Every _DIGITS match holds such a run, at most five characters ("(00) ") after its start.
# Unlike _DIGITS, whose look-arounds come first, this lets `re` jump from digit to digit.
_DIGIT_RUN = re.compile(rf"\d(?:{_SPACE}?\d){{9}}", re.ASCII)
_CARRIER_WORDS = re.compile(
    r"(?P<ups>(?-i:\bUPS\b))|(?P<fedex>\bfed\s?ex\b)|(?P<dhl>\bdhl\b)|(?P<usps>\busps\b)"
    r"|(?P<dpd>(?-i:\bDPD\b))|(?P<gls>(?-i:\bGLS\b))|(?P<postnl>\bpostnl\b)",
    re.IGNORECASE,
)
_TRACKING_WORDS = re.compile(
    r"\btrack\w*|\btrace\b|\bsendung\w*|\bpaket\w*|\bversandnummer\b|\bsuivi\b|\bcolis\b"
    r"|\bzending\w*|\bseguimiento\b|\benv[íi]o\b|\bshipment\b|\bwaybill\b|\bAWB\b"
    r"|\bconsignment\b|\bparcel\b|\bSSCC\b|\bNVE\b|\bpallet\b|\bpalette\b",
    re.IGNORECASE,
)
_CONTEXT_BEFORE = 80
_CONTEXT_AFTER = 40


def ups_check_digit(body: str) -> int:
    """Return the UPS check digit for the 15 characters after '1Z'."""
    total = 0
    for index, char in enumerate(body.upper()):
        # Letters count by their ASCII code minus 63, A = 2 ... I = 0, as UPS defines it.
        value = int(char) if char.isdigit() else (ord(char) - 63) % 10
        total += value * (2 if index % 2 else 1)
    return (10 - total % 10) % 10


def ups_valid(number: str) -> bool:
    """Tell whether `number` is '1Z' plus 16 characters with a correct check digit."""
    number = number.upper()
    if not re.fullmatch(r"1Z[0-9A-Z]{15}\d", number):
        return False
    return ups_check_digit(number[2:-1]) == int(number[-1])


def gs1_check_digit(body: str) -> int:
    """Return the GS1 mod-10 check digit: weights 3 and 1 from the right."""
    total = sum(int(d) * w for d, w in zip(reversed(body), cycle((3, 1)), strict=False))
    return (10 - total % 10) % 10


def gs1_valid(digits: str) -> bool:
    """Tell whether the last digit of `digits` is its GS1 mod-10 check digit."""
    return len(digits) > 1 and digits.isdigit() and gs1_check_digit(digits[:-1]) == int(digits[-1])


def fedex_express_check_digit(body: str) -> int:
    """Return the FedEx Express check digit for 11 digits: weights 1, 3, 7 from the right."""
    total = sum(int(d) * w for d, w in zip(reversed(body), cycle((1, 3, 7)), strict=False))
    return total % 11 % 10


def fedex_express_valid(digits: str) -> bool:
    """Tell whether `digits` is a 12-digit FedEx Express number with a valid check digit."""
    return (
        len(digits) == 12
        and digits.isdigit()
        and fedex_express_check_digit(digits[:-1]) == int(digits[-1])
    )


def dhl_express_valid(digits: str) -> bool:
    """Tell whether `digits` is a 10-digit DHL Express number: first nine mod 7 = last."""
    return len(digits) == 10 and digits.isdigit() and int(digits[:-1]) % 7 == int(digits[-1])


def candidate_formats(digits: str) -> list[tuple[str, str]]:
    """List (carrier, format) pairs `digits` validates as, most specific first."""
    found: list[tuple[str, str]] = []
    size = len(digits)
    if size == 20 and digits.startswith("00") and gs1_valid(digits):
        found.append(("sscc", "sscc"))
    if size == 18 and gs1_valid(digits):
        found.append(("sscc", "sscc"))
    if 20 <= size <= 22 and gs1_valid(digits):
        found.append(("usps", "usps_impb"))
    if size == 15 and gs1_valid(digits):
        found.append(("fedex", "fedex_ground"))
    if fedex_express_valid(digits):
        found.append(("fedex", "fedex_express"))
    if dhl_express_valid(digits):
        found.append(("dhl", "dhl_express"))
    return found


def _stands_alone(digits: str, fmt: str, spaced: bool, has_ai: bool) -> bool:
    """Tell whether a format is specific enough to accept without carrier or tracking words."""
    if spaced and not has_ai:
        return False
    if fmt == "sscc":
        return has_ai or (len(digits) == 20 and digits.startswith("00"))
    return fmt == "usps_impb" and len(digits) == 22 and digits.startswith("9")


def _context(text: str, start: int, end: int) -> tuple[str | None, bool]:
    """Return the carrier named nearest the span, and whether any tracking word is near."""
    before = text[max(0, start - _CONTEXT_BEFORE) : start]
    after = text[end : end + _CONTEXT_AFTER]
    best: tuple[int, str] | None = None
    for chunk, is_before in ((before, True), (after, False)):
        for match in _CARRIER_WORDS.finditer(chunk):
            distance = len(chunk) - match.end() if is_before else match.start()
            if best is None or distance < best[0]:
                best = (distance, match.lastgroup or "")
    tracking_word = bool(_TRACKING_WORDS.search(before) or _TRACKING_WORDS.search(after))
    return (best[1] if best else None), tracking_word or best is not None


def _choose(options: list[tuple[str, str]], carrier: str | None) -> tuple[str, str] | None:
    """Pick the format of the named carrier, else the most specific one if none is named."""
    if not options or carrier is None:
        return options[0] if options else None
    for option in options:
        if option[0] == carrier:
            return option
    # SSCC is carrier-neutral: DHL Paket, DPD and GLS labels all carry one.
    if options[0][1] == "sscc":
        return carrier, "sscc"
    return None  # the named carrier does not use any format this number passes


def _entity(
    raw: str, start: int, value: str, carrier: str, fmt: str, confidence: float, field: TextField
) -> Entity:
    extra: dict[str, str] = {"carrier": carrier, "format": fmt}
    if fmt == "sscc":
        extra["sscc"] = value[-18:]
    return Entity(
        kind=EntityKind.TRACKING_NUMBER,
        raw=raw,
        value=value,
        field=field,
        start=start,
        end=start + len(raw),
        confidence=confidence,
        extra=extra,
    )


def _numeric_entity(text: str, match: re.Match[str], field: TextField) -> Entity | None:
    raw = match.group()
    has_ai = match["ai"] is not None
    body = raw[len(match["ai"]) :] if has_ai else raw
    digits = ("00" if has_ai else "") + re.sub(r"\D", "", body)
    options = candidate_formats(digits)
    if has_ai:
        options = [o for o in options if o[1] == "sscc"]
    if not options:
        return None
    carrier, near = _context(text, match.start(), match.end())
    chosen = _choose(options, carrier)
    if chosen is None:
        return None
    spaced = any(c in body for c in " \u00a0")
    if not near and not _stands_alone(digits, chosen[1], spaced, has_ai):
        return None
    confidence = 0.9 if carrier == chosen[0] else 0.8
    return _entity(raw, match.start(), digits, chosen[0], chosen[1], confidence, field)


def find_tracking_numbers(text: str, field: TextField = TextField.TEXT) -> list[Entity]:
    """Find UPS, FedEx, DHL Express, USPS and SSCC numbers that pass their checksum."""
    return [*_ups_numbers(text, field), *_numeric_numbers(text, field)]


def _ups_numbers(text: str, field: TextField) -> Iterator[Entity]:
    # A test for "1Z" is much cheaper than letting _UPS reject every position of the text.
    if "1Z" not in text and "1z" not in text:
        return
    for match in _UPS.finditer(text):
        value = re.sub(r"\s", "", match.group()).upper()
        if ups_valid(value):
            yield _entity(match.group(), match.start(), value, "ups", "ups_1z", 0.95, field)


def _numeric_numbers(text: str, field: TextField) -> Iterator[Entity]:
    run = _DIGIT_RUN.search(text)
    if run is None:
        return
    for match in _DIGITS.finditer(text, max(0, run.start() - 5)):
        entity = _numeric_entity(text, match, field)
        if entity is not None:
            yield entity
