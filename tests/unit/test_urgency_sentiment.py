"""Urgency cues and deadlines, sentiment, and the extractive summary."""

from __future__ import annotations

from datetime import UTC, date, datetime

from models import Sentiment, Urgency
from parsers import message_from_text
from triage.classify.sentiment import assess_sentiment
from triage.classify.summary import summarize
from triage.classify.urgency import add_working_days, assess_urgency

WEDNESDAY = datetime(2025, 3, 5, 9, 0, tzinfo=UTC)


def _urgency(text: str, intent: str = "order_status") -> tuple[Urgency, list[str]]:
    return assess_urgency(message_from_text(text, received_at=WEDNESDAY), intent)


def test_line_down_is_critical() -> None:
    assert _urgency("Our line down since 6am, we need the parts")[0] is Urgency.CRITICAL
    assert _urgency("Bandstillstand droht!")[0] is Urgency.CRITICAL


def test_explicit_cues_and_near_deadlines_are_high() -> None:
    level, reasons = _urgency("Please ship ASAP")
    assert level is Urgency.HIGH and reasons == ["cue 'ASAP'"]
    level, reasons = _urgency("We need the goods by Friday")
    assert level is Urgency.HIGH and any("deadline 2025-03-07" in r for r in reasons)
    assert _urgency("We need the goods by 30 April")[0] is Urgency.NORMAL


def test_intent_sets_the_base_level() -> None:
    assert _urgency("The pallet arrived", "delivery_problem")[0] is Urgency.HIGH
    assert _urgency("Monthly news", "newsletter")[0] is Urgency.LOW
    assert _urgency("Please send the catalogue", "product_question") == (Urgency.NORMAL, [])


def test_working_days_skip_weekends() -> None:
    assert add_working_days(date(2025, 3, 7), 2) == date(2025, 3, 11)


def test_sentiment_in_english_and_german() -> None:
    assert assess_sentiment("This is unacceptable, I am furious.", "en")[0] is Sentiment.NEGATIVE
    assert assess_sentiment("Thank you so much, great service!", "en")[0] is Sentiment.POSITIVE
    assert assess_sentiment("Please send the invoice.", "en")[0] is Sentiment.NEUTRAL
    assert (
        assess_sentiment("Das ist inakzeptabel, wir sind verärgert.", "de")[0] is Sentiment.NEGATIVE
    )


def test_summary_prefers_sentences_with_references() -> None:
    text = "Hello Anna,\nhope you are well. The weather is nice.\nWhere is S00042? We need it."
    assert summarize(message_from_text(text)) == "hope you are well. Where is S00042?"
