"""Walking the MIME tree: text bodies, HTML bodies and attachment metadata."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from email.message import Message as StdMessage

from models import Attachment, Defect, DefectCode
from parsers.charset import decode_text
from parsers.html import CONTROL_RE

MAX_DEFECTS = 50
_TOKEN = r"[a-z0-9!#$&^_.+-]+"
_CTYPE_RE = re.compile(rf"\s*({_TOKEN}/{_TOKEN})\s*(?:;|$)", re.IGNORECASE)
_CHARSET_RE = re.compile(r"""charset\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s;"']+))""", re.IGNORECASE)
_SKIP_TYPES = {"message/delivery-status", "message/disposition-notification"}


@dataclass(frozen=True)
class WalkLimits:
    """How far the walker goes before it stops and says so."""

    max_attachments: int = 100
    max_depth: int = 10


@dataclass
class BodyParts:
    """What the walker collected from one message."""

    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    attached_texts: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    defects: list[Defect] = field(default_factory=list)

    def add_defect(self, code: DefectCode, detail: str) -> None:
        """Record a defect once, up to a sane number of them."""
        defect = Defect(code=code, detail=detail)
        if len(self.defects) < MAX_DEFECTS and defect not in self.defects:
            self.defects.append(defect)


def walk_body(msg: StdMessage, limits: WalkLimits) -> BodyParts:
    """Collect the text, HTML and attachment metadata of a parsed message."""
    parts = BodyParts()
    _walk(msg, parts, limits, depth=0)
    return parts


def _walk(part: StdMessage, out: BodyParts, limits: WalkLimits, depth: int) -> None:
    for defect in getattr(part, "defects", []):
        out.add_defect(DefectCode.MIME, type(defect).__name__)
    ctype, params = content_type(part)
    if depth > limits.max_depth:
        out.add_defect(DefectCode.TOO_DEEP, f"MIME nesting deeper than {limits.max_depth}")
    elif ctype in _SKIP_TYPES:
        return
    elif ctype.startswith("message/") and isinstance(part.get_payload(), list):
        _walk_attached_message(part, out, limits, depth)
    elif part.is_multipart():
        for child in _children(part, ctype, out):
            _walk(child, out, limits, depth + 1)
    elif _is_attachment(part, ctype):
        _add_attachment(part, ctype, _payload(part, out), out, limits)
    elif ctype == "text/html":
        out.html.append(_decode(part, params.get("charset"), out))
    else:
        out.plain.append(_decode(part, params.get("charset"), out))


def content_type(part: StdMessage) -> tuple[str, dict[str, str]]:
    """The part's content type and charset, read from the raw header.

    The stdlib's structured Content-Type parse costs more than the rest of our walk; the
    type and the charset are all we need, and malformed values fall back like the stdlib."""
    raw = _raw_header(part, "content-type")
    if raw is None:
        return part.get_default_type(), {}
    found = _CTYPE_RE.match(raw)
    if found is None:
        return "text/plain", {}
    charset = _CHARSET_RE.search(raw)
    params = {"charset": next(g for g in charset.groups() if g is not None)} if charset else {}
    return found.group(1).lower(), params


def _raw_header(part: StdMessage, name: str) -> str | None:
    return next((str(v) for k, v in part.raw_items() if k.lower() == name), None)


def _children(part: StdMessage, ctype: str, out: BodyParts) -> list[StdMessage]:
    payload = part.get_payload()
    if isinstance(payload, list):
        return [p for p in payload if isinstance(p, StdMessage)]
    out.add_defect(DefectCode.MIME, f"{ctype} without parts")
    return []


def _walk_attached_message(
    part: StdMessage, out: BodyParts, limits: WalkLimits, depth: int
) -> None:
    inner = BodyParts()
    for child in _children(part, "message/rfc822", out):
        _add_attachment(part, "message/rfc822", _message_bytes(child, out), out, limits, child)
        _walk(child, inner, limits, depth + 1)
    out.attached_texts.extend(inner.plain or inner.html)
    out.attached_texts.extend(inner.attached_texts)
    out.attachments.extend(
        inner.attachments[: max(0, limits.max_attachments - len(out.attachments))]
    )
    for defect in inner.defects:
        out.add_defect(defect.code, defect.detail)


def _is_attachment(part: StdMessage, ctype: str) -> bool:
    if ctype not in ("text/plain", "text/html"):
        return True
    raw = _raw_header(part, "content-disposition") or ""
    return raw.split(";")[0].strip().lower() == "attachment"


def _add_attachment(
    part: StdMessage,
    ctype: str,
    data: bytes,
    out: BodyParts,
    limits: WalkLimits,
    inner: StdMessage | None = None,
) -> None:
    if len(out.attachments) >= limits.max_attachments:
        out.add_defect(DefectCode.TOO_MANY_ATTACHMENTS, f"more than {limits.max_attachments}")
        return
    out.attachments.append(
        Attachment(
            name=_filename(part, out) or _subject_name(inner),
            content_type=ctype,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
        )
    )


def _filename(part: StdMessage, out: BodyParts) -> str:
    try:
        name = part.get_filename() or ""
    except Exception as exc:  # broken RFC 2231 parameters raise inside the stdlib
        out.add_defect(DefectCode.MIME, f"filename: {exc!r}")
        return ""
    return CONTROL_RE.sub("", str(name)).strip()


def _subject_name(inner: StdMessage | None) -> str:
    if inner is None:
        return ""
    try:
        subject = str(inner.get("Subject") or "message")
    except Exception:  # an unreadable subject only loses the friendly name
        subject = "message"
    return f"{CONTROL_RE.sub('', subject).strip()[:80]}.eml"


def _payload(part: StdMessage, out: BodyParts) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception as exc:  # undecodable transfer encodings
        out.add_defect(DefectCode.MIME, f"payload: {exc!r}")
        return b""
    if isinstance(data, bytes):
        return data
    return str(part.get_payload() or "").encode("utf-8", "surrogateescape")


def _message_bytes(msg: StdMessage, out: BodyParts) -> bytes:
    try:
        return msg.as_bytes()
    except Exception as exc:  # re-serialising broken mail can fail
        out.add_defect(DefectCode.MIME, f"attached message: {exc!r}")
        return b""


def _decode(part: StdMessage, charset: str | None, out: BodyParts) -> str:
    text, defect = decode_text(_payload(part, out), charset)
    if defect is not None:
        out.add_defect(defect.code, defect.detail)
    return text
