"""Entity extraction: every kind, spans, precedence, limits and random input."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from models import Entity, EntityKind, TextField
from parsers.dates import fold_case
from parsers.entities import _URL, EntityPatterns, _urls, extract_entities, parse_amount

REFERENCE = datetime(2025, 3, 5, 9, 30, tzinfo=UTC)  # a Wednesday
UPS = "1Z999AA10123456784"

PARAGRAPH = (
    "Hello, regarding your quotation S00042 and our purchase order P00017: "
    "invoice INV/2025/00012, vendor bill BILL/2025/00007 and credit note RINV/2025/00003. "
    "Delivery WH/OUT/00005 left, receipt WH/IN/00003 is booked. Our PO 4500012345. "
    f"UPS tracking {UPS}. New ETA: 12 March. Invoice total EUR 1,250.00. "
    "Meeting on 2025-03-20."
)


def _extract(
    text: str, field: TextField = TextField.TEXT, patterns: EntityPatterns | None = None
) -> list[Entity]:
    found = extract_entities(text, field, reference=REFERENCE, patterns=patterns)
    for entity in found:
        assert text[entity.start : entity.end] == entity.raw
    assert [e.start for e in found] == sorted(e.start for e in found)
    return found


def _pairs(text: str, patterns: EntityPatterns | None = None) -> list[tuple[EntityKind, str]]:
    return [(e.kind, e.value) for e in _extract(text, patterns=patterns)]


def test_paragraph_with_every_kind() -> None:
    assert _pairs(PARAGRAPH) == [
        (EntityKind.SALE_ORDER, "S00042"),
        (EntityKind.PURCHASE_ORDER, "P00017"),
        (EntityKind.CUSTOMER_INVOICE, "INV/2025/00012"),
        (EntityKind.VENDOR_BILL, "BILL/2025/00007"),
        (EntityKind.CREDIT_NOTE, "RINV/2025/00003"),
        (EntityKind.PICKING_OUT, "WH/OUT/00005"),
        (EntityKind.PICKING_IN, "WH/IN/00003"),
        (EntityKind.CUSTOMER_PO, "4500012345"),
        (EntityKind.TRACKING_NUMBER, UPS),
        (EntityKind.ETA, "2025-03-12"),
        (EntityKind.AMOUNT, "1250.00 EUR"),
        (EntityKind.DATE, "2025-03-20"),
    ]


def test_entity_details() -> None:
    by_kind = {e.kind: e for e in _extract(PARAGRAPH, field=TextField.QUOTED)}
    assert all(e.field is TextField.QUOTED for e in by_kind.values())
    assert by_kind[EntityKind.SALE_ORDER].confidence == pytest.approx(0.95)
    assert by_kind[EntityKind.TRACKING_NUMBER].extra["carrier"] == "ups"
    assert by_kind[EntityKind.AMOUNT].extra == {"currency": "EUR", "amount": "1250.00"}
    assert by_kind[EntityKind.ETA].raw == "12 March"


def test_odoo_references_are_case_sensitive_unless_configured() -> None:
    text = "re s00042 and wh/out/00005"
    assert _pairs(text) == []
    assert _pairs(text, patterns=EntityPatterns(ignore_case=True)) == [
        (EntityKind.SALE_ORDER, "S00042"),
        (EntityKind.PICKING_OUT, "WH/OUT/00005"),
    ]


def test_odoo_reference_next_to_japanese_text() -> None:
    assert _pairs("注文S00042の納期について") == [(EntityKind.SALE_ORDER, "S00042")]


def test_odoo_reference_in_a_file_name_is_kept() -> None:
    assert _pairs("attached: S00042.pdf") == [(EntityKind.SALE_ORDER, "S00042")]


def test_odoo_monthly_sequences_and_vendor_refunds() -> None:
    assert _pairs("BILL/2025/03/0001 and RBILL/2025/00002") == [
        (EntityKind.VENDOR_BILL, "BILL/2025/03/0001"),
        (EntityKind.CREDIT_NOTE, "RBILL/2025/00002"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "XS00042 and S00042X and S0004 and S00042_1",
        "write to S00042@example.com or orders+S00042@shop.example",
        "see https://shop.example.com/my/orders/S00042?access=1",
        "see www.example.com/INV/2025/00012",
        "WH/INT/00005 is an internal transfer",
        "mail system at host P351355.pool.example.net",
        "from P222200-ip2.kyoto.example and mx.S00042",
    ],
)
def test_no_odoo_reference_inside_tokens_addresses_or_links(text: str) -> None:
    kinds = {e.kind for e in _extract(text)}
    assert kinds.isdisjoint(
        {EntityKind.SALE_ORDER, EntityKind.CUSTOMER_INVOICE, EntityKind.PICKING_OUT}
    )


def test_reference_next_to_a_markdown_link_is_kept() -> None:
    assert _pairs("[S00042](https://example.com/x)") == [(EntityKind.SALE_ORDER, "S00042")]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("our PO 4500012345", "4500012345"),
        ("PO#4500012345", "4500012345"),
        ("PO number: 4500012345", "4500012345"),
        ("P.O. 12345", "12345"),
        ("purchase order no. 4500012345", "4500012345"),
        ("Bestellnummer 4500012345", "4500012345"),
        ("Bestell-Nr. 77-123", "77-123"),
        ("unsere Bestellung Nr. 8899", "8899"),
        ("bon de commande n° BC-2025-17", "BC-2025-17"),
        ("inkoopordernummer 556677", "556677"),
        ("ordernummer: 4455", "4455"),
        ("pedido nº 9988", "9988"),
        ("your po 4711-A, thanks.", "4711-A"),
    ],
)
def test_customer_po(text: str, value: str) -> None:
    assert _pairs(text) == [(EntityKind.CUSTOMER_PO, value)]


@pytest.mark.parametrize(
    "text",
    ["P.O. Box 1234", "po 12345 (lower-case po alone is a word)", "Bestellung vom 12.03.", "PO 12"],
)
def test_not_a_customer_po(text: str) -> None:
    assert EntityKind.CUSTOMER_PO not in {e.kind for e in _extract(text)}


def test_odoo_reference_wins_over_customer_po() -> None:
    assert _pairs("your PO P00017") == [(EntityKind.PURCHASE_ORDER, "P00017")]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("EUR 1,250.00", "1250.00 EUR"),
        ("€1.250,00", "1250.00 EUR"),
        ("1,250.00 USD", "1250.00 USD"),
        ("$99.90", "99.90 USD"),
        ("CHF 12'500.50", "12500.50 CHF"),
        ("£ 20", "20.00 GBP"),
        ("1.250,- €", "1250.00 EUR"),
        ("1 250,00 €", "1250.00 EUR"),
        ("20 Euro", "20.00 EUR"),
        ("20 euros", "20.00 EUR"),
        ("US$ 5", "5.00 USD"),
        ("EUR 1.234.567,8", "1234567.80 EUR"),
    ],
)
def test_amounts(text: str, value: str) -> None:
    [entity] = _extract(f"Total: {text}.")
    assert (entity.kind, entity.value, entity.raw) == (EntityKind.AMOUNT, value, text)
    amount, currency = value.split()
    assert entity.extra == {"currency": currency, "amount": amount}


def test_amounts_in_a_price_table_and_with_scale_suffix() -> None:
    assert _pairs("prices: $32 $24 $59, cost £97m") == [
        (EntityKind.AMOUNT, "32.00 USD"),
        (EntityKind.AMOUNT, "24.00 USD"),
        (EntityKind.AMOUNT, "59.00 USD"),
    ]


@pytest.mark.parametrize(
    ("number", "expected"),
    [("1.250,00", "1250.00"), ("1,250.00", "1250.00"), ("1,5", "1.50"), ("1.250", "1250.00")],
)
def test_parse_amount(number: str, expected: str) -> None:
    assert parse_amount(number) == Decimal(expected)


def test_product_code_only_when_configured() -> None:
    text = "Please send 10 x ABC-1234 and abc-5678."
    assert EntityKind.PRODUCT_CODE not in {e.kind for e in _extract(text)}
    patterns = EntityPatterns(product_code=r"\b[A-Z]{3}-\d{4}\b")
    assert _pairs(text, patterns=patterns) == [(EntityKind.PRODUCT_CODE, "ABC-1234")]
    patterns = EntityPatterns(product_code=r"\b[A-Z]{3}-\d{4}\b", ignore_case=True)
    assert _pairs(text, patterns=patterns) == [
        (EntityKind.PRODUCT_CODE, "ABC-1234"),
        (EntityKind.PRODUCT_CODE, "ABC-5678"),
    ]


def test_custom_patterns() -> None:
    patterns = EntityPatterns(sale_order=r"\bSO-\d{4}\b")
    assert _pairs("SO-1234 and so-5678", patterns=patterns) == [(EntityKind.SALE_ORDER, "SO-1234")]


@pytest.mark.parametrize(
    ("pattern", "values"),
    [
        (r"(?i)\bSO-\d{4}\b", ["SO-1234", "SO-5678"]),  # global flags cannot be joined
        (r"\b([A-Z])\1-\d{4}\b", ["AA-9999"]),  # joining would renumber the group
    ],
)
def test_patterns_that_cannot_be_joined_with_the_others(pattern: str, values: list[str]) -> None:
    patterns = EntityPatterns(sale_order=pattern)
    text = "SO-1234, so-5678, AB-1111 and AA-9999"
    assert _pairs(text, patterns=patterns) == [(EntityKind.SALE_ORDER, v) for v in values]


def test_invalid_pattern_is_rejected() -> None:
    with pytest.raises(ValidationError):
        EntityPatterns(sale_order="(unclosed")


def test_patterns_are_frozen_and_hashable() -> None:
    patterns = EntityPatterns()
    with pytest.raises(ValidationError):
        patterns.sale_order = "x"  # type: ignore[misc]
    assert hash(patterns) == hash(EntityPatterns())


def test_overlapping_dates_keep_the_longest() -> None:
    assert [(e.raw, e.value) for e in _extract("on Friday, 14 March 2025")] == [
        ("Friday, 14 March 2025", "2025-03-14")
    ]


def test_tracking_number_inside_a_tracking_link_is_kept() -> None:
    text = f"https://www.ups.com/track?tracknum={UPS}"
    assert _pairs(text) == [(EntityKind.TRACKING_NUMBER, UPS)]


def test_german_and_french_mails() -> None:
    german = "Ihre Bestellung Nr. 4711: Liefertermin 12. März, Betrag 1.250,00 €. Sendung DHL."
    assert _pairs(german) == [
        (EntityKind.CUSTOMER_PO, "4711"),
        (EntityKind.ETA, "2025-03-12"),
        (EntityKind.AMOUNT, "1250.00 EUR"),
    ]
    french = "Notre commande n° 8812 : livraison prévue le 12 mars, facture INV/2025/00012."
    assert _pairs(french) == [
        (EntityKind.CUSTOMER_PO, "8812"),
        (EntityKind.ETA, "2025-03-12"),
        (EntityKind.CUSTOMER_INVOICE, "INV/2025/00012"),
    ]


def test_plain_sentence_has_no_entities() -> None:
    text = (
        "The quick brown fox jumps over the lazy dog. We may meet at 10 and buy 3 apples; "
        "thanks for your help, the team said it went well. Opening hours Mon-Fri 9-17."
    )
    assert _extract(text) == []


def test_empty_text() -> None:
    assert _extract("") == []


def test_default_reference_is_now_in_utc() -> None:
    before = datetime.now(UTC).date()
    [entity] = extract_entities("tomorrow")
    after = datetime.now(UTC).date()
    assert entity.value in {(d + timedelta(days=1)).isoformat() for d in (before, after)}


def test_only_the_first_max_chars_are_scanned() -> None:
    text = "x" * 50 + " S00042"
    assert _pairs(text, patterns=EntityPatterns(max_chars=40)) == []
    assert _pairs(text, patterns=EntityPatterns(max_chars=100)) == [
        (EntityKind.SALE_ORDER, "S00042")
    ]


@pytest.mark.parametrize(
    "chunk",
    [
        "a",
        "1",
        "1 ",
        "1.",
        "@a",
        "S0",
        "PO ",
        "\u00a0",
        "KW 1",
        "12 March ",
        f"{UPS} EUR 1,250.00 S00042 ",
        "1Z 999 ",
        "12/",
        "€1'",
    ],
)
def test_one_megabyte_finishes_quickly(chunk: str) -> None:
    text = chunk * (1_000_000 // len(chunk))
    started = time.perf_counter()
    extract_entities(text, reference=REFERENCE)
    assert time.perf_counter() - started < 5.0


_SNIPPETS = [
    "S00042",
    "INV/2025/00012",
    "WH/OUT/00005",
    UPS,
    "1Z 999 AA1 01 2345 6784",
    "00340123450000000000",
    "our PO ",
    "Bestell-Nr. ",
    "EUR ",
    "1.250,00",
    " €",
    "$",
    "12 March",
    "12.03.",
    "2025-03-12",
    "by Friday",
    "KW 14",
    "morgen",
    "İ",
    "ß",
    "\n",
    "@example.com",
    "https://x.y/",
    " ",
    "/",
    ".",
    ",",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=20), st.sampled_from(_SNIPPETS)), max_size=30))
def test_random_text_never_raises_and_spans_hold(parts: list[str]) -> None:
    text = "".join(parts)
    found = extract_entities(text, reference=REFERENCE)
    previous_end = 0
    for entity in found:
        assert text[entity.start : entity.end] == entity.raw
        assert entity.start >= previous_end  # sorted and non-overlapping
        assert entity.end > entity.start
        previous_end = entity.end


_URL_PARTS = ["http", "https", "HTTPS", "httpſ", "://", "www.", "WWW.", "w", "x", " ", "/"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_URL_PARTS), st.text(max_size=3)), max_size=20))
@example(["https", "://", "x"])
@example(["x", "www.", " ", "WWW.", "x"])
def test_url_spans_are_those_of_a_full_scan(parts: list[str]) -> None:
    text = "".join(parts)
    assert _urls(text, fold_case(text)) == [m.span() for m in _URL.finditer(text)]
