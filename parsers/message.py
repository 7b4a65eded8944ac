"""Bytes to `Message`: the parser's entry point. It never raises on bad mail."""

from __future__ import annotations

import email
import hashlib
import re
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import TypeVar

from models import AutoKind, Defect, DefectCode, Entity, Message, TextField
from parsers.authres import parse_authentication_results
from parsers.auto import detect_auto
from parsers.entities import EntityPatterns, extract_entities
from parsers.headers import HeaderReader
from parsers.html import read_html, tidy_text
from parsers.language import SAMPLE_CHARS, detect_language
from parsers.mime import WalkLimits, walk_body
from parsers.mime_guard import cut_mime_nesting
from parsers.mime_policy import CACHED
from parsers.options import ParseOptions
from parsers.reply import ReplyParts, split_reply

_T = TypeVar("_T")
# Machine-written mail has no conversation to split into new and quoted text.
_NO_REPLY_KINDS = frozenset({AutoKind.BOUNCE, AutoKind.NEWSLETTER})
_HEADER_LINE_RE = re.compile(rb"^[!-9;-~]+[ \t]*:")
_SANE_YEARS = (1970, 2200)
_BARE_ID_RE = re.compile(r"[!-;=?-~]{1,900}")
_LINE_END_RE = re.compile(rb"\r\n|\n|\r")
_HEADER_END_RE = re.compile(rb"\r?\n\r?\n|\r\r")


def message_key(message_id: str | None, raw: bytes) -> str:
    """The dedup key: the Message-ID where there is one, else the content hash."""
    if message_id:
        return f"mid:{message_id}"
    return f"sha256:{hashlib.sha256(raw).hexdigest()}"


def message_id_for(key: str) -> str:
    """The stable id of a message: derived from its dedup key."""
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:32]


def parse_message(
    raw: bytes,
    *,
    source: str = "file",
    position: str | None = None,
    received_at: datetime | None = None,
    options: ParseOptions | None = None,
    patterns: EntityPatterns | None = None,
) -> Message:
    """Parse raw mail bytes into a `Message`, recording defects instead of raising."""
    opts = options or ParseOptions()
    raw = strip_mbox_from_line(raw)
    too_large = len(raw) > opts.max_bytes
    parsed, too_deep = cut_mime_nesting(header_block(raw) if too_large else raw, mime_depth(opts))
    std = _parse_std(parsed)
    headers = HeaderReader(std)
    msg = _headers_to_message(headers, raw, source, position, received_at)
    msg.defects.extend(_framing_defects(raw, std, too_large, opts))
    if too_deep:
        msg.defects.append(Defect(code=DefectCode.TOO_DEEP, detail=too_deep))
    msg.authentication, malformed = parse_authentication_results(
        headers.all("Authentication-Results")
    )
    if malformed:
        detail = f"Authentication-Results: {malformed} malformed or over the limit, ignored"
        msg.defects.append(Defect(code=DefectCode.HEADER, detail=detail))
    if not too_large:
        _fill_body(msg, std, headers, opts, patterns)
    msg.defects.extend(d for d in headers.defects if d not in msg.defects)
    return msg


def mime_depth(opts: ParseOptions) -> int:
    """Nesting the stdlib parser is given: twice the walk's limit, a margin for the estimate
    (the walker still records anything past its own limit)."""
    return 2 * opts.max_depth


def strip_mbox_from_line(raw: bytes) -> bytes:
    """Drop a leading mbox 'From ' separator line."""
    if raw.startswith(b"From "):
        end = _LINE_END_RE.search(raw)
        return raw[end.end() :] if end else b""
    return raw


def _parse_std(raw: bytes) -> EmailMessage:
    parsed = email.message_from_bytes(raw, policy=CACHED)
    assert isinstance(parsed, EmailMessage)
    return parsed


def header_block(raw: bytes) -> bytes:
    """The header block of raw mail (up to the first blank line)."""
    end = _HEADER_END_RE.search(raw, 0, 1024 * 1024)
    return raw[: end.end()] if end else raw[: 64 * 1024]


def _headers_to_message(
    headers: HeaderReader, raw: bytes, source: str, position: str | None, received: datetime | None
) -> Message:
    message_id = _message_id(headers)
    key = message_key(message_id, raw)
    senders = headers.addresses("From")
    return Message(
        id=message_id_for(key),
        key=key,
        message_id=message_id,
        source=source,
        source_position=position,
        size=len(raw),
        content_sha256=hashlib.sha256(raw).hexdigest(),
        date=headers.date("Date"),
        received_at=received or datetime.now(UTC),
        from_=senders[0] if senders else None,
        sender=_first(headers.addresses("Sender")),
        reply_to=headers.addresses("Reply-To"),
        to=headers.addresses("To"),
        cc=headers.addresses("Cc"),
        subject=headers.text("Subject"),
        in_reply_to=_first(headers.message_ids("In-Reply-To")),
        references=headers.message_ids("References"),
    )


