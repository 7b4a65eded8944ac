"""Splitting a mail into the parts that may each carry one request."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from triage.classify.segments import (
    MAX_SCAN_CHARS,
    MAX_SEGMENT_CHARS,
    MAX_SEGMENTS,
    request_segments,
    sentence_units,
    sentences,
)

TWO_REQUESTS = (
    "We were charged twice on INV/2025/00012, please correct it. Also, when will order S00042 ship?"
)


def test_one_paragraph_splits_into_its_sentences() -> None:
    assert request_segments(TWO_REQUESTS) == [
        "We were charged twice on INV/2025/00012, please correct it.",
        "Also, when will order S00042 ship?",
    ]


def test_paragraphs_are_the_parts_and_greetings_and_sign_offs_do_not_count() -> None:
    text = (
        "Guten Tag Frau Krüger,\n\n"
        "the invoice INV/2025/00012 is wrong. We only received 20 units.\n"
        "Please send a credit note.\n\n"
        "  \n"
        "And could you tell me when S00042 will ship?\n\n"
        "Thanks, Maria"
    )
    assert request_segments(text) == [
        "the invoice INV/2025/00012 is wrong. We only received 20 units. "
        "Please send a credit note.",
        "And could you tell me when S00042 will ship?",
    ]


def test_a_short_sentence_joins_its_neighbour() -> None:
    text = "Hi. Please cancel S00042 today for us. Thanks! Where is S00043 right now?"
    assert sentence_units(text) == [
        "Hi. Please cancel S00042 today for us.",
        "Thanks! Where is S00043 right now?",
    ]
    assert sentence_units("Please cancel S00042 today for us. Thank you.") == [
        "Please cancel S00042 today for us. Thank you."
    ]


def test_abbreviations_and_numbers_do_not_end_a_sentence() -> None:
    text = "Please credit it, e.g. by a note. Bestellung Nr. 5 fehlt noch."
    assert sentences(text) == ["Please credit it, e.g. by a note.", "Bestellung Nr. 5 fehlt noch."]
    assert sentences("¿Dónde está S00042? ¡Lo necesitamos ya!") == [
        "¿Dónde está S00042?",
        "¡Lo necesitamos ya!",
    ]
    assert sentences("") == []


def test_ordinal_dates_and_letter_abbreviations_do_not_end_a_sentence() -> None:
    text = "Unsere Bestellung vom 3. Juni fehlt. Bitte z.B. Kartons senden. Danke 2025. Neu."
    assert sentences(text) == [
        "Unsere Bestellung vom 3. Juni fehlt.",
        "Bitte z.B. Kartons senden.",
        "Danke 2025.",
        "Neu.",
    ]


def test_one_sentence_or_nothing_worth_reading_is_at_most_one_part() -> None:
    assert request_segments("When will order S00042 ship?") == ["When will order S00042 ship?"]
    assert request_segments("Thanks!\n\nMaria") == []
    assert request_segments("") == []


def test_many_sentences_are_grouped_in_order_within_the_cap() -> None:
    text = " ".join(f"Sentence number {i} is here." for i in range(13))
    parts = request_segments(text, limit=4)
    assert len(parts) == 4
    assert parts[0].startswith("Sentence number 0 ") and parts[-1].endswith("number 12 is here.")
    assert " ".join(parts) == text


def test_each_part_is_capped() -> None:
    (part,) = request_segments("x" * 1_000 + " and four more words")
    assert part == "x" * MAX_SEGMENT_CHARS
    (words,) = request_segments("word " * 200)
    assert len(words) <= MAX_SEGMENT_CHARS and words.endswith("word")


@given(st.text(max_size=2_000))
def test_any_text_gives_a_bounded_list_of_bounded_non_empty_parts(text: str) -> None:
    parts = request_segments(text)
    assert len(parts) <= MAX_SEGMENTS
    assert all(0 < len(p) <= MAX_SEGMENT_CHARS and p == p.strip() for p in parts)


def test_only_the_start_of_a_long_mail_is_cut_into_parts() -> None:
    long = "Please check invoice INV/2025/00012 again today. " * 20_000
    assert request_segments(long) == request_segments(long[:MAX_SCAN_CHARS])
