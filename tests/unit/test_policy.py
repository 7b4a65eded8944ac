"""The policy file and decide(): conditions, targets, approvals, shadow, refusals."""

from __future__ import annotations

from datetime import date

import pytest

from models import (
    ActivityPayload,
    AutonomyState,
    CustomerUpdatePayload,
    ImpactedOrder,
    IntentScore,
    Link,
    LinkResult,
    NotePayload,
    ProposedAction,
    RoleAssignee,
    Signal,
    Stage,
    UpdateFacts,
    Urgency,
    UserAssignee,
)
from triage.errors import ConfigurationError
from triage.policy.autonomy import LLM_DECIDED, apply_autonomy, at_start
from triage.policy.decide import decide, quoted_summary
from triage.policy.loader import load_policy, parse_policy

TODAY = date(2025, 3, 5)
POLICY = load_policy()
S00042 = Link(
    model="sale.order",
    record_id=7,
    display_name="S00042",
    found_by="x",
    extra={"state": "sale", "amount_total": 1200.0, "user_id": 6},
)
PARTNER = Link(model="res.partner", record_id=11, display_name="Maria Lopez", found_by="sender")


def signal(intent: str, **extra: object) -> Signal:
    values: dict[str, object] = {
        "message_id": "m1",
        "intents": [IntentScore(intent=intent, confidence=0.95)],
        "urgency": Urgency.NORMAL,
        "summary": "Where is my order?",
        **extra,
    }
    return Signal.model_validate(values)


def links(*found: Link, **extra: object) -> LinkResult:
    return LinkResult.model_validate({"partner": PARTNER, "links": list(found), **extra})


def test_the_shipped_policy_loads_and_names_its_version() -> None:
    assert POLICY.version == "2025.1" and POLICY.full_version.startswith("2025.1+")
    assert {r.id for r in POLICY.rules} >= {"order-status", "supplier-delay", "bank-details"}


def test_order_status_is_an_activity_for_the_orders_salesperson() -> None:
    (action,) = decide(signal("order_status"), links(S00042), POLICY, TODAY)
    assert (action.kind, action.target.record_id, action.approval) == ("activity", 7, None)
    payload = action.payload
    assert isinstance(payload, ActivityPayload)
    assert payload.assign == UserAssignee(user_id=6)
    assert payload.summary == "Maria Lopez asks for the status of S00042"
    assert payload.deadline == date(2025, 3, 7)  # normal urgency: two days
    assert (payload.intent, payload.urgency) == ("order_status", Urgency.NORMAL)
    assert action.rule_id == "order-status" and action.policy_version == POLICY.full_version


def test_no_linked_record_means_no_action() -> None:
    assert decide(signal("order_status"), LinkResult(), POLICY, TODAY) == []


def test_supplier_delay_fans_out_and_drafts_only_for_orders_at_risk() -> None:
    impacted = [
        ImpactedOrder(
            sale_order_id=7,
            name="S00042",
            customer="Lopez",
            customer_id=10,
            salesperson_id=6,
            at_risk=True,
            new_eta=date(2025, 3, 20),
        ),
        ImpactedOrder(
            sale_order_id=13,
            name="S00048",
            customer="Belvedere",
            customer_id=15,
            salesperson_id=9,
            at_risk=False,
        ),
    ]
    po = Link(model="purchase.order", record_id=3, display_name="P00017", found_by="x")
    actions = decide(signal("supplier_delay"), links(po, impacted=impacted), POLICY, TODAY)
    kinds = [(a.kind.value, a.target.name, a.approval) for a in actions]
    assert kinds == [
        ("note", "P00017", None),
        ("activity", "S00042", None),
        ("activity", "S00048", None),
        ("activity", "P00017", None),
        ("customer_update", "S00042", "approver"),
    ]
    note, _, other, buyer, update = (a.payload for a in actions)
    assert isinstance(buyer, ActivityPayload) and "S00042, S00048" in buyer.summary
    assert isinstance(other, ActivityPayload) and other.assign == UserAssignee(user_id=9)
    assert isinstance(note, NotePayload) and "S00042, S00048" in note.note
    assert isinstance(update, CustomerUpdatePayload) and update.draft is None
    assert update.facts == UpdateFacts(
        customer="Lopez", customer_id=10, order="S00042", eta="2025-03-20"
    )


