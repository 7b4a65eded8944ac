"""Shipment events read from carrier notifications and suppliers' dispatch notes.

A carrier notification is mail from a carrier's own domain (DHL, UPS, PostNL, DPD, GLS,
FedEx): what it says (milestone and exception, in en, de, nl and fr), about which parcels
(the tracking numbers parsers.tracking validated, plus PostNL and DPD numbers, which carry no
check digit and are only read in those carriers' own mail), when (a date with a time in the
mail's text that is not after the mail was sent, else the Date header) and where. A dispatch
note is any other mail saying goods have been shipped, with tracking numbers in its new text.
What a customer writes about a parcel ("tracking says delivered") is neither.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from models import AutoKind, Entity, EntityKind, Message, TextField
from models.shipment import ExceptionKind, ShipmentEvent, ShipmentStatus
from parsers.dates import find_dates
from parsers.tracking import find_tracking_numbers

__all__ = ["CARRIER_DOMAINS", "CARRIER_NAMES", "carrier_of_sender", "read_shipment_events"]

CARRIER_DOMAINS: dict[str, str] = {
    "dhl.com": "dhl", "dhl.de": "dhl", "dhl.nl": "dhl", "dhl.fr": "dhl", "dhl.co.uk": "dhl",
    "ups.com": "ups",
    "postnl.nl": "postnl", "postnl.com": "postnl", "postnl.be": "postnl",
    "dpd.de": "dpd", "dpd.com": "dpd", "dpd.nl": "dpd", "dpd.fr": "dpd", "dpd.co.uk": "dpd",
    "gls-group.eu": "gls", "gls-group.com": "gls", "gls-pakete.de": "gls",
    "fedex.com": "fedex",
}  # fmt: skip
CARRIER_NAMES: dict[str, str] = {
    "dhl": "DHL", "ups": "UPS", "postnl": "PostNL", "dpd": "DPD", "gls": "GLS", "fedex": "FedEx",
}  # fmt: skip

_I = re.IGNORECASE | re.MULTILINE


def _any(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), _I)


# Highest milestone first: a mail that says "delivered" and "out for delivery" was delivered.
# Negations ("could not be delivered", "nicht zugestellt") do not fit these phrasings.
_MILESTONES: tuple[tuple[ShipmentStatus, re.Pattern[str]], ...] = (
    (
        ShipmentStatus.RETURNED,
        _any(
            r"\b(?:is|was|has\s+been|being|will\s+be)\s+returned\s+to\s+(?:the\s+)?sender\b",
            r"\b(?:wird|wurde)\s+an\s+den\s+Absender\s+zur(?:ü|ue)ck(?:gesendet|geschickt)\b",
            r"\bR(?:ü|ue)cksendung\s+an\s+den\s+Absender\b",
            r"\b(?:wordt|is)\s+(?:retour\s+gestuurd|teruggestuurd)\s+naar\s+de\s+afzender\b",
            r"\bretour\s+afzender\b",
            r"\bretourn(?:é|e)e?\s+(?:à|a)\s+l['’]exp(?:é|e)diteur\b",
        ),
    ),
    (
        ShipmentStatus.DELIVERED,
        _any(
            r"\b(?:has|have)\s+been\s+(?:successfully\s+)?delivered\b",
            r"\b(?:was|were)\s+(?:successfully\s+)?delivered\b",
            r"^[ \t]*(?:status:[ \t]*)?delivered\b",
            r"\bdelivered\s+on\s*:",
            r"\bproof\s+of\s+delivery\b",
            r"\b(?:wurde|wurden|ist)\s+(?:heute\s+|am\s+\S+\s+)?(?:erfolgreich\s+)?zugestellt\b",
            r"^[ \t]*(?:status:[ \t]*)?zugestellt\b",
            r"\bZustellnachweis\b",
            r"\b(?:is|zijn|werd)\s+(?:vandaag\s+)?(?:bezorgd|afgeleverd)\b",
            r"^[ \t]*(?:status:[ \t]*)?bezorgd\b",
            r"\ba\s+(?:é|e)t(?:é|e)\s+livr(?:é|e)e?\b",
        ),
    ),
    (
        ShipmentStatus.OUT_FOR_DELIVERY,
        _any(
            r"\bout\s+for\s+delivery\b",
            r"\bwill\s+be\s+delivered\s+today\b",
            r"\bin\s+Zustellung\b",
            r"\bwird\s+(?:Ihnen\s+)?(?:voraussichtlich\s+)?heute\s+zugestellt\b",
            r"\bwordt\s+vandaag\s+bezorgd\b",
            r"\ben\s+cours\s+de\s+livraison\b",
        ),
    ),
    (
        ShipmentStatus.IN_TRANSIT,
        _any(
            r"\bin\s+transit\b",
            r"\b(?:is|are)\s+on\s+(?:its|their|the)\s+way\b",
            r"\barrived\s+at\s+(?:the\s+|a\s+)?(?:\w+\s+)?(?:facility|hub|depot)\b",
            r"\b(?:ist|sind)\s+unterwegs\b",
            r"\bim\s+(?:Start-|Ziel-)?Paketzentrum\s+(?:bearbeitet|eingetroffen)\b",
            r"\b(?:is|zijn)\s+onderweg\b",
            r"\ben\s+cours\s+d['’]acheminement\b",
        ),
    ),
    (
        ShipmentStatus.DISPATCHED,
        _any(
            r"\b(?:has|have)\s+been\s+(?:shipped|dispatched|picked\s+up)\b",
            r"\b(?:was|were)\s+(?:shipped|dispatched|picked\s+up)\b",
            r"\b(?:wurde|wurden|ist|sind)\s+(?:heute\s+)?(?:versendet|versandt|abgeholt)\b",
            r"\b(?:is|zijn)\s+(?:vandaag\s+)?(?:verzonden|opgehaald)\b",
            r"\ba\s+(?:é|e)t(?:é|e)\s+exp(?:é|e)di(?:é|e)e?\b",
        ),
    ),
    (
        ShipmentStatus.INFO_RECEIVED,
        _any(
            r"\b(?:shipment|label)\s+information\s+(?:has\s+been\s+)?received\b",
            r"\b(?:a\s+)?(?:shipping\s+)?label\s+(?:has\s+been\s+|was\s+)?created\b",
            r"\belektronisch\s+angek(?:ü|ue)ndigt\b",
            r"\b(?:is|zijn)\s+(?:aangemeld|voorgemeld)\b",
        ),
    ),
)

# The first kind that matches is the event's exception.
_EXCEPTIONS: tuple[tuple[ExceptionKind, re.Pattern[str]], ...] = (
    (ExceptionKind.RETURNED_TO_SENDER, _MILESTONES[0][1]),
    (
        ExceptionKind.DAMAGED,
        _any(r"\bdamaged\b", r"\bbesch(?:ä|ae)digt", r"\bbeschadigd\b", r"\bendommag(?:é|e)"),
    ),
    (
        ExceptionKind.ADDRESS_PROBLEM,
        _any(
            r"\b(?:incorrect|incomplete|insufficient|invalid|wrong)\s+(?:delivery\s+)?address\b",
            r"\baddress\s+(?:is|was)\s+(?:incorrect|incomplete|insufficient|invalid|wrong)\b",
            r"\b(?:Adresse|Anschrift)\s+(?:ist\s+)?(?:unvollst(?:ä|ae)ndig|fehlerhaft|falsch)\b",
            r"\b(?:unvollst(?:ä|ae)ndige|fehlerhafte|falsche)\s+(?:Adresse|Anschrift)\b",
            r"\badres\s+(?:is\s+)?(?:onvolledig|onjuist|onbekend|niet\s+gevonden)\b",
            r"\b(?:onvolledig|onjuist)\s+adres\b",
            r"\badresse\s+(?:incorrecte|incompl(?:è|e)te|erron(?:é|e)e)\b",
        ),
    ),
    (
        ExceptionKind.DELAYED,
        _any(
            r"\bdelay(?:ed)?\b",
            r"\bverz(?:ö|oe)ger",
            r"\bVersp(?:ä|ae)tung\b",
            r"\bvertraa?g",
            r"\ben\s+retard\b",
        ),
    ),
    (
        ExceptionKind.OTHER,
        _any(
            r"\b(?:could\s+not|unable\s+to)\s+(?:be\s+)?deliver(?:ed)?\b",
            r"\bnicht\s+zugestellt\s+werden\b",
            r"\bniet\s+(?:worden\s+)?bezorgd\b",
            r"\bn['’]a\s+pas\s+pu\s+(?:ê|e)tre\s+livr",
        ),
    ),
)

# A sentence about what might happen ("if your parcel arrives damaged") reports nothing.
_HYPOTHETICAL = re.compile(
    r"\b(?:if|in\s+case|should|falls|wenn|sollte|als\s+(?:u|je|uw)|indien|mocht|si|en\s+cas)\b",
    re.I,
)
# "without delay", "ohne Verzögerung", "geen vertraging", "no damage": the word is denied.
_NEGATION = re.compile(
    r"\b(?:no|not|without|ohne|kein(?:e|en)?|nicht|geen|zonder|niet|sans|pas\s+de|aucun(?:e)?)"
    r"\W+(?:\w+\W+)?$",
    re.I,
)
_SENTENCE_END = re.compile(r"[.!?](?:\s|$)|\n")
_NATIVE_NUMBERS: dict[str, re.Pattern[str]] = {
    # PostNL: "3S", a four-letter customer code and a serial; no check digit.
    "postnl": re.compile(r"(?<![\w])3S[A-Z]{4}\d{6,9}(?!\w)"),
    # DPD: 14 digits, only after a parcel-number label since nothing checks them.
    "dpd": re.compile(
        r"(?:paketnummer|parcel\s+(?:number|no\.?)|pakketnummer|num(?:é|e)ro\s+de\s+colis)"
        r"\s*:?\s*(?P<n>\d{14})(?!\d)",
        re.I,
    ),
}
_LOCATION = re.compile(
    r"^[ \t]*(?:location|ort|standort|depot|locatie|plaats|lieu)[ \t]*:[ \t]*(?P<v>[^\n]{1,120})$",
    _I,
)
_TIME_AFTER_DATE = re.compile(
    r"[ \t]*,?[ \t]*(?:at|um|om|à|a|-)?[ \t]*(?P<h>[0-2]?\d)[:.h](?P<m>[0-5]\d)"
    r"(?:[ \t]*(?P<ampm>[ap])\.?[ \t]*m\.?)?",
    re.I,
)
# An event told in a mail cannot be later than the mail; a small clock skew is allowed.
_SKEW = timedelta(minutes=15)
_DISPATCH_NOTE = _any(
    r"\b(?:has|have|was|were)\s+(?:been\s+)?(?:shipped|dispatched|sent\s+out|handed\s+over)\b",
    r"\b(?:shipped|dispatched)\s+(?:today|this\s+(?:morning|afternoon)|with|via|by)\b",
    r"\bleft\s+our\s+(?:warehouse|premises)\b",
    r"\b(?:wurde|wurden|ist|sind|haben)\b[^.\n]{0,60}\b(?:versendet|versandt|verschickt)\b",
    r"\b(?:is|zijn|werd|werden|hebben)\b[^.\n]{0,60}\b(?:verzonden|verstuurd)\b",
    r"\b(?:a|ont)\s+(?:é|e)t(?:é|e)\s+exp(?:é|e)di(?:é|e)e?s?\b",
)


def carrier_of_sender(message: Message) -> str | None:
    """The carrier whose own domain (or a subdomain of it) sent the mail, if any."""
    domain = message.from_.domain if message.from_ else ""
    parts = domain.split(".")
    for start in range(len(parts) - 1):
        found = CARRIER_DOMAINS.get(".".join(parts[start:]))
        if found:
            return found
    return None


def read_shipment_events(message: Message) -> list[ShipmentEvent]:
    """The events a carrier notification or a supplier's dispatch note tells, one per parcel."""
    if message.auto is AutoKind.BOUNCE:
        return []
    carrier = carrier_of_sender(message)
    text = f"{message.subject}\n{message.text}"
    if carrier is not None:
        return _carrier_events(message, carrier, text)
    return _dispatch_events(message, text)


