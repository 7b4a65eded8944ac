"""The stdlib `email` package vs `fast-mail-parser` (Rust) as the parser's MIME layer.

Each message becomes a `MimeView` twice: once the way the parser reads it today (stdlib
parse, `HeaderReader`, `walk_body`) and once with fast-mail-parser underneath (its flat
parse for the headers, its MIME tree walked exactly as `walk_body` walks the stdlib's, with
the same charset decoding, HTML reading and tidying on top). Everything above the layer is
shared, so a difference is the layer's. Kinds of difference:

- crash: fast-mail-parser raises where the stdlib parses (the whole message is lost);
- subject, sender, to, cc, names, date, message_id: the header after our cleaning (the
  lower-cased addresses of From, To and Cc; their display names apart, in `names`; the date
  as an instant; the first <id> of Message-ID);
- plain, html_text, attached_text: tidied text/plain bodies, text read from text/html
  bodies, text of attached messages;
- attachments: (name, content type, size, sha256) of every attachment, in order, but only
  name and type for an attached message, whose bytes the stdlib re-serialises;
- rfc822_bytes: (size, sha256) of attached messages (stdlib re-serialised vs raw bytes).

Run `python bench/peers/mime_backends.py` for the counts, examples and both speeds.
"""

from __future__ import annotations

import email
import hashlib
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from datetime import datetime
from email import policy
from email.header import decode_header, make_header
from email.message import EmailMessage
from pathlib import Path

import fast_mail_parser as fmp

from bench.parse import CORPORA, bare, load
from models import Attachment
from parsers.charset import decode_text
from parsers.headers import HeaderReader
from parsers.html import CONTROL_RE, read_html, tidy_text
from parsers.message import strip_mbox_from_line
from parsers.mime import BodyParts, WalkLimits, walk_body

LIMITS = WalkLimits()
RFC822 = "message/rfc822"
EXAMPLES_PER_KIND = 5
_MSGID_RE = re.compile(r"<([!-;=?-~]{1,900})>")
_WS_RE = re.compile(r"\s+")
_CHARSET_RE = re.compile(r"""charset\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s;"']+))""", re.IGNORECASE)
_SKIP_TYPES = {"message/delivery-status", "message/disposition-notification"}


@dataclass(frozen=True)
class MimeView:
    """What the MIME layer hands the rest of the parser, in comparable form."""

    subject: str
    sender: str | None
    to: tuple[str, ...]
    cc: tuple[str, ...]
    names: tuple[str, ...]
    date: datetime | None
    message_id: str | None
    plain: str
    html_text: str
    attached_text: tuple[str, ...]
    attachments: tuple[tuple[str, str, int | None, str | None], ...]
    rfc822_bytes: tuple[tuple[int, str], ...]


KINDS = ("crash", *(f.name for f in fields(MimeView)))


@dataclass
class Comparison:
    """Messages that differ, counted by kind, with the first few examples of each."""

    messages: int = 0
    differing: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, kinds: dict[str, str]) -> None:
        """Record one message's differences (kind -> what differs)."""
        self.messages += 1
        self.differing += bool(kinds)
        for kind, detail in kinds.items():
            self.counts[kind] += 1
            found = self.examples.setdefault(kind, [])
            if len(found) < EXAMPLES_PER_KIND:
                found.append(f"{name}: {detail}")


def stdlib_view(raw: bytes) -> MimeView:
    """The message as the parser reads it today."""
    std = email.message_from_bytes(strip_mbox_from_line(raw), policy=policy.default)
    assert isinstance(std, EmailMessage)
    headers = HeaderReader(std)
    senders, to, cc = (headers.addresses(name) for name in ("From", "To", "Cc"))
    return MimeView(
        subject=headers.text("Subject"),
        sender=senders[0].email if senders else None,
        to=tuple(a.email for a in to),
        cc=tuple(a.email for a in cc),
        names=tuple(a.name for a in (*senders[:1], *to, *cc)),
        date=headers.date("Date"),
        message_id=_first_id(headers.raw("Message-ID")),
        **_body_fields(walk_body(std, LIMITS)),
    )


