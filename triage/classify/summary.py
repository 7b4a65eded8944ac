"""A short extractive summary: the first sentences that carry a reference or a question."""

from __future__ import annotations

import re

from models import Message

MAX_SUMMARY_CHARS = 240
_SENTENCE_RE = re.compile(r"[^.!?\n]+[.!?]?")
_GREETING_RE = re.compile(
    r"^(hi|hello|dear|good (morning|afternoon)|hallo|guten tag|sehr geehrte|liebe|bonjour|"
    r"hola|estimad[oa]s?|beste|geachte)\b",
    re.IGNORECASE,
)


def summarize(message: Message) -> str:
    """Up to two sentences of the new text, preferring ones with entities or questions."""
    sentences = [s.strip() for s in _SENTENCE_RE.findall(message.text[:5_000])]
    sentences = [s for s in sentences if len(s) > 3 and not _GREETING_RE.match(s)]
    if not sentences:
        return message.subject[:MAX_SUMMARY_CHARS]
    raws = {e.raw for e in message.entities if e.field == "text"}
    scored = sorted(
        enumerate(sentences),
        key=lambda pair: (-_weight(pair[1], raws), pair[0]),
    )
    chosen = sorted(scored[:2], key=lambda pair: pair[0])
    return " ".join(s for _, s in chosen)[:MAX_SUMMARY_CHARS]


def _weight(sentence: str, raws: set[str]) -> int:
    return 2 * any(raw in sentence for raw in raws) + sentence.endswith("?")