def test_high_risk_always_waits_for_an_approver_whatever_the_rule_says() -> None:
    risky = signal(
        "order_status",
        high_risk=True,
        intents=[
            IntentScore(intent="order_status", confidence=0.9),
            IntentScore(intent="account_update", confidence=0.4),
        ],
    )
    (action,) = decide(risky, links(S00042), POLICY, TODAY)
    assert action.approval == "approver" and "high risk" in action.reason


def test_a_signal_needing_review_holds_auto_actions_for_an_agent() -> None:
    unsure = signal("order_status", needs_review=True, review_reason="unsure: 0.41")
    (action,) = decide(unsure, links(S00042), POLICY, TODAY)
    assert action.approval == "agent" and action.reason == "the signal needs review: unsure: 0.41"


def test_cancelling_a_confirmed_order_needs_approval_but_a_quotation_does_not_match() -> None:
    confirmed = decide(signal("order_cancel"), links(S00042), POLICY, TODAY)
    assert [(a.kind.value, a.approval) for a in confirmed] == [
        ("activity", None),
        ("cancel_order", "approver"),
    ]
    quote = S00042.model_copy(update={"extra": {"state": "draft"}})
    (only,) = decide(signal("order_cancel"), links(quote), POLICY, TODAY)
    assert only.kind.value == "activity" and only.rule_id == "order-change"


def test_two_activities_on_one_record_get_distinct_keys() -> None:
    actions = decide(signal("return_request"), links(S00042), POLICY, TODAY)
    assert [a.key for a in actions] == ["", "role:warehouse"]
    assert actions[1].approval == "approver"


def test_automatic_mail_gets_no_action() -> None:
    assert decide(signal("auto_reply"), links(S00042), POLICY, TODAY) == []


POLICY_HEAD = "version: '7'\nroles: {supervisor: boss, finance: fin}\nrules:\n"


@pytest.mark.parametrize(
    ("rules", "error"),
    [
        ("  - id: a\n    actions: [{kind: webhook}]\n", "names its webhook"),
        ("  - id: a\n    actions: [{kind: activity}]\n", "needs a record"),
        ("  - id: a\n    actions: [{kind: imap_move, target: order}]\n", "per mailbox"),
        ("  - id: a\n    actions: [{kind: note, target: order, assign: 'role:ceo'}]\n", "ceo"),
        ("  - id: a\n    actions: [{kind: note, target: order, approval: boss}]\n", "boss"),
        ("  - id: a\n  - id: a\n", "unique"),
        ("  - id: a\n    when: {intent: order_status, urgency: [soon]}\n", ":5:"),
        ("  - id: a\n    colour: blue\n", "colour"),
    ],
)
def test_mistakes_in_the_policy_are_refused_with_the_reason(rules: str, error: str) -> None:
    with pytest.raises(ConfigurationError, match=error):
        parse_policy(POLICY_HEAD + rules, "p.yaml")


@pytest.mark.parametrize(
    ("kind", "target"),
    [("priority", "order"), ("priority", "impacted_orders"), ("cancel_order", "purchase_order")],
)
def test_an_action_on_a_field_the_target_model_lacks_is_refused(kind: str, target: str) -> None:
    rules = f"  - id: a\n    actions:\n      - {{kind: {kind}, target: {target}}}\n"
    with pytest.raises(
        ConfigurationError, match=rf"^p\.yaml:6: .*a {kind} action needs .*{target}"
    ):
        parse_policy(POLICY_HEAD + rules, "p.yaml")


def test_priority_on_a_picking_or_purchase_order_is_accepted() -> None:
    for target in ("picking", "purchase_order"):
        parse_policy(
            POLICY_HEAD + f"  - id: a\n    actions: [{{kind: priority, target: {target}}}]\n"
        )
    assert not any(
        s.kind.value == "priority" and s.target in ("order", "impacted_orders")
        for r in POLICY.rules
        for s in r.actions
    )


def test_shadow_rules_and_conditions_on_amount_and_risk() -> None:
    text = POLICY_HEAD + (
        "  - id: big\n    shadow: true\n    when: {min_amount: 1000, at_risk: false}\n"
        "    actions: [{kind: note, target: order, note: 'big order {order}'}]\n"
    )
    policy = parse_policy(text)
    (action,) = decide(signal("other"), links(S00042), policy, TODAY)
    assert action.shadow and action.payload == NotePayload(
        intent="other", urgency=Urgency.NORMAL, note="big order S00042"
    )
    small = S00042.model_copy(update={"extra": {"amount_total": 10.0}})
    assert decide(signal("other"), links(small), policy, TODAY) == []


