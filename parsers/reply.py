"""Splitting a mail body into the new text, the quoted earlier messages and the signature."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from mailparser_reply import EmailReplyParser

# Languages whose "On ... wrote:" and "From:/Sent:" headers mail-parser-reply knows.
REPLY_LANGUAGES = frozenset({"en", "de", "fr", "es", "nl", "it", "sv", "da", "pl", "cs", "ja"})
# The library's regexes are linear but slow on huge bodies; beyond this only our
# own line marking runs.
MAX_REPLY_PARSE_CHARS = 64_000
MAX_SIGN_OFF_WORDS = 5


@dataclass(frozen=True)
class ReplyParts:
    """The three parts of a mail body."""

    new: str
    quoted: str
    signature: str


@cache
def _parser(language: str) -> EmailReplyParser:
    # One language plus English: the library's regex grows (and slows) with every language.
    return EmailReplyParser(languages=sorted({"en", language}))


def split_reply(text: str, language: str | None = None) -> ReplyParts:
    """Split a plain-text body into new text, quoted part and signature."""
    if not text.strip():
        return ReplyParts("", "", "")
    if len(text) > MAX_REPLY_PARSE_CHARS:
        new, quoted = split_quote_markers(text)
        return ReplyParts(new, quoted, "")
    lang = language if language in REPLY_LANGUAGES else "en"
    parsed = _parser(lang).read(text)
    first = parsed.replies[0]
    rest = "\n\n".join(r.content for r in parsed.replies[1:])
    signature = first.signatures or ""
    if not _is_sign_off(signature):
        signature = ""
    body = first.body if signature else first.full_body
    new, inline_quoted = split_quote_markers(body)
    quoted = "\n\n".join(part for part in (inline_quoted, rest) if part)
    return ReplyParts(new, quoted, signature)


def _is_sign_off(signature: str) -> bool:
    """A real sign-off line is short ("Thanks," / "Best regards"); "Thanks, the invoice
    is approved" starts a sentence the library would otherwise cut away."""
    first_line = signature.strip().partition("\n")[0]
    return bool(first_line) and len(first_line.split()) <= MAX_SIGN_OFF_WORDS


def split_quote_markers(text: str) -> tuple[str, str]:
    """Move '>'-quoted lines out of the text; what remains is the new text."""
    new: list[str] = []
    quoted: list[str] = []
    for line in text.splitlines():
        (quoted if line.lstrip().startswith(">") else new).append(line)
    return "\n".join(new).strip(), "\n".join(quoted).strip()
