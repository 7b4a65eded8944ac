"""Detecting the language of a message's text (py3langid, model shipped in the package)."""

from __future__ import annotations

from functools import cache
from typing import Any

from py3langid.langid import MODEL_FILE, LanguageIdentifier

MIN_LETTERS = 12
MIN_CONFIDENCE = 0.5
SAMPLE_CHARS = 200


@cache
def _identifier() -> Any:
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language, or None when too short or unsure."""
    sample = text[:SAMPLE_CHARS]
    if sum(map(str.isalpha, sample)) < MIN_LETTERS:
        return None
    lang, confidence = _identifier().classify(sample)
    return str(lang) if confidence >= MIN_CONFIDENCE else None
