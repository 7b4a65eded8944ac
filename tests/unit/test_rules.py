"""The rules stage: markers, sender lists and patterns, each decision naming its rule."""

from __future__ import annotations

import pytest

from models import AutoKind
from parsers import message_from_text, parse_message
from tests.conftest import FIXTURES
from triage.classify.files import load_taxonomy
from triage.classify.rules import Role, RuleSet, SenderLists, load_rules
from triage.errors import ConfigurationError


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return load_rules().check(load_taxonomy())


@pytest.mark.parametrize(
    ("fixture", "intent", "rule"),
    [
        ("dsn_bounce.eml", "bounce", "bounce-marker"),
        ("out_of_office.eml", "auto_reply", "auto-reply-marker"),
        ("out_of_office_de.eml", "auto_reply", "auto-reply-marker"),
        ("newsletter.eml", "newsletter", "newsletter-marker"),
    ],
)
def test_automatic_mail_is_certain(rules: RuleSet, fixture: str, intent: str, rule: str) -> None:
    result = rules.evaluate(parse_message((FIXTURES / fixture).read_bytes())).result
    assert result.certain
    assert result.intents[0].intent == intent
    assert f"rule {rule}" in result.reason


def test_bank_detail_change_is_flagged_but_not_certain(rules: RuleSet) -> None:
    message = message_from_text(
        "Please note our new bank details: IBAN DE89 3704 0044 0532 0130 00"
    )
    result = rules.evaluate(message).result
    assert [i.intent for i in result.intents] == ["account_update"]
    assert not result.certain
    assert "bank-details-change" in result.reason


def test_plain_question_fires_no_rule(rules: RuleSet) -> None:
    result = rules.evaluate(message_from_text("Where is my order S00042?")).result
    assert result.intents == [] and result.reason == "no rule fired"


def test_sender_lists_give_a_role() -> None:
    senders = SenderLists(
        supplier_domains=["Parts.Example"], customer_addresses=["buyer@shop.example"]
    )
    assert senders.role_of("sales@parts.example") is Role.SUPPLIER
    assert senders.role_of("BUYER@shop.example") is Role.CUSTOMER
    assert senders.role_of("someone@else.example") is None


def test_sender_role_condition(rules: RuleSet) -> None:
    custom = RuleSet.model_validate(
        {
            "senders": {"supplier_domains": ["parts.example"]},
            "rules": [
                {
                    "name": "supplier-late",
                    "intent": "supplier_delay",
                    "sender_role": "supplier",
                    "patterns": ["delay"],
                }
            ],
        }
    )
    late = message_from_text("Small delay on P00017", sender="sales@parts.example")
    outcome = custom.evaluate(late)
    assert outcome.role is Role.SUPPLIER
    assert outcome.result.intents[0].intent == "supplier_delay"
    assert (
        custom.evaluate(message_from_text("Small delay", sender="x@y.example")).result.intents == []
    )


def test_rules_must_name_known_intents_and_have_conditions() -> None:
    with pytest.raises(ConfigurationError, match="unknown intents"):
        RuleSet.model_validate(
            {"rules": [{"name": "x", "intent": "nope", "patterns": ["a"]}]}
        ).check(load_taxonomy())
    with pytest.raises(ValueError, match="no condition"):
        RuleSet.model_validate({"rules": [{"name": "x", "intent": "other"}]})
    with pytest.raises(ValueError, match="bad pattern"):
        RuleSet.model_validate({"rules": [{"name": "x", "intent": "other", "patterns": ["("]}]})


def test_auto_marker_condition_uses_the_parser_marker(rules: RuleSet) -> None:
    message = message_from_text("hello").model_copy(update={"auto": AutoKind.LIST})
    assert rules.evaluate(message).result.intents[0].intent == "newsletter"


def test_spam_rule_gap_is_bounded_but_still_fires(rules: RuleSet) -> None:
    near = "We offer SEO services that put your shop on the first page of Google."
    far = "We offer SEO services. " + "x" * 300 + " first page"
    assert rules.evaluate(message_from_text(near)).result.intents[0].intent == "spam"
    assert rules.evaluate(message_from_text(far)).result.intents == []