def fast_view(raw: bytes) -> MimeView:
    """The message with fast-mail-parser as the MIME layer (raises its ParseError)."""
    raw = strip_mbox_from_line(raw)
    mail = fmp.parse_email(raw)
    senders = [mail.from_] if mail.from_ else []
    body = BodyParts()
    _walk_fast(fmp.parse_email_tree(raw), body, depth=0)
    return MimeView(
        subject=_clean(mail.subject),
        sender=_fast_email(mail.from_) if mail.from_ else None,
        to=tuple(_fast_email(a) for a in mail.to),
        cc=tuple(_fast_email(a) for a in mail.cc),
        names=tuple(_clean(a.display_name or "") for a in (*senders, *mail.to, *mail.cc)),
        date=mail.date_parsed,
        message_id=_first_id(_header(mail.headers, "Message-ID")),
        **_body_fields(body),
    )


def differences(raw: bytes) -> dict[str, str]:
    """Kinds on which the two layers disagree for one message, with a short detail each."""
    ours = stdlib_view(raw)
    try:
        theirs = fast_view(raw)
    except fmp.ParseError as exc:
        return {"crash": f"{type(exc).__name__}: {str(exc)[:100]}"}
    found = {}
    for f in fields(MimeView):
        mine, other = getattr(ours, f.name), getattr(theirs, f.name)
        if mine != other:
            found[f.name] = f"stdlib {_short(mine)} / fast {_short(other)}"
    return found


def compare(named: Iterable[tuple[str, bytes]]) -> Comparison:
    """Compare the two layers message by message."""
    result = Comparison()
    for name, raw in named:
        result.add(name, differences(raw))
    return result


def _body_fields(body: BodyParts) -> dict[str, object]:
    html = (read_html(h, None).text for h in body.html)
    return {
        "plain": tidy_text("\n\n".join(t for t in body.plain if t.strip())),
        "html_text": "\n\n".join(t for t in html if t),
        "attached_text": tuple(tidy_text(t) for t in body.attached_texts),
        "attachments": tuple(
            (a.name, a.content_type, None, None)
            if a.content_type == RFC822
            else (a.name, a.content_type, a.size, a.sha256)
            for a in body.attachments
        ),
        "rfc822_bytes": tuple(
            (a.size, a.sha256) for a in body.attachments if a.content_type == RFC822
        ),
    }


def _walk_fast(node: fmp.PyMimePart, out: BodyParts, depth: int) -> None:
    """`parsers.mime._walk` over a fast-mail-parser tree node."""
    ctype = node.content_type.lower()
    if depth > LIMITS.max_depth or ctype in _SKIP_TYPES:
        return
    if node.is_message:
        _walk_fast_attached(node, out, depth)
    elif node.children or ctype.startswith("multipart/"):
        for child in node.children:
            _walk_fast(child, out, depth + 1)
    elif ctype not in ("text/plain", "text/html") or _disposition(node) == "attachment":
        _add_fast_attachment(node, ctype, node.content or b"", out)
    else:
        text, _ = decode_text(node.content or b"", _charset(node))
        (out.html if ctype == "text/html" else out.plain).append(text)


def _walk_fast_attached(node: fmp.PyMimePart, out: BodyParts, depth: int) -> None:
    inner = BodyParts()
    for child in node.children:
        _add_fast_attachment(node, RFC822, node.content or b"", out, child)
        _walk_fast(child, inner, depth + 1)
    out.attached_texts.extend(inner.plain or inner.html)
    out.attached_texts.extend(inner.attached_texts)
    room = max(0, LIMITS.max_attachments - len(out.attachments))
    out.attachments.extend(inner.attachments[:room])


