"""Earned autonomy's pure parts: Wilson bounds, the next state, applying states to proposals,
the policy section, and the spot-check pick."""

from __future__ import annotations

import math
from datetime import date

import pytest
from pydantic import ValidationError

from models import ActivityPayload, AutonomyState, NotePayload, ProposedAction
from triage.autonomy.evidence import Evidence, next_state, picked_for_spot_check, wilson_lower_bound
from triage.errors import ConfigurationError
from triage.policy.autonomy import apply_autonomy
from triage.policy.loader import load_policy, parse_policy
from triage.policy.model import AutonomyPolicy

Z = 1.96


def textbook_wilson(correct: int, n: int) -> float:
    """The Wilson lower bound written out from the formula, to check the library against."""
    p = correct / n
    centre = p + Z * Z / (2 * n)
    spread = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return (centre - spread) / (1 + Z * Z / n)


@pytest.mark.parametrize(
    ("correct", "n", "known"),
    [
        (5, 10, 0.2366),  # the textbook 95 % Wilson interval of 5/10 is (0.2366, 0.7634)
        (10, 10, 0.7225),  # all correct: n / (n + z^2)
        (50, 50, 0.9287),
        (95, 100, 0.8882),
        (0, 10, 0.0),
    ],
)
def test_wilson_lower_bound_matches_known_figures(correct: int, n: int, known: float) -> None:
    bound = wilson_lower_bound(correct, n)
    assert bound is not None
    assert bound == pytest.approx(known, abs=1e-4)
    assert bound == pytest.approx(textbook_wilson(correct, n), abs=1e-4)


def test_no_reviewed_decisions_have_no_bound() -> None:
    assert wilson_lower_bound(0, 0) is None
    assert Evidence(0, 0).precision is None and Evidence(0, 0).lower_bound is None


POLICY = AutonomyPolicy(target=0.93, min_decisions=50, demote_below=0.9)


@pytest.mark.parametrize(
    ("current", "n", "correct", "expected"),
    [
        # all correct: the bound n/(n + z^2) first reaches 0.93 at n = 52
        (AutonomyState.ASSISTED, 51, 51, None),
        (AutonomyState.ASSISTED, 52, 52, AutonomyState.AUTONOMOUS),
        (AutonomyState.SHADOW, 52, 52, AutonomyState.AUTONOMOUS),
        (AutonomyState.AUTONOMOUS, 52, 52, None),
        # 41/49 has a low bound, but fewer than min_decisions: nothing changes
        (AutonomyState.AUTONOMOUS, 49, 41, None),
        (AutonomyState.AUTONOMOUS, 50, 42, AutonomyState.ASSISTED),
        # between demote_below and target: an autonomous pair stays, an assisted one waits
        (AutonomyState.AUTONOMOUS, 100, 96, None),
        (AutonomyState.ASSISTED, 100, 96, None),
    ],
)
def test_next_state_crosses_the_bars_only_with_enough_evidence(
    current: AutonomyState, n: int, correct: int, expected: AutonomyState | None
) -> None:
    assert next_state(current, Evidence(n, correct), POLICY) is expected


def _action(intent: str, approval: str | None = None, kind: str = "activity") -> ProposedAction:
    payload = (
        ActivityPayload(intent=intent, summary="s", deadline=date(2025, 3, 7))
        if kind == "activity"
        else NotePayload(intent=intent, note="n")
    )
    return ProposedAction(
        payload=payload, approval=approval, rule_id="r", policy_version="1", reason="rule r"
    )


def test_apply_autonomy_judges_each_action_by_its_own_intent() -> None:
    states = {
        "order_status": (AutonomyState.ASSISTED, "n=12, lower bound 0.81 < 0.97"),
        "complaint": (AutonomyState.AUTONOMOUS, "n=80, lower bound 0.98 >= 0.97"),
        "order_change": (AutonomyState.SHADOW, "n=0"),
    }
    proposed = [_action("order_status"), _action("complaint"), _action("order_change", kind="note")]
    status, complaint, change = apply_autonomy(proposed, "classical", states.__getitem__)
    assert status.approval == "agent" and not status.shadow
    assert status.reason == (
        "order_status decided by classical is assisted: waits for a person "
        "(n=12, lower bound 0.81 < 0.97)"
    )
    assert complaint == proposed[1]
    assert change.shadow and change.approval is None
    assert change.reason.startswith("order_change decided by classical is shadow: recorded")