def _carrier_events(message: Message, carrier: str, text: str) -> list[ShipmentEvent]:
    status, status_line = _milestone(text)
    exception, exception_line = _exception(text)
    numbers = _tracking_numbers(message, carrier)
    when = _occurred_at(message, text)
    if (status is None and exception is None) or not numbers or when is None:
        return []
    location = _LOCATION.search(text)
    return [
        ShipmentEvent(
            carrier=carrier,
            tracking_number=number,
            status=status,
            exception=exception,
            occurred_at=when,
            location=location["v"].strip() if location else "",
            detail=exception_line or status_line,
            source=message.id,
        )
        for number in numbers
    ]


def _dispatch_events(message: Message, text: str) -> list[ShipmentEvent]:
    # Most mail names no parcel: that is the cheap test, made first (every mail passes here).
    found = [e for e in _tracking_entities(message) if e.field is not TextField.QUOTED]
    if not found:
        return []
    said = _DISPATCH_NOTE.search(text)
    when = _occurred_at(message, text) if said is not None else None
    if said is None or when is None:
        return []
    detail = _line(text, said.start())
    seen: dict[str, str] = {}
    for entity in found:
        seen.setdefault(entity.value, str(entity.extra.get("carrier", "unknown")))
    return [
        ShipmentEvent(
            carrier=carrier,
            tracking_number=number,
            status=ShipmentStatus.DISPATCHED,
            occurred_at=when,
            detail=detail,
            source=message.id,
        )
        for number, carrier in seen.items()
    ]


