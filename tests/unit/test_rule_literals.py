"""The rules' literal shortcut never changes an answer: a pattern is skipped only when it
cannot match."""

from __future__ import annotations

import csv
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models import Message
from parsers import message_from_text, parse_message
from tests.conftest import CORPORA, ROOT
from triage.classify.literals import lowered_for_literals, may_match, required_literals
from triage.classify.rules import load_rules

PATTERNS = [
    r"\b(please|kindly|pls)\s+cancel\s+(my\s+)?(order|PO)\b",
    r"\bStorn(o|ierung)\s+S\d{3,}\b",
    r"(?m:^)[ \t]*cancel\s+order\b",
    r"\bziehen\s+(unsere|meine)\s+Bestellung\b[^.!?\n]{0,40}\bzur(ü|ue|u)ck\b",
    r"\bbitte\s+stornieren\b",
    r"\bΟΔΟΣ\b|kelvin",
]


@pytest.mark.parametrize(
    ("pattern", "literals"),
    [
        (r"\b(please|kindly)\s+cancel\s+(my\s+)?order\b", {"cancel"}),
        (r"\bStorn(o|ierung)\s+S\d{3,}\b", {"storn"}),
        (r"\b(I|we)\s+must\s+cancel\b|\bcancel\s+the\s+order\b", {"cancel"}),
        (r"\b(abbiamo\s+)?cambiato\s+banca\b", {"cambiato"}),
        (r"(?:ab)+c", {"ab"}),
        (r"a?b", {"b"}),
        (r"foo|\d+", None),
        (r"\d+", None),
    ],
)
def test_the_literals_every_match_contains(pattern: str, literals: set[str] | None) -> None:
    assert required_literals(pattern) == (None if literals is None else frozenset(literals))


@pytest.mark.parametrize(
    ("pattern", "text"),
    [("bitte", "BİTTE"), ("storn", "ſTORN"), ("οδοσ", "ΟΔΟΣ"), ("kelvin", "\u212aELVIN")],
)
def test_letters_the_engine_folds_its_own_way_still_match(pattern: str, text: str) -> None:
    assert re.search(pattern, text, re.IGNORECASE)
    assert may_match(required_literals(pattern), lowered_for_literals(text))


_LETTERS = st.sampled_from(list("abcdeiklnorstuüzBCEIKLNORSTUÜZ İıſ\u212aΣσς\n.") + ["ue"])


@settings(max_examples=400, deadline=None)
@given(st.lists(_LETTERS, max_size=60).map("".join), st.sampled_from(PATTERNS))
def test_a_skipped_pattern_never_matches(text: str, pattern: str) -> None:
    literals = required_literals(pattern)
    if re.search(pattern, text, re.IGNORECASE):
        assert may_match(literals, lowered_for_literals(text)), (pattern, text, literals)


def _texts() -> list[Message]:
    messages = []
    if CORPORA.is_dir():
        files = sorted(p for p in CORPORA.rglob("*") if p.is_file() and p.suffix != ".md")
        messages += [parse_message(p.read_bytes()) for p in files[::4]]
    for name in ("team_examples.csv", "multilingual_eval.csv", "two_request_eval.csv"):
        with (ROOT / "data" / name).open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                messages.append(message_from_text(row["text"], subject=row.get("subject") or ""))
    return messages


@pytest.mark.corpus
def test_every_rule_fires_on_the_same_mail_with_and_without_the_shortcut() -> None:
    rules = [r for r in load_rules().rules if r.patterns]
    fired = 0
    for message in _texts():
        text = f"{message.subject}\n{message.text}"
        lowered = lowered_for_literals(text)
        for rule in rules:
            plain = rule.matches(message, None, text)
            assert rule.matches(message, None, text, lowered) == plain, (rule.name, text[:200])
            fired += plain
    assert fired > 50  # the data sets hold many mails the rules fire on
