"""Carrier check digits and tracking-number extraction."""

from __future__ import annotations

import pytest

from models import EntityKind
from parsers.tracking import (
    candidate_formats,
    dhl_express_valid,
    fedex_express_check_digit,
    fedex_express_valid,
    find_tracking_numbers,
    gs1_check_digit,
    gs1_valid,
    ups_check_digit,
    ups_valid,
)

# Every number below was computed with the published algorithm; the tests recompute it.
UPS = "1Z999AA10123456784"
FEDEX_EXPRESS = "987654321098"
FEDEX_GROUND = "961234567890121"
DHL_EXPRESS = "3404336272"
USPS_22 = "9400111899223856000002"
SSCC_18 = "340123450000000000"
SSCC_WITH_AI = "00" + SSCC_18
DHL_PAKET_SSCC = "00340434161094042557"


def _wrong_last_digit(number: str) -> str:
    return number[:-1] + str((int(number[-1]) + 1) % 10)


def test_ups_check_digit_matches_published_example() -> None:
    assert ups_check_digit("999AA1012345678") == 4
    assert ups_valid(UPS)
    assert ups_valid(UPS.lower())


def test_fedex_express_check_digit() -> None:
    assert fedex_express_check_digit("98765432109") == 8
    assert fedex_express_valid(FEDEX_EXPRESS)


def test_gs1_check_digit_examples() -> None:
    assert gs1_check_digit("34012345000000000") == 0
    assert gs1_check_digit("96123456789012") == 1
    assert gs1_check_digit("940011189922385600000") == 2
    # The GS1 example barcode 4006381333931 (EAN-13) ends in its check digit 1.
    assert gs1_valid("4006381333931")


def test_dhl_express_is_mod_7() -> None:
    assert int(DHL_EXPRESS[:-1]) % 7 == int(DHL_EXPRESS[-1])
    assert dhl_express_valid(DHL_EXPRESS)


@pytest.mark.parametrize(
    "number",
    [UPS, FEDEX_EXPRESS, FEDEX_GROUND, DHL_EXPRESS, USPS_22, SSCC_18, DHL_PAKET_SSCC],
)
def test_changed_last_digit_fails_validation(number: str) -> None:
    wrong = _wrong_last_digit(number)
    if number.startswith("1Z"):
        assert not ups_valid(wrong)
    else:
        assert candidate_formats(wrong) == []


@pytest.mark.parametrize(
    ("digits", "expected"),
    [
        (FEDEX_EXPRESS, [("fedex", "fedex_express")]),
        (FEDEX_GROUND, [("fedex", "fedex_ground")]),
        (DHL_EXPRESS, [("dhl", "dhl_express")]),
        (USPS_22, [("usps", "usps_impb")]),
        (SSCC_18, [("sscc", "sscc")]),
        (SSCC_WITH_AI, [("sscc", "sscc"), ("usps", "usps_impb")]),
        ("12345", []),
    ],
)
def test_candidate_formats(digits: str, expected: list[tuple[str, str]]) -> None:
    assert candidate_formats(digits) == expected


def _found(text: str) -> list[tuple[str, str, str]]:
    found = []
    for entity in find_tracking_numbers(text):
        assert text[entity.start : entity.end] == entity.raw
        assert entity.kind is EntityKind.TRACKING_NUMBER
        found.append((entity.raw, entity.value, entity.extra["carrier"]))
    return found


def test_ups_plain_and_spaced() -> None:
    text = f"UPS: {UPS}. Again: 1Z 999 AA1 01 2345 6784 thanks"
    assert _found(text) == [
        (UPS, UPS, "ups"),
        ("1Z 999 AA1 01 2345 6784", UPS, "ups"),
    ]


def test_ups_in_lower_case() -> None:
    assert _found(f"tracking {UPS.lower()}") == [(UPS.lower(), UPS, "ups")]


def test_numbers_right_after_japanese_text() -> None:
    assert _found(f"追跡番号{UPS}です") == [(UPS, UPS, "ups")]
    assert _found(f"USPS追跡{USPS_22}") == [(USPS_22, USPS_22, "usps")]


def test_ups_with_bad_check_digit_is_rejected() -> None:
    assert _found(f"UPS tracking {_wrong_last_digit(UPS)}") == []


def test_ups_inside_longer_token_is_ignored() -> None:
    assert _found(f"X{UPS} and {UPS}9") == []


@pytest.mark.parametrize(
    ("text", "value", "carrier"),
    [
        (f"FedEx tracking number {FEDEX_EXPRESS}", FEDEX_EXPRESS, "fedex"),
        ("FedEx: 9876 5432 1098 is on its way", FEDEX_EXPRESS, "fedex"),
        (f"Sendungsnummer {FEDEX_GROUND}", FEDEX_GROUND, "fedex"),
        (f"DHL Express waybill {DHL_EXPRESS}", DHL_EXPRESS, "dhl"),
        (f"USPS {USPS_22}", USPS_22, "usps"),
        (f"SSCC {SSCC_18}", SSCC_18, "sscc"),
        (f"DHL Paket {DHL_PAKET_SSCC}", DHL_PAKET_SSCC, "dhl"),
        (f"via USPS: {SSCC_WITH_AI}", SSCC_WITH_AI, "usps"),
    ],
)
def test_context_picks_the_carrier(text: str, value: str, carrier: str) -> None:
    assert [(v, c) for _, v, c in _found(text)] == [(value, carrier)]


@pytest.mark.parametrize("number", [FEDEX_EXPRESS, FEDEX_GROUND, DHL_EXPRESS, SSCC_18])
def test_weak_formats_need_context(number: str) -> None:
    assert _found(f"Please call {number} tomorrow") == []


@pytest.mark.parametrize("number", [USPS_22, SSCC_WITH_AI])
def test_specific_formats_stand_alone(number: str) -> None:
    assert [v for _, v, _ in _found(f"number {number} here")] == [number]


def test_sscc_with_application_identifier_in_parentheses() -> None:
    [entity] = find_tracking_numbers(f"Label (00) {SSCC_18}")
    assert entity.raw == f"(00) {SSCC_18}"
    assert entity.value == SSCC_WITH_AI
    assert entity.extra == {"carrier": "sscc", "format": "sscc", "sscc": SSCC_18}


def test_sscc_with_application_identifier_at_the_very_start() -> None:
    [entity] = find_tracking_numbers(f"(00) {SSCC_18} on pallet 1 of 2")
    assert (entity.start, entity.value) == (0, SSCC_WITH_AI)


def test_named_carrier_without_matching_format_is_dropped() -> None:
    # Valid as FedEx Express, but the text says UPS: trust neither.
    assert _found(f"UPS shipment {FEDEX_EXPRESS}") == []


def test_number_inside_longer_grouped_number_is_ignored() -> None:
    assert _found(f"tracking 1234 {FEDEX_EXPRESS} 5678") == []
    assert _found(f"tracking IBAN DE89 {FEDEX_EXPRESS}") == []


def test_bad_checksums_rejected_even_with_context() -> None:
    for number in (FEDEX_EXPRESS, FEDEX_GROUND, DHL_EXPRESS, USPS_22, SSCC_18):
        assert _found(f"tracking number {_wrong_last_digit(number)}") == []