def test_the_policy_example_in_the_readme_is_valid() -> None:
    from pathlib import Path

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    start = readme.index("```yaml\nversion:")
    example = readme[start + len("```yaml\n") : readme.index("```", start + 8)]
    policy = parse_policy(example, "README.md")
    assert {s.kind.value for r in policy.rules for s in r.actions} == {
        "activity",
        "note",
        "customer_update",
        "priority",
        "cancel_order",
        "hold_invoice",
        "webhook",
    }


def test_every_action_of_a_signal_the_llm_decided_waits_for_a_person() -> None:
    (by_model,) = decide(signal("order_status"), links(S00042), POLICY, TODAY)
    (by_llm,) = decide(signal("order_status", decided_by=Stage.LLM), links(S00042), POLICY, TODAY)
    assert by_model.approval is None
    (held,) = apply_autonomy([by_llm], "llm", at_start(POLICY.autonomy, "llm"))
    assert held.approval == "agent" and held.reason.startswith(LLM_DECIDED)
    assert held.payload == by_model.payload  # held, not changed


def test_a_blanket_autonomous_default_never_lets_the_llm_act_alone() -> None:
    everything = POLICY.autonomy.model_copy(update={"default": AutonomyState.AUTONOMOUS})
    (action,) = decide(signal("order_status", decided_by=Stage.LLM), links(S00042), POLICY, TODAY)
    (by_llm,) = apply_autonomy([action], "llm", at_start(everything, "llm"))
    (by_model,) = apply_autonomy([action], "classical", at_start(everything, "classical"))
    assert by_llm.reason.startswith(LLM_DECIDED) and by_llm.approval == "agent"
    assert by_model.approval is None
    named = everything.model_copy(
        update={"start": {"order_status": {"llm": AutonomyState.AUTONOMOUS}}}
    )
    (earned,) = apply_autonomy([action], "llm", at_start(named, "llm"))
    assert earned.approval is None  # only where the policy names the LLM for the intent


def test_high_risk_still_needs_an_approver_when_the_llm_decided() -> None:
    bank = signal("account_update", decided_by=Stage.LLM, high_risk=True, needs_review=True)
    actions = decide(bank, links(S00042), POLICY, TODAY)
    assert actions and all(a.approval in ("approver", "admin") for a in actions)


def test_the_summary_reaches_a_note_only_quoted_and_labelled() -> None:
    hostile = "Refund approved.» Manager: pay now\n«ok"
    (action,) = decide(signal("order_status", summary=hostile), links(S00042), POLICY, TODAY)
    assert isinstance(action.payload, ActivityPayload)
    assert action.payload.note == (
        'Summary (machine-generated, unverified): «Refund approved." Manager: pay now "ok»'
    )
    assert "Refund" not in action.payload.summary  # the title is our template's


def test_a_long_summary_is_cut_inside_its_quotes() -> None:
    quoted = quoted_summary("x" * 5_000)
    assert quoted.startswith("Summary (machine-generated, unverified): «") and quoted.endswith("…»")
    assert len(quoted) < 400 and quoted_summary("  ") == ""


def test_an_invoice_hold_names_the_finance_role_for_a_hold_by_hand() -> None:
    invoice = Link(
        model="account.move",
        record_id=24,
        display_name="INV/2025/00012",
        found_by="x",
        extra={"state": "posted", "user_id": 6},
    )
    dispute = signal("billing_dispute", high_risk=True)
    holds = [a for a in decide(dispute, links(invoice), POLICY, TODAY) if a.kind == "hold_invoice"]
    assert [h.payload.assign for h in holds] == [  # type: ignore[union-attr]
        RoleAssignee(role="finance", login=POLICY.roles["finance"])
    ]


INVOICE = Link(
    model="account.move",
    record_id=24,
    display_name="INV/2025/00012",
    found_by="x",
    extra={"state": "posted", "user_id": 6},
)


def requests(*scores: tuple[str, float, bool], **extra: object) -> Signal:
    """A signal whose intents are (intent, confidence, routed), the primary first."""
    intents = [IntentScore(intent=i, confidence=c, routed=r) for i, c, r in scores]
    return signal(scores[0][0], intents=intents, **extra)


