"""Date and ETA finding and resolution against a fixed reference date."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models import EntityKind
from parsers.dates import (
    _FINDERS,
    MONTH_NAMES,
    _finder_matches,
    choose_year,
    find_dates,
    fold_case,
    is_eta_context,
    iso_week_monday,
    next_weekday,
)

WEDNESDAY = date(2025, 3, 5)


def _dates(text: str, reference: date = WEDNESDAY) -> list[tuple[str, str, str]]:
    found = []
    for entity in sorted(find_dates(text, reference), key=lambda e: (e.start, -e.end)):
        assert text[entity.start : entity.end] == entity.raw
        found.append((entity.kind.value, entity.raw, entity.value))
    return found


@pytest.mark.parametrize(
    ("text", "raw", "value"),
    [
        ("see you 12 March", "12 March", "2025-03-12"),
        ("on March 12, 2025 we met", "March 12, 2025", "2025-03-12"),
        ("on 12.03.2025", "12.03.2025", "2025-03-12"),
        ("on 2025-03-12", "2025-03-12", "2025-03-12"),
        ("on 12/03/2025", "12/03/2025", "2025-03-12"),
        ("on 12/03/25", "12/03/25", "2025-03-12"),
        ("on 03/25/2025", "03/25/2025", "2025-03-25"),
        ("on 12th of March", "12th of March", "2025-03-12"),
        ("on 12 Jan. 2026 then", "12 Jan. 2026", "2026-01-12"),
        ("(August 21,\n2024)", "August 21,\n2024", "2024-08-21"),
        ("call me tomorrow", "tomorrow", "2025-03-06"),
        ("the day after tomorrow", "day after tomorrow", "2025-03-07"),
        ("sometime next week", "next week", "2025-03-10"),
        ("by the end of the week", "end of the week", "2025-03-07"),
        ("by the end of the month", "end of the month", "2025-03-31"),
        ("in KW 14", "KW 14", "2025-03-31"),
        ("in CW14", "CW14", "2025-03-31"),
        ("in week 14", "week 14", "2025-03-31"),
        ("in der 14. KW", "14. KW", "2025-03-31"),
        ("KW 14/2026", "KW 14/2026", "2026-03-30"),
        ("sent Friday, 14 March 2025", "Friday, 14 March 2025", "2025-03-14"),
        ("see you this Friday", "this Friday", "2025-03-07"),
    ],
)
def test_english_and_numeric_dates(text: str, raw: str, value: str) -> None:
    found = _dates(text)
    assert [(r, v) for _, r, v in found] == [(raw, value)]


@pytest.mark.parametrize(
    ("text", "kind", "raw", "value"),
    [
        ("am 12. März", "date", "12. März", "2025-03-12"),
        ("Liefertermin: 12. März 2025", "eta", "12. März 2025", "2025-03-12"),
        ("voraussichtlich am 14.03.", "eta", "14.03.", "2025-03-14"),
        ("bis Freitag bitte", "eta", "Freitag", "2025-03-07"),
        ("wir rufen morgen an", "date", "morgen", "2025-03-06"),
        ("übermorgen", "date", "übermorgen", "2025-03-07"),
        ("nächste Woche", "date", "nächste Woche", "2025-03-10"),
        ("Lieferung in KW 14", "eta", "KW 14", "2025-03-31"),
        ("le 12 mars", "date", "12 mars", "2025-03-12"),
        ("livraison prévue le 21 mars", "eta", "21 mars", "2025-03-21"),
        ("le 1er avril", "date", "1er avril", "2025-04-01"),
        ("vendredi prochain", "date", "vendredi prochain", "2025-03-07"),
        ("demain matin", "date", "demain", "2025-03-06"),
        ("levering op 12 maart", "eta", "12 maart", "2025-03-12"),
        ("fecha de entrega: 12 de marzo de 2025", "eta", "12 de marzo de 2025", "2025-03-12"),
    ],
)
def test_german_french_dutch_spanish(text: str, kind: str, raw: str, value: str) -> None:
    assert _dates(text) == [(kind, raw, value)]


@pytest.mark.parametrize(
    ("text", "raw"),
    [
        ("New ETA: 12 March", "12 March"),
        ("ETA 2025-03-20", "2025-03-20"),
        ("expected delivery 20.03.2025", "20.03.2025"),
        ("the goods will ship on 14 March", "14 March"),
        ("Delivery date: 14/03/2025", "14/03/2025"),
        ("delayed until 28 March", "28 March"),
        ("we need it by Friday", "Friday"),
        ("please deliver by 14 March", "14 March"),
    ],
)
def test_delivery_language_makes_an_eta(text: str, raw: str) -> None:
    [(kind, found_raw, _)] = _dates(text)
    assert (kind, found_raw) == (EntityKind.ETA.value, raw)


def test_by_friday_is_the_next_friday() -> None:
    assert _dates("by Friday") == [("eta", "Friday", "2025-03-07")]
    friday = date(2025, 3, 7)
    assert _dates("by Friday", friday) == [("eta", "Friday", "2025-03-14")]


def test_eta_trigger_does_not_leak_across_sentences() -> None:
    text = "ETA is unknown. We met on 3 March."
    assert _dates(text) == [("date", "3 March", "2025-03-03")]


def test_invoice_date_is_not_an_eta() -> None:
    assert _dates("Invoice date 12.03.2025") == [("date", "12.03.2025", "2025-03-12")]


def test_bare_weekday_and_greeting_are_ignored() -> None:
    assert _dates("Guten Morgen, Hans. Opening hours Monday to Friday.") == []
    assert _dates("esta mañana") == []


@pytest.mark.parametrize(
    "text",
    [
        "version 1.2.3 and 10.0.0.1",
        "31.02.2025 and 2025-13-01",
        "phone 030-12-34",
        "S00042 INV/2025/00012",
        "the weekend and weeks 2",
        "KW 54 or week 0",
        "12 March 0000",
    ],
)
def test_no_false_dates(text: str) -> None:
    assert _dates(text) == []


def test_iso_week_rolls_into_next_year_when_past() -> None:
    assert iso_week_monday(14, None, WEDNESDAY) == date(2025, 3, 31)
    assert iso_week_monday(10, None, WEDNESDAY) == date(2025, 3, 3)  # the current week
    assert iso_week_monday(9, None, WEDNESDAY) == date(2026, 2, 23)
    assert iso_week_monday(53, 2025, WEDNESDAY) is None


def test_next_weekday() -> None:
    assert next_weekday(WEDNESDAY, 4) == date(2025, 3, 7)
    assert next_weekday(WEDNESDAY, 2) == date(2025, 3, 12)
    assert next_weekday(WEDNESDAY, 2, include_today=True) == WEDNESDAY


def test_choose_year_prefers_future_but_keeps_recent_past() -> None:
    assert choose_year(3, 12, WEDNESDAY, eta=False) == date(2025, 3, 12)
    assert choose_year(2, 1, WEDNESDAY, eta=False) == date(2025, 2, 1)
    assert choose_year(2, 1, WEDNESDAY, eta=True) == date(2026, 2, 1)
    assert choose_year(3, 1, WEDNESDAY, eta=True) == date(2025, 3, 1)
    assert choose_year(9, 12, WEDNESDAY, eta=False) == date(2025, 9, 12)
    assert choose_year(2, 29, WEDNESDAY, eta=True) == date(2028, 2, 29)


def test_year_less_date_resolution_depends_on_kind() -> None:
    assert _dates("we met on 1 February") == [("date", "1 February", "2025-02-01")]
    assert _dates("new ETA 1 February") == [("eta", "1 February", "2026-02-01")]


@pytest.mark.parametrize(("month", "names"), list(enumerate(MONTH_NAMES, start=1)))
def test_every_month_name_resolves_to_its_month(month: int, names: tuple[str, ...]) -> None:
    for name in names:
        [(_, _, value)] = _dates(f"on 2 {name.capitalize()} 2026")
        assert value == f"2026-{month:02d}-02", name


def test_fold_case_keeps_offsets() -> None:
    text = "İstanbul 12 March"
    assert len(fold_case(text)) == len(text)
    assert _dates(text) == [("date", "12 March", "2025-03-12")]


def test_is_eta_context() -> None:
    text = "Our new ETA is 12 March"
    assert is_eta_context(text, text.index("12"))
    assert not is_eta_context("Invoice of 12 March", 11)


_SCAN_SNIPPETS = [
    *"0123456789 .,/-_\n:x",
    "١٢",  # Arabic-Indic digits: \d matches them too
    "12.03.",
    "2025-",
    "kw",
    "week ",
    "kalenderwoche",
    "march",
    "mar",
    "of ",
    "1st ",
    "friday",
    "next ",
    "by ",
    "prochain",
    "morgen",
    "guten ",
    "day after tomorrow",
    "pasado mañana",
    "end of next week",
    "é",
]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_SCAN_SNIPPETS), st.text(max_size=4)), max_size=30))
def test_one_start_scan_finds_what_each_finder_finds_alone(parts: list[str]) -> None:
    folded = fold_case("".join(parts))
    alone = [[(m.span(), m.groupdict()) for m in f[0].finditer(folded)] for f in _FINDERS]
    found = [[(m.span(), m.groupdict()) for m in matches] for matches in _finder_matches(folded)]
    assert found == alone
