"""Our parser beside a peer, SpamScope's `mail-parser`, on every message of the shared corpus.

Both parse the same bytes (an mbox `From ` line stripped first, for both). Speed is the best
of ROUNDS interleaved passes. Correctness is judged against a reference built from the stdlib
`email` package (policy=default) walking the MIME tree, never against either tool:

- body part: a leaf text/plain or text/html part not marked Content-Disposition: attachment
  (inside attached messages too); its text is the transfer-decoded bytes decoded with the
  declared charset (us-ascii when none), HTML with tags dropped and entities unescaped.
  The message is *clean* when every body part decodes strictly with its declared charset.
- reference attachment: any part with a filename or Content-Disposition: attachment.
- tool text: ours is text + quoted + signature + html_text of the `Message`; mail-parser's
  is its text_plain and text_html joined.

A message counts against a tool for:

- crash: the parse raises;
- missing text: the reference has non-blank body text and the tool's text is blank;
- garbled text (clean messages only): the tool's text has more U+FFFD or mojibake marks
  (UTF-8 read as Latin-1: 'Ã' or 'Â' before a Latin-1 symbol, 'â€') than the reference;
- lost attachments: the tool reports fewer attachments than the reference;
- wrong charset (clean messages only): the reference has words with non-ASCII letters and
  none of its first five appears in the tool's text.
"""

from __future__ import annotations

import email
import html
import logging
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from email import policy
from email.message import Message as StdMessage

import mailparser

from bench.parse import CORPORA, bare, load
from models import Message
from parsers import parse_message
from parsers.message import strip_mbox_from_line

ROUNDS = 2
WORDS_CHECKED = 5
CHECKS = ("crash", "missing text", "garbled text", "lost attachments", "wrong charset")
_MARKS_RE = re.compile("\ufffd|[ÃÂ][\u0080-\u00bf]|â€")
_TAG_RE = re.compile(r"<[^>]*>")
_WORD_STRIP = ".,;:!?\"'()[]{}<>*«»“”„‘’-–—/\\|"


@dataclass(frozen=True)
class Reference:
    """What the stdlib walk finds in one message."""

    text: str
    clean: bool
    attachments: int
    words: tuple[str, ...]


@dataclass(frozen=True)
class Outcome:
    """What one tool gave for one message (None when it raised)."""

    text: str | None
    attachments: int


def reference(raw: bytes) -> Reference:
    """The stdlib's view of a message's body text and attachments."""
    msg = email.message_from_bytes(raw, policy=policy.default)
    texts, clean, attachments = [], True, 0
    for part in msg.walk():
        if part.is_multipart():
            continue
        disposition = part.get_content_disposition()
        if _filename(part) or disposition == "attachment":
            attachments += 1
        if part.get_content_type() in ("text/plain", "text/html") and disposition != "attachment":
            text, strict = _decode(part)
            clean = clean and strict
            is_html = part.get_content_type() == "text/html"
            texts.append(html.unescape(_TAG_RE.sub(" ", text)) if is_html else text)
    joined = "\n".join(texts)
    return Reference(joined, clean, attachments, _non_ascii_words(joined))


def _filename(part: StdMessage) -> str:
    try:
        return str(part.get_filename() or "")
    except Exception:  # broken RFC 2231 parameters raise inside the stdlib
        return "?"


def _decode(part: StdMessage) -> tuple[str, bool]:
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return "", False
    charset = part.get_content_charset() or "us-ascii"
    try:
        return data.decode(charset), True
    except (LookupError, UnicodeError):
        return data.decode("utf-8", "replace"), False


def _non_ascii_words(text: str) -> tuple[str, ...]:
    words = (w.strip(_WORD_STRIP) for w in text.split())
    found = [w for w in words if any(ord(c) > 127 and c.isalpha() for c in w)]
    return tuple(dict.fromkeys(found))[:WORDS_CHECKED]


def ours(raw: bytes) -> Outcome:
    """Our parser's text and attachment count."""
    msg: Message = parse_message(raw)
    text = "\n".join((msg.text, msg.quoted, msg.signature, msg.html_text))
    return Outcome(text, len(msg.attachments))


def theirs(raw: bytes) -> Outcome:
    """mail-parser's text and attachment count."""
    parsed = mailparser.parse_from_bytes(raw)
    return Outcome("\n".join(parsed.text_plain + parsed.text_html), len(parsed.attachments))


def failures(ref: Reference, got: Outcome) -> list[str]:
    """The checks one tool fails on one message (see the module docstring)."""
    if got.text is None:
        return ["crash"]
    failed = []
    if ref.text.strip() and not got.text.strip():
        failed.append("missing text")
    if ref.clean and _marks(got.text) > _marks(ref.text):
        failed.append("garbled text")
    if got.attachments < ref.attachments:
        failed.append("lost attachments")
    if ref.clean and ref.words and not any(w in got.text for w in ref.words):
        failed.append("wrong charset")
    return failed


def _marks(text: str) -> int:
    return len(_MARKS_RE.findall(text))


def timed_pass(raws: list[bytes], parse: Callable[[bytes], Outcome]) -> tuple[float, list[Outcome]]:
    """Seconds for one pass, and every outcome (text None where the parse raised)."""
    outcomes = []
    start = time.perf_counter()
    for raw in raws:
        try:
            outcomes.append(parse(raw))
        except Exception:  # a crash is a result here, counted per tool
            outcomes.append(Outcome(None, 0))
    return time.perf_counter() - start, outcomes


def main() -> int:
    """Print speed and the failed checks of both tools, and our full/stdlib ratio."""
    if not CORPORA.is_dir():
        print(f"corpus not found at {CORPORA}", file=sys.stderr)
        return 1
    logging.getLogger("mailparser").setLevel(logging.CRITICAL)  # its per-message warnings
    raws = [strip_mbox_from_line(raw) for raw in load(CORPORA)]
    parse_message(raws[0])  # load the language model before timing
    best = {"ours": float("inf"), "mail-parser": float("inf"), "stdlib": float("inf")}
    results: dict[str, list[Outcome]] = {}
    for _ in range(ROUNDS):
        for name, parse in (("ours", ours), ("mail-parser", theirs)):
            seconds, results[name] = timed_pass(raws, parse)
            best[name] = min(best[name], seconds)
        start = time.perf_counter()
        for raw in raws:
            bare(raw)
        best["stdlib"] = min(best["stdlib"], time.perf_counter() - start)
    refs = [reference(raw) for raw in raws]
    print(f"corpus: {CORPORA} ({len(raws)} messages; {sum(r.clean for r in refs)} clean)")
    print(f"{'':<18}{'msg/s':>9}" + "".join(f"{c:>18}" for c in CHECKS))
    for name in ("ours", "mail-parser"):
        counts = Counter(
            f for r, o in zip(refs, results[name], strict=True) for f in failures(r, o)
        )
        row = "".join(f"{counts[c]:>18}" for c in CHECKS)
        print(f"{name:<18}{len(raws) / best[name]:>9,.0f}{row}")
    ratio = best["stdlib"] / best["ours"]
    print(f"full parse / stdlib parse: {ratio:.2f} (goal >= 0.33)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
