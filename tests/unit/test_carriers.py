"""Carrier notifications and dispatch notes read into shipment events, and the carrier rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from models import Address, Message
from models.shipment import ExceptionKind, ShipmentState, ShipmentStatus
from parsers import message_from_text, parse_message
from parsers.carriers import carrier_of_sender, read_shipment_events
from tests.conftest import ROOT
from triage.classify.files import load_taxonomy
from triage.classify.rules import CarrierRules, RuleSet, load_rules
from triage.errors import ConfigurationError

CARRIERS = ROOT / "tests" / "fixtures" / "carriers"
CET = timezone(timedelta(hours=1))
S = ShipmentStatus
X = ExceptionKind

# fixture -> (carrier, tracking numbers, status, exception, occurred_at, location)
EXPECTED = {
    "dhl_paket_in_transit_de.eml": (
        "dhl", ["00340434161234567896"], S.IN_TRANSIT, None,
        datetime(2025, 3, 11, 7, 15, tzinfo=CET), "Paketzentrum Hamburg",
    ),
    "dhl_paket_damaged_de.eml": (
        "dhl", ["00340434161234567896"], None, X.DAMAGED,
        datetime(2025, 3, 12, 6, 40, tzinfo=CET), "Paketzentrum Hamburg",
    ),
    "dhl_express_delivered_en.eml": (
        "dhl", ["1234567891"], S.DELIVERED, None,
        datetime(2025, 3, 12, 10, 42, tzinfo=CET), "Utrecht - Netherlands",
    ),
    "dhl_express_delivered_en_resent.eml": (
        "dhl", ["1234567891"], S.DELIVERED, None,
        datetime(2025, 3, 12, 10, 42, tzinfo=CET), "Utrecht - Netherlands",
    ),
    # The delivery window "10:00 - 14:00" lies after the mail was sent: the Date header counts.
    "ups_out_for_delivery_en.eml": (
        "ups", ["1ZA4X9170312345676"], S.OUT_FOR_DELIVERY, None,
        datetime(2025, 3, 11, 8, 2, 11, tzinfo=UTC), "",
    ),
    "ups_delayed_en.eml": (
        "ups", ["1ZV2E4W16804123452"], S.IN_TRANSIT, X.DELAYED,
        datetime(2025, 3, 11, 16, 40, 28, tzinfo=UTC), "",
    ),
    "ups_delivered_html.eml": (
        "ups", ["1ZV2E4W16804123452"], S.DELIVERED, None,
        datetime(2025, 3, 12, 11, 18, tzinfo=UTC), "",
    ),
    "ups_address_problem_nl.eml": (
        "ups", ["1Z8Y1234A681234562"], None, X.ADDRESS_PROBLEM,
        datetime(2025, 3, 13, 8, 55, tzinfo=CET), "Venlo, NL",
    ),
    "postnl_out_for_delivery_nl.eml": (
        "postnl", ["3SGHSD123456789"], S.OUT_FOR_DELIVERY, None,
        datetime(2025, 3, 13, 7, 45, 12, tzinfo=CET), "",
    ),
    "postnl_delivered_nl.eml": (
        "postnl", ["3SGHSD123456789"], S.DELIVERED, None,
        datetime(2025, 3, 13, 14, 2, tzinfo=CET), "",
    ),
    "dpd_returned_de.eml": (
        "dpd", ["01505012345678"], S.RETURNED, X.RETURNED_TO_SENDER,
        datetime(2025, 3, 14, 9, 30, tzinfo=CET), "Hamburg (0150)",
    ),
    "supplier_dispatch_en.eml": (
        "dhl", ["5678901233"], S.DISPATCHED, None,
        datetime(2025, 3, 10, 15, 20, 30, tzinfo=CET), "",
    ),
    "supplier_dispatch_de.eml": (
        "ups", ["1ZR4T7Y20310987652", "1ZR4T7Y20310987661"], S.DISPATCHED, None,
        datetime(2025, 3, 10, 16, 2, 8, tzinfo=CET), "",
    ),
}  # fmt: skip


def _mail(name: str) -> Message:
    return parse_message((CARRIERS / name).read_bytes())


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return load_rules().check(load_taxonomy())


def test_every_fixture_has_an_expectation() -> None:
    names = {p.name for p in CARRIERS.glob("*.eml")}
    assert names == set(EXPECTED) | {"customer_says_delivered_de.eml"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_mail_reads_as_its_events(name: str) -> None:
    carrier, numbers, status, exception, when, location = EXPECTED[name]
    message = _mail(name)
    events = read_shipment_events(message)
    assert [e.tracking_number for e in events] == numbers
    for event in events:
        assert (event.carrier, event.status, event.exception) == (carrier, status, exception)
        assert event.occurred_at == when and event.occurred_at.tzinfo is not None
        assert event.location == location
        assert event.source == message.id
        assert event.detail


def test_a_customer_quoting_the_tracking_status_tells_no_event() -> None:
    assert read_shipment_events(_mail("customer_says_delivered_de.eml")) == []


def test_a_footer_about_damage_is_not_an_exception() -> None:
    (event,) = read_shipment_events(_mail("dhl_paket_in_transit_de.eml"))
    assert event.exception is None
    assert "beschädigt" in _mail("dhl_paket_in_transit_de.eml").text


@pytest.mark.parametrize(
    ("sentence", "kind"),
    [
        ("Your parcel is on its way and will arrive without delay.", None),
        ("Ihre Sendung ist ohne Verzögerung unterwegs.", None),
        ("Damaged parcel? Contact our service desk.", None),
        ("Your parcel is delayed by the weather.", ExceptionKind.DELAYED),
        ("Die Sendung wurde beschädigt.", ExceptionKind.DAMAGED),
    ],
)
def test_a_denied_or_asked_exception_is_no_exception(
    sentence: str, kind: ExceptionKind | None
) -> None:
    mail = _mail("dhl_paket_in_transit_de.eml")
    told = mail.model_copy(update={"text": f"{sentence}\n{mail.text}"})
    (event,) = read_shipment_events(told)
    assert event.exception is kind


def test_a_reply_quoting_a_dispatch_note_tells_no_event() -> None:
    note = _mail("supplier_dispatch_en.eml").text
    quoted = "\n".join(f"> {line}" for line in note.splitlines())
    reply = message_from_text(f"Thanks, noted.\n\nOn Mon, Anna wrote:\n{quoted}\n")
    assert reply.quoted and read_shipment_events(reply) == []
    assert [e.tracking_number for e in read_shipment_events(message_from_text(note))] == [
        "5678901233"
    ]


def test_without_a_date_the_time_received_counts_and_without_either_nothing() -> None:
    message = _mail("ups_out_for_delivery_en.eml")
    received = datetime(2025, 3, 11, 9, 0, tzinfo=UTC)
    (event,) = read_shipment_events(
        message.model_copy(update={"date": None, "received_at": received})
    )
    assert event.occurred_at == received
    assert (
        read_shipment_events(message.model_copy(update={"date": None, "received_at": None})) == []
    )


def test_carrier_is_known_by_its_domain_and_subdomains() -> None:
    def sender(email: str) -> Message:
        return message_from_text("x").model_copy(update={"from_": Address(email=email)})

    assert carrier_of_sender(sender("noreply@dhl.de")) == "dhl"
    assert carrier_of_sender(sender("mcinfo@mail.ups.com")) == "ups"
    assert carrier_of_sender(sender("x@notdhl.de")) is None
    assert carrier_of_sender(sender("x@dhl.de.evil.example")) is None


def test_milestones_have_an_order_and_returned_ends_it() -> None:
    ranks = [s.rank for s in ShipmentStatus]
    assert ranks == sorted(ranks) and len(set(ranks)) == len(ranks)
    assert S.RETURNED.rank > S.DELIVERED.rank > S.IN_TRANSIT.rank


@pytest.mark.parametrize(
    ("kind", "open_after_delivery"),
    [(X.DELAYED, False), (X.ADDRESS_PROBLEM, False), (X.DAMAGED, True), (X.OTHER, True)],
)
def test_a_later_delivery_resolves_delays_and_address_problems_only(
    kind: ExceptionKind, open_after_delivery: bool
) -> None:
    at = datetime(2025, 3, 11, 9, tzinfo=UTC)
    state = ShipmentState(
        tracking_number="1", carrier="ups", exception=kind, exception_at=at,
        status=S.DELIVERED, occurred_at=at + timedelta(hours=1),
    )  # fmt: skip
    assert (state.open_exception is kind) is open_after_delivery
    earlier = state.model_copy(update={"occurred_at": at - timedelta(hours=1)})
    assert earlier.open_exception is kind


@pytest.mark.parametrize(
    ("name", "intent", "words"),
    [
        ("dhl_paket_damaged_de.eml", "delivery_problem", ["DHL", "damaged"]),
        ("dpd_returned_de.eml", "delivery_problem", ["DPD", "returned_to_sender"]),
        ("ups_address_problem_nl.eml", "delivery_problem", ["UPS", "address_problem"]),
        ("ups_delayed_en.eml", "delivery_problem", ["UPS", "delayed"]),
        ("dhl_paket_in_transit_de.eml", "auto_reply", ["DHL", "in_transit"]),
        ("ups_delivered_html.eml", "auto_reply", ["UPS", "delivered"]),
        ("postnl_out_for_delivery_nl.eml", "auto_reply", ["PostNL", "out_for_delivery"]),
    ],
)
def test_carrier_mail_is_decided_by_rules(
    rules: RuleSet, name: str, intent: str, words: list[str]
) -> None:
    result = rules.evaluate(_mail(name)).result
    assert result.certain and result.intents[0].intent == intent
    rule = "carrier-exception" if intent == "delivery_problem" else "carrier-status"
    lead = result.reason.split(";")[0]
    assert lead.startswith(f"rule {rule}: ") and all(w in lead for w in words)


@pytest.mark.parametrize(
    "name",
    ["supplier_dispatch_en.eml", "supplier_dispatch_de.eml", "customer_says_delivered_de.eml"],
)
def test_other_mail_about_parcels_is_left_to_the_model(rules: RuleSet, name: str) -> None:
    assert "carrier-" not in rules.evaluate(_mail(name)).result.reason


def test_carrier_marketing_without_an_event_fires_no_carrier_rule(rules: RuleSet) -> None:
    message = message_from_text("Save 20% on your next parcel to Europe!").model_copy(
        update={"from_": Address(email="news@dhl.de")}
    )
    assert rules.evaluate(message).result.reason == "no rule fired"


def test_carrier_rules_may_be_switched_off_and_must_name_known_intents(rules: RuleSet) -> None:
    off = rules.model_copy(update={"carriers": CarrierRules(enabled=False)})
    assert "carrier-" not in off.evaluate(_mail("dpd_returned_de.eml")).result.reason
    wrong = rules.model_copy(update={"carriers": CarrierRules(status_intent="parcel_news")})
    with pytest.raises(ConfigurationError, match="parcel_news"):
        wrong.check(load_taxonomy())