def _milestone(text: str) -> tuple[ShipmentStatus | None, str]:
    for status, pattern in _MILESTONES:
        for match in pattern.finditer(text):
            if not _hypothetical(text, match.start()):
                return status, _line(text, match.start())
    return None, ""


def _exception(text: str) -> tuple[ExceptionKind | None, str]:
    for kind, pattern in _EXCEPTIONS:
        for match in pattern.finditer(text):
            if not _hypothetical(text, match.start()) and not _denied(text, match.start()):
                return kind, _line(text, match.start())
    return None, ""


def _sentence_start(text: str, at: int) -> int:
    starts = [m.end() for m in _SENTENCE_END.finditer(text, max(0, at - 300), at)]
    return starts[-1] if starts else max(0, at - 300)


def _hypothetical(text: str, at: int) -> bool:
    """Whether the match sits in a conditional sentence, such as a footer's advice."""
    return _HYPOTHETICAL.search(text, _sentence_start(text, at), at) is not None


def _denied(text: str, at: int) -> bool:
    """Whether the match is denied ("without delay") or asked about ("Damaged? Call us")."""
    if _NEGATION.search(text[max(_sentence_start(text, at), at - 40) : at]):
        return True
    end = _SENTENCE_END.search(text, at)
    return end is not None and text[end.start()] == "?"