def _add_fast_attachment(
    node: fmp.PyMimePart,
    ctype: str,
    data: bytes,
    out: BodyParts,
    inner: fmp.PyMimePart | None = None,
) -> None:
    if len(out.attachments) >= LIMITS.max_attachments:
        return
    name = CONTROL_RE.sub("", node.filename).strip()
    if not name and inner is not None:
        subject = _decoded(_header(inner.headers, "Subject")[:1] or ["message"])
        name = f"{CONTROL_RE.sub('', subject).strip()[:80]}.eml"
    digest = hashlib.sha256(data).hexdigest()
    out.attachments.append(Attachment(name=name, content_type=ctype, size=len(data), sha256=digest))


def _disposition(node: fmp.PyMimePart) -> str:
    return (node.disposition or "").split(";")[0].strip().lower()


def _charset(node: fmp.PyMimePart) -> str | None:
    found = _CHARSET_RE.search(" ".join(_header(node.headers, "Content-Type")))
    return next(g for g in found.groups() if g is not None) if found else None


def _header(headers: dict[str, list[str]], name: str) -> list[str]:
    return [v for k, values in headers.items() if k.lower() == name.lower() for v in values]


def _decoded(values: list[str]) -> str:
    try:
        return str(make_header(decode_header(values[0])))
    except Exception:  # an unreadable subject only loses the friendly name
        return values[0]


def _first_id(values: list[str]) -> str | None:
    found = _MSGID_RE.findall(" ".join(values))
    return found[0] if found else None


def _fast_email(address: fmp.PyAddress) -> str:
    return address.address.strip().lower()


def _clean(value: str) -> str:
    return _WS_RE.sub(" ", CONTROL_RE.sub("", value)).strip()


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 90 else f"{text[:60]}...{text[-25:]} ({len(text)} chars)"


def layer_rate(raws: list[bytes], layer: Callable[[bytes], object]) -> float:
    """Messages per second through one layer, best of three passes."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for raw in raws:
            try:
                layer(raw)
            except fmp.ParseError:
                pass
        best = min(best, time.perf_counter() - start)
    return len(raws) / best


def stdlib_layer(raw: bytes) -> object:
    """Today's MIME layer: the stdlib parse and our walk of its tree."""
    std = email.message_from_bytes(strip_mbox_from_line(raw), policy=policy.default)
    return HeaderReader(std).addresses("From"), walk_body(std, LIMITS)


def fast_layer(raw: bytes) -> object:
    """The candidate: fast-mail-parser's flat parse and our walk of its tree."""
    raw = strip_mbox_from_line(raw)
    body = BodyParts()
    _walk_fast(fmp.parse_email_tree(raw), body, depth=0)
    return fmp.parse_email(raw).from_, body


def corpus_files(folder: Path = CORPORA) -> list[Path]:
    """Every message file of the shared corpus, in a stable order."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "README.md")


def main() -> int:
    """Print the differences by kind, examples and the speed of both layers."""
    if not CORPORA.is_dir():
        print(f"corpus not found at {CORPORA}", file=sys.stderr)
        return 1
    files = corpus_files()
    result = compare((str(p.relative_to(CORPORA)), p.read_bytes()) for p in files)
    print(f"{result.messages} messages, {result.differing} differ in at least one kind")
    for kind in KINDS:
        print(f"  {kind:<14} {result.counts[kind]:5}")
    for kind, examples in result.examples.items():
        print(f"examples of {kind}:")
        for example in examples:
            print(f"  {example}")
    raws = [strip_mbox_from_line(raw) for raw in load(CORPORA)]
    for label, layer in (
        ("stdlib message_from_bytes", bare),
        ("fast_mail_parser.parse_email", fmp.parse_email),
        ("fast_mail_parser.parse_email_tree", fmp.parse_email_tree),
        ("stdlib layer (parse, headers, walk)", stdlib_layer),
        ("fast layer (parse, tree, walk)", fast_layer),
    ):
        print(f"{label:<36} {layer_rate(raws, layer):8,.0f} msg/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