def test_apply_autonomy_never_lowers_an_approval() -> None:
    proposed = [_action("account_update", approval="approver"), _action("x", approval="admin")]
    for state in AutonomyState:
        applied = apply_autonomy(proposed, "llm", lambda _intent, s=state: (s, ""))
        assert [a.approval for a in applied] == ["approver", "admin"]
        assert [a.reason for a in applied] == ["rule r", "rule r"]


def test_the_shipped_policy_starts_every_pair_assisted() -> None:
    autonomy = load_policy().autonomy
    assert autonomy.default is AutonomyState.ASSISTED
    assert (autonomy.target, autonomy.min_decisions, autonomy.window_days) == (0.97, 50, 90)
    assert (autonomy.demote_below, autonomy.spot_check_share) == (0.9, 0.05)


def test_start_states_per_intent_and_per_decider() -> None:
    policy = AutonomyPolicy(
        default=AutonomyState.SHADOW,
        start={
            "order_status": AutonomyState.AUTONOMOUS,
            "complaint": {"classical": AutonomyState.ASSISTED},
            "an_intent_of_tomorrow": AutonomyState.ASSISTED,
        },
    )
    assert policy.start_state("order_status", "classical") is AutonomyState.AUTONOMOUS
    assert policy.start_state("order_status", "llm") is AutonomyState.ASSISTED  # not named
    assert policy.start_state("complaint", "classical") is AutonomyState.ASSISTED
    assert policy.start_state("complaint", "rules") is AutonomyState.SHADOW
    assert policy.start_state("payment", "rules") is AutonomyState.SHADOW


@pytest.mark.parametrize(
    ("section", "complaint"),
    [
        ("{default: trusted}", "autonomy.default"),
        ("{spot_check_share: 1.5}", "autonomy.spot_check_share"),
        ("{spot_check_share: -0.1}", "autonomy.spot_check_share"),
        ("{target: 0.9, demote_below: 0.95}", "demote_below must not exceed target"),
        ("{start: {order_status: {human: autonomous}}}", "unknown decider 'human'"),
        ("{start: {order_status: sometimes}}", "autonomy.start.order_status"),
        ("{min_decisions: 0}", "autonomy.min_decisions"),
        ("{surprise: 1}", "autonomy.surprise"),
    ],
)
def test_a_bad_autonomy_section_is_refused_with_its_line(section: str, complaint: str) -> None:
    text = f'version: "1"\nroles: {{supervisor: s@example.com}}\nautonomy: {section}\n'
    with pytest.raises(ConfigurationError) as caught:
        parse_policy(text, "p.yaml")
    assert caught.value.message.startswith("p.yaml:3:")
    assert complaint in caught.value.message


def test_demote_below_may_equal_target() -> None:
    assert AutonomyPolicy(target=0.9, demote_below=0.9).demote_below == 0.9
    with pytest.raises(ValidationError):
        AutonomyPolicy(target=0.9, demote_below=0.91)


def test_the_spot_check_pick_is_a_pure_function_of_the_message_id() -> None:
    ids = [f"{i:032x}" for i in range(4000)]
    first = [picked_for_spot_check(i, 0.05) for i in ids]
    assert first == [picked_for_spot_check(i, 0.05) for i in ids]
    assert not any(picked_for_spot_check(i, 0.0) for i in ids)
    assert all(picked_for_spot_check(i, 1.0) for i in ids)
    # a larger share keeps every mail a smaller share picked
    assert all(picked_for_spot_check(i, 0.2) for i, p in zip(ids, first, strict=True) if p)