def _line(text: str, at: int) -> str:
    start = text.rfind("\n", 0, at) + 1
    end = text.find("\n", at)
    return text[start : end if end != -1 else len(text)].strip()[:300]


def _tracking_entities(message: Message) -> list[Entity]:
    found = [e for e in message.entities if e.kind is EntityKind.TRACKING_NUMBER]
    if found or message.entities:
        return found
    # A Message built without extraction (an API caller's): find them here.
    return find_tracking_numbers(message.subject, TextField.SUBJECT) + find_tracking_numbers(
        message.text
    )


def _tracking_numbers(message: Message, carrier: str) -> list[str]:
    """Checksum-valid numbers outside quoted text, then the carrier's own formats, once each."""
    numbers = [e.value for e in _tracking_entities(message) if e.field is not TextField.QUOTED]
    native = _NATIVE_NUMBERS.get(carrier)
    if native is not None:
        for text in (message.subject, message.text):
            numbers += [m.groupdict().get("n") or m.group() for m in native.finditer(text)]
    return list(dict.fromkeys(numbers))


def _occurred_at(message: Message, text: str) -> datetime | None:
    """The first date with a time in the text that is not after the mail, else its Date."""
    sent = message.date or message.received_at
    if sent is None:
        return None
    if sent.tzinfo is None:
        sent = sent.replace(tzinfo=UTC)
    for moment in _moments(text, sent):
        if moment <= sent + _SKEW:
            return moment
    return sent


def _moments(text: str, sent: datetime) -> list[datetime]:
    """Dates followed by a time of day, in the mail's own time zone, in text order."""
    found: list[datetime] = []
    dates = sorted(find_dates(text, sent.date()), key=lambda e: (e.start, e.start - e.end))
    for entity in dates:
        clock = _TIME_AFTER_DATE.match(text, entity.end)
        if clock is None:
            continue
        hour, minute = int(clock["h"]), int(clock["m"])
        ampm = (clock["ampm"] or "").lower()
        if ampm == "p" and hour < 12:
            hour += 12
        elif ampm == "a" and hour == 12:
            hour = 0
        if hour > 23:
            continue
        day = date.fromisoformat(entity.value)
        found.append(datetime.combine(day, time(hour, minute), tzinfo=sent.tzinfo or UTC))
    return found
