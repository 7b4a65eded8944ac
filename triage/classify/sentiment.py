"""Sentiment: VADER's lexicon for English, plus a small cue list for our other languages."""

from __future__ import annotations

import re
from functools import cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from models import Sentiment

NEUTRAL_BAND = 0.4  # VADER scores politeness ("please", "thanks") as positive
MAX_CHARS = 2_000
_NEGATIVE_RE = re.compile(
    r"\b(inakzeptabel|unzumutbar|verärgert|enttäuscht|Frechheit|Beschwerde|ärgerlich|"
    r"inacceptable|déçu|furieux|scandaleux|inaceptable|decepcionad[oa]|molest[oa]|"
    r"onacceptabel|teleurgesteld|boos)\b",
    re.IGNORECASE,
)
_POSITIVE_RE = re.compile(
    r"\b(vielen dank|herzlichen dank|super|perfekt|ausgezeichnet|merci beaucoup|parfait|"
    r"excellent|muchas gracias|perfecto|hartelijk dank|uitstekend)\b",
    re.IGNORECASE,
)


@cache
def _analyzer() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


def assess_sentiment(text: str, language: str | None) -> tuple[Sentiment, float]:
    """Sentiment and a score in [-1, 1] for the new text of a message."""
    sample = text[:MAX_CHARS]
    if language in (None, "en"):
        score = float(_analyzer().polarity_scores(sample)["compound"])
    else:
        negative = len(_NEGATIVE_RE.findall(sample))
        positive = len(_POSITIVE_RE.findall(sample))
        score = max(-1.0, min(1.0, 0.5 * (positive - negative)))
    if score <= -NEUTRAL_BAND:
        return Sentiment.NEGATIVE, score
    if score >= NEUTRAL_BAND:
        return Sentiment.POSITIVE, score
    return Sentiment.NEUTRAL, score