def _message_id(headers: HeaderReader) -> str | None:
    ids = headers.message_ids("Message-ID")
    if ids:
        return ids[0]
    bare = headers.text("Message-ID").strip("<> ")
    return bare if _BARE_ID_RE.fullmatch(bare) else None


def _first(items: list[_T]) -> _T | None:
    return items[0] if items else None


def _framing_defects(
    raw: bytes, std: EmailMessage, too_large: bool, opts: ParseOptions
) -> list[Defect]:
    defects: list[Defect] = []
    if too_large:
        detail = f"{len(raw)} bytes > limit {opts.max_bytes}; headers kept, body dropped"
        defects.append(Defect(code=DefectCode.TOO_LARGE, detail=detail))
    if not _looks_like_mail(raw, std):
        defects.append(Defect(code=DefectCode.NOT_MAIL, detail="no RFC 5322 header block"))
        return defects
    names = {k.lower() for k in std.keys()}
    if "message-id" not in names:
        defects.append(Defect(code=DefectCode.MISSING_MESSAGE_ID))
    if "date" not in names:
        defects.append(Defect(code=DefectCode.MISSING_DATE))
    return defects


def _looks_like_mail(raw: bytes, std: EmailMessage) -> bool:
    # Any header makes it mail (a bare MIME entity too); obsolete syntax such as
    # "From  : x" defeats the stdlib, so a header-shaped first line counts as well.
    return bool(std.keys()) or _HEADER_LINE_RE.match(raw.lstrip()) is not None


def _fill_body(
    msg: Message,
    std: EmailMessage,
    headers: HeaderReader,
    opts: ParseOptions,
    patterns: EntityPatterns | None,
) -> None:
    limits = WalkLimits(max_attachments=opts.max_attachments, max_depth=opts.max_depth)
    body = walk_body(std, limits)
    msg.defects.extend(body.defects)
    msg.attachments = body.attachments
    msg.html_text = _html_text(body.html, msg, opts)
    auto = detect_auto(std, headers, msg.from_)
    msg.auto, msg.auto_reason, msg.bounce = auto.kind, auto.reason, auto.bounce
    _split_text(msg, body.plain, body.attached_texts)
    if not (msg.text or msg.quoted or msg.attachments):
        msg.defects.append(Defect(code=DefectCode.EMPTY_BODY))
    msg.entities = _entities(msg, opts, patterns)


def _split_text(msg: Message, plain_parts: list[str], attached_texts: list[str]) -> None:
    plain = tidy_text("\n\n".join(t for t in plain_parts if t.strip())) or msg.html_text
    language = detect_language(plain)
    if msg.auto in _NO_REPLY_KINDS:
        parts = ReplyParts(plain, "", "")
    else:
        parts = split_reply(plain, language)
    msg.text, msg.signature = parts.new, parts.signature
    attached = (tidy_text(t) for t in attached_texts)
    msg.quoted = "\n\n".join(p for p in (parts.quoted, *attached) if p.strip())
    # The first guess read quoted text too when the new text is shorter than its sample.
    if parts.quoted and len(msg.text) < SAMPLE_CHARS // 2:
        language = detect_language(msg.text or msg.subject)
    msg.language = language


def _html_text(html_parts: list[str], msg: Message, opts: ParseOptions) -> str:
    texts = []
    for html in html_parts:
        try:
            read = read_html(html, opts.html_limits())
        except Exception as exc:  # a parser bug must not lose the message
            msg.defects.append(Defect(code=DefectCode.HTML, detail=repr(exc)))
            continue
        texts.append(read.text)
        if read.truncated:
            detail = f"HTML cut before parsing: {read.truncated}"
            msg.defects.append(Defect(code=DefectCode.HTML_TRUNCATED, detail=detail))
    return "\n\n".join(t for t in texts if t)


def _entities(msg: Message, opts: ParseOptions, patterns: EntityPatterns | None) -> list[Entity]:
    reference = msg.date if msg.date and _SANE_YEARS[0] <= msg.date.year <= _SANE_YEARS[1] else None
    reference = reference or msg.received_at
    found: list[Entity] = []
    for field, text in (
        (TextField.SUBJECT, msg.subject),
        (TextField.TEXT, msg.text),
        (TextField.QUOTED, msg.quoted),
    ):
        found += extract_entities(
            text[: opts.max_entity_chars], field, reference=reference, patterns=patterns
        )
    return found
