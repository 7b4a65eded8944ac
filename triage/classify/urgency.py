"""Urgency from explicit cues, near deadlines found by the extractor, and the intent."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from models import Entity, EntityKind, Message, Urgency

_CRITICAL_RE = re.compile(
    r"\b(line[- ]down|production (?:stop|standstill|halt)|plant (?:stop|down)|"
    r"Bandstillstand|Produktionsstillstand|Linienstillstand|arrêt de (?:la )?production|"
    r"parada de (?:la )?producción)\b",
    re.IGNORECASE,
)
_HIGH_RE = re.compile(
    r"\b(urgent(?:ly)?|asap|a\.s\.a\.p\.|immediately|right away|today|by end of day|EOD|"
    r"dringend|eilig|sofort|heute|umgehend|urgence|urgente?|immédiatement|aujourd'hui|"
    r"inmediatamente|hoy|spoed|dringend|vandaag)\b",
    re.IGNORECASE,
)
_HIGH_INTENTS = frozenset({"delivery_problem", "complaint", "billing_dispute", "supplier_delay"})
_LOW_INTENTS = frozenset({"auto_reply", "bounce", "newsletter", "spam", "other"})
DEADLINE_WORKING_DAYS = 2


def assess_urgency(
    message: Message, intent: str, today: date | None = None
) -> tuple[Urgency, list[str]]:
    """The urgency of a message with every reason that raised or lowered it."""
    text = f"{message.subject}\n{message.text}"
    reasons: list[str] = []
    if found := _CRITICAL_RE.search(text):
        return Urgency.CRITICAL, [f"cue {found.group(0)!r}"]
    if found := _HIGH_RE.search(text):
        reasons.append(f"cue {found.group(0)!r}")
    reference = today or _reference_day(message)
    deadline = _near_deadline(message.entities, reference)
    if deadline:
        reasons.append(f"deadline {deadline.value} within {DEADLINE_WORKING_DAYS} working days")
    if intent in _HIGH_INTENTS:
        reasons.append(f"intent {intent}")
    if reasons:
        return Urgency.HIGH, reasons
    if intent in _LOW_INTENTS:
        return Urgency.LOW, [f"intent {intent}"]
    return Urgency.NORMAL, []


def _reference_day(message: Message) -> date:
    moment = message.date or message.received_at or datetime.now()
    return moment.date()


def _near_deadline(entities: list[Entity], reference: date) -> Entity | None:
    limit = add_working_days(reference, DEADLINE_WORKING_DAYS)
    for entity in entities:
        if entity.kind in (EntityKind.DATE, EntityKind.ETA) and entity.field != "quoted":
            try:
                when = date.fromisoformat(entity.value)
            except ValueError:
                continue
            if reference <= when <= limit:
                return entity
    return None


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days (Monday to Friday) after `start`."""
    current = start
    while days > 0:
        if current >= date.max - timedelta(days=1):
            return date.max  # a Date header in year 9999 has no working days after it
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current
