"""Plain text (from the API or the command line) to `Message`, with the same cleaning as mail."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from models import Address, Message, TextField
from parsers.entities import EntityPatterns, extract_entities
from parsers.html import CONTROL_RE, html_to_text, tidy_text
from parsers.language import detect_language
from parsers.message import message_id_for, message_key
from parsers.reply import split_reply

_HTML_HINTS = ("<html", "<body", "<div", "<p>", "<br", "<table", "<span")


def message_from_text(
    text: str,
    *,
    subject: str = "",
    sender: str | None = None,
    language: str | None = None,
    received_at: datetime | None = None,
    patterns: EntityPatterns | None = None,
) -> Message:
    """A Message built from text: HTML turned to text, quotes split off, entities found."""
    body = tidy_text(html_to_text(text) if _looks_like_html(text) else text)
    subject = CONTROL_RE.sub("", subject).strip()
    detected = language or detect_language(body or subject)
    parts = split_reply(body, detected)
    now = received_at or datetime.now(UTC)
    content = f"{sender}\n{subject}\n{text}".encode("utf-8", "replace")
    digest = hashlib.sha256(content).hexdigest()
    key = message_key(None, content)
    message = Message(
        id=message_id_for(key),
        key=key,
        source="api",
        size=len(text.encode("utf-8", "replace")),
        content_sha256=digest,
        received_at=now,
        from_=Address(email=sender.strip().lower()) if sender else None,
        subject=subject,
        text=parts.new,
        quoted=parts.quoted,
        signature=parts.signature,
        language=detected,
    )
    message.entities = [
        entity
        for field, value in ((TextField.SUBJECT, subject), (TextField.TEXT, message.text))
        for entity in extract_entities(value, field, reference=now, patterns=patterns)
    ]
    return message


def _looks_like_html(text: str) -> bool:
    head = text[:2_000].lower()
    return any(hint in head for hint in _HTML_HINTS)