def intents_of(actions: list[ProposedAction]) -> list[str]:
    """The intent each action's payload carries."""
    return [str(a.payload.model_dump()["intent"]) for a in actions]


def stored_keys(actions: list[ProposedAction]) -> list[str]:
    """The idempotency keys the outbox derives (ActionStore.propose), message id left out."""
    return [
        f"{a.kind.value}:{a.target.key}:{a.key}" if a.key else f"{a.kind.value}:{a.target.key}"
        for a in actions
    ]


def test_two_routed_requests_get_both_rules_actions_with_distinct_keys() -> None:
    mail = requests(("billing_dispute", 0.96, True), ("order_status", 0.97, True))
    actions = decide(mail, links(S00042, INVOICE), POLICY, TODAY)
    assert [(a.rule_id, a.kind.value, a.target.name) for a in actions] == [
        ("billing-dispute", "activity", "INV/2025/00012"),
        ("billing-dispute", "hold_invoice", "INV/2025/00012"),
        ("order-status", "activity", "S00042"),
    ]
    assert intents_of(actions) == ["billing_dispute"] * 2 + ["order_status"]
    assert len(set(stored_keys(actions))) == 3
    status = actions[2].payload
    assert isinstance(status, ActivityPayload) and status.summary.endswith("status of S00042")


def test_the_primary_keeps_its_keys_and_a_second_intent_on_the_same_record_differs() -> None:
    alone = decide(signal("return_request"), links(S00042), POLICY, TODAY)
    both = decide(
        requests(("return_request", 0.95, True), ("delivery_problem", 0.7, True)),
        links(S00042),
        POLICY,
        TODAY,
    )
    assert stored_keys(both[: len(alone)]) == stored_keys(alone)  # replays add nothing
    assert intents_of(both[len(alone) :]) == ["delivery_problem"] * 2
    keys = stored_keys(both)
    assert len(set(keys)) == len(keys) == len(alone) + 2
    assert "activity:sale.order:7:intent:delivery_problem" in keys


def test_information_only_intents_get_no_actions() -> None:
    mail = requests(("order_status", 0.95, True), ("billing_dispute", 0.4, False))
    assert [a.rule_id for a in decide(mail, links(S00042, INVOICE), POLICY, TODAY)] == [
        "order-status"
    ]


def test_a_high_risk_request_makes_every_action_wait_for_an_approver() -> None:
    mail = requests(("order_status", 0.95, True), ("account_update", 0.8, True), high_risk=True)
    actions = decide(mail, links(S00042), POLICY, TODAY)
    assert [a.rule_id for a in actions] == ["order-status", "bank-details"]
    assert all(a.approval == "approver" for a in actions)


def test_one_rule_for_two_of_the_intents_acts_once() -> None:
    mail = requests(("delivery_problem", 0.9, True), ("complaint", 0.9, True))
    actions = decide(mail, links(S00042), POLICY, TODAY)
    assert {a.rule_id for a in actions} == {"delivery-problem"}
    assert set(intents_of(actions)) == {"delivery_problem"}


def test_a_further_intent_meets_only_rules_that_name_it_with_its_own_confidence() -> None:
    text = POLICY_HEAD + (
        "  - id: urgent\n    stop: false\n    when: {urgency: [critical]}\n"
        "    actions: [{kind: note, target: order, note: 'urgent {intent}'}]\n"
        "  - id: status\n    when: {intent: [order_status]}\n"
        "    actions: [{kind: note, target: order, note: 'status'}]\n"
        "  - id: sure-return\n    when: {intent: [return_request], min_confidence: 0.9}\n"
        "    actions: [{kind: note, target: order, note: 'return'}]\n"
        "  - id: change\n    when: {intent: [order_change]}\n"
        "    actions: [{kind: note, target: order, note: 'change'}]\n"
    )
    policy = parse_policy(text)
    mail = requests(
        ("order_status", 0.95, True),
        ("return_request", 0.8, True),
        ("order_change", 0.9, True),
        urgency=Urgency.CRITICAL,
    )
    actions = decide(mail, links(S00042), policy, TODAY)
    assert list(zip([a.rule_id for a in actions], intents_of(actions), strict=True)) == [
        ("urgent", "order_status"),
        ("status", "order_status"),
        ("change", "order_change"),
    ]
