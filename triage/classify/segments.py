"""Split a mail into the parts that may each carry one request.

A mail with two requests ("please correct invoice INV/2025/00012. Also, when will S00042
ship?") reads as one intent to a model that sees the whole text; each part alone reads as its
own. Parts are the body's paragraphs, or its sentences when it has only one paragraph worth
reading. Greetings and sign-offs are too short to count. The subject is no part of its own: it
names the mail's topics, not a request, and the whole text (subject included) is read anyway;
as a part it added wrong second intents and no right one (bench/multi_intent.py). The number of
parts and their length are capped, so the extra model rows per mail stay bounded.

The sentence split is a pattern, not a trained splitter: a part only has to be a plausible unit
for the classifier, and a split in the wrong place costs one less-sure row, never a wrong route
(a part must still pass its intent's own threshold).
"""

from __future__ import annotations

import itertools
import re

MAX_SEGMENTS = 6
MAX_SEGMENT_CHARS = 300
# Only the start of a mail is cut into parts (the model reads no more of it either), so the
# work per mail is bounded however long the mail is.
MAX_SCAN_CHARS = 3_000
# Greetings and sign-offs ("Guten Tag Frau Krüger,", "Best regards, Maria") are shorter.
MIN_WORDS = 5

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
# A sentence ends at . ! ? (or their full-width forms) followed by space; it is a split only
# when the next word starts upper-case or with an opening quote or Spanish mark, so
# "e.g. the" and "Nr. 5" stay whole.
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+")
_OPENERS = "\"'¿¡([«„“"
# Neither an ordinal date ("vom 3. Juni") nor an abbreviation of single letters ("z.B. Kartons")
# ends a sentence.
_NO_END = re.compile(r"(?:\b\d{1,2}|\b\w\.\w)\.$")
_WORD = re.compile(r"\w+")


def request_segments(
    text: str, *, limit: int = MAX_SEGMENTS, max_chars: int = MAX_SEGMENT_CHARS
) -> list[str]:
    """The body's paragraphs (or its sentences), at most `limit`, each at most `max_chars`."""
    text = text[:MAX_SCAN_CHARS]
    paragraphs = [p for p in map(_flat, _PARAGRAPH_BREAK.split(text)) if _substantial(p)]
    if len(paragraphs) <= 1:
        parts = sentence_units(paragraphs[0]) if paragraphs else []
    else:
        parts = paragraphs
    return [part[:max_chars].rstrip() for part in _grouped(parts, max(1, limit))]


def sentence_units(paragraph: str) -> list[str]:
    """The paragraph's sentences, a sentence too short to stand alone joined to its neighbour."""
    units: list[str] = []
    carry = ""
    for sentence in sentences(paragraph):
        sentence = f"{carry} {sentence}".strip() if carry else sentence
        if _substantial(sentence):
            units.append(sentence)
            carry = ""
        else:
            carry = sentence
    if carry and units:
        units[-1] = f"{units[-1]} {carry}"
    return units


def sentences(paragraph: str) -> list[str]:
    """The paragraph cut after . ! ? where the next word starts a sentence."""
    cuts, start = [], 0
    for gap in _SENTENCE_END.finditer(paragraph):
        following = paragraph[gap.end() : gap.end() + 1]
        starts = following and (following.isupper() or following in _OPENERS)
        # Only the few characters before the stop can make it no sentence end ("3.", "z.B.").
        if starts and not _NO_END.search(paragraph, max(0, gap.start() - 8), gap.start()):
            cuts.append(paragraph[start : gap.start()])
            start = gap.end()
    return [*cuts, paragraph[start:]] if paragraph else []


def _grouped(parts: list[str], limit: int) -> list[str]:
    """At most `limit` parts: consecutive parts joined in groups whose sizes differ by one."""
    if len(parts) <= limit:
        return parts
    bounds = [round(i * len(parts) / limit) for i in range(limit + 1)]
    return [" ".join(parts[a:b]) for a, b in itertools.pairwise(bounds)]


def _substantial(part: str) -> bool:
    return len(_WORD.findall(part)) >= MIN_WORDS


def _flat(part: str) -> str:
    return " ".join(part.split())
