"""Replenishment alternatives: the pure computation (earliest days, promise, cover, order)."""

from __future__ import annotations

from datetime import date

import pytest

from models import DraftFacts, SourceKind
from triage.link.replenish import (
    Offer,
    Replenishment,
    Stock,
    alternatives,
    best_offers,
)
from triage.llm.drafting import template_draft

PLAN = Replenishment(today=date(2025, 3, 6), transfer_days=1)
STOCK = [Stock(2, "Northwind Rotterdam", 8.0), Stock(3, "Northwind Madrid", 5.0)]
OFFERS = [
    Offer(24, "Mediterraneo Foods GmbH", 21, 50.0, 32.0, "EUR", "MF-EVOO-5"),
    Offer(23, "Olivar del Sur S.L.", 5, 20.0, 33.5, "EUR", "OS-5000"),
]


def test_stock_and_vendors_with_their_earliest_day_and_promise() -> None:
    found = alternatives(20.0, date(2025, 3, 14), STOCK, OFFERS, PLAN)
    summary = [(a.source, a.earliest, a.meets_promise, a.covers) for a in found]
    assert summary == [
        ("Northwind Rotterdam", date(2025, 3, 7), True, 8.0),  # covers more than Madrid
        ("Northwind Madrid", date(2025, 3, 7), True, 5.0),
        ("Olivar del Sur S.L.", date(2025, 3, 11), True, 20.0),
        ("Mediterraneo Foods GmbH", date(2025, 3, 27), False, 20.0),
    ]
    vendor = found[2]
    assert vendor.kind is SourceKind.VENDOR and vendor.lead_days == 5
    assert (vendor.min_qty, vendor.price, vendor.vendor_code) == (20.0, 33.5, "OS-5000")


def test_the_promise_comes_before_the_earliest_day_then_the_price() -> None:
    late_stock = Replenishment(today=date(2025, 3, 6), transfer_days=30)
    found = alternatives(20.0, date(2025, 3, 14), STOCK[:1], OFFERS, late_stock)
    assert [a.source for a in found][0] == "Olivar del Sur S.L."  # the only one on time
    same_day = [Offer(1, "Dear", 5, 1, 40.0), Offer(2, "Cheap", 5, 1, 30.0)]
    assert [a.source for a in alternatives(1, None, [], same_day, PLAN)] == ["Cheap", "Dear"]


def test_without_a_promised_date_meets_promise_is_none() -> None:
    found = alternatives(20.0, None, STOCK, OFFERS, PLAN)
    assert {a.meets_promise for a in found} == {None}


def test_stock_covers_up_to_the_need_and_empty_warehouses_are_left_out() -> None:
    stock = [Stock(2, "Rotterdam", 30.0), Stock(3, "Madrid", 0.0), Stock(4, "Lyon", -2.0)]
    found = alternatives(10.0, date(2025, 3, 18), stock, [], PLAN)
    assert [(a.source, a.available, a.covers) for a in found] == [("Rotterdam", 30.0, 10.0)]


@pytest.mark.parametrize(("needed", "code"), [(30.0, "BULK"), (12.0, "SMALL"), (4.0, "SMALL")])
def test_one_offer_per_vendor_the_cheapest_the_need_reaches(needed: float, code: str) -> None:
    rows = [Offer(9, "V", 5, 10.0, 4.0, code="SMALL"), Offer(9, "V", 5, 25.0, 3.5, code="BULK")]
    assert [o.code for o in best_offers(rows, needed)] == [code]


@pytest.mark.parametrize(
    ("language", "offer"),
    [
        ("en", "another of our warehouses: 13 of 20 Extra Virgin Olive Oil 5 L."),
        ("de", "unserer Lager liefern: 13 von 20 Extra Virgin Olive Oil 5 L."),
        ("fr", "nos entrepôts : 13 sur 20 Extra Virgin Olive Oil 5 L."),
        ("es", "nuestros almacenes: 13 de 20 Extra Virgin Olive Oil 5 L."),
        ("it", "nostri magazzini: 13 su 20 Extra Virgin Olive Oil 5 L."),
        ("nl", "magazijn leveren: 13 van 20 Extra Virgin Olive Oil 5 L."),
    ],
)
def test_every_template_offers_the_partial_delivery(language: str, offer: str) -> None:
    facts = DraftFacts(
        customer="Lopez Catering S.L.",
        order="S00042",
        old_date="2025-03-14",
        new_date="2025-03-20",
        partial=["13 of 20 Extra Virgin Olive Oil 5 L"],
        language=language,
    )
    with_offer = template_draft(facts, "test").body
    without = template_draft(facts.model_copy(update={"partial": []}), "test").body
    assert offer in with_offer and "20 Extra Virgin" not in without
    assert with_offer.count("\n\n") == without.count("\n\n") + 1  # its own paragraph
