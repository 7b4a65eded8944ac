"""Earned autonomy applied to what the policy proposed: a pure function of the states.

Each action is judged by its own intent (one mail may carry several). In shadow mode an action
is recorded and never run; in assisted mode an action that would run at once waits for a
person; in autonomous mode the policy's decision stands. Autonomy only ever holds actions
back: an approval a rule or the risk check set is never lowered, and actions that already wait
for someone are left as they are.
"""

from __future__ import annotations

from collections.abc import Callable

from models import AutonomyState, ProposedAction
from triage.policy.model import AutonomyPolicy

LLM_DECIDED = "decided by the LLM: waits for a person"
StateOf = Callable[[str], tuple[AutonomyState, str]]


def apply_autonomy(
    proposed: list[ProposedAction], decider: str, state_of: StateOf
) -> list[ProposedAction]:
    """The proposals as the (intent, decider) autonomy states allow them to run."""
    return [_applied(action, decider, state_of) for action in proposed]


def at_start(policy: AutonomyPolicy, decider: str) -> StateOf:
    """The states before any evidence: what a new deployment does under this policy."""
    return lambda intent: (policy.start_state(intent, decider), "no evidence yet")


def action_intent(action: ProposedAction) -> str | None:
    """The intent an action was proposed for (IMAP filing payloads carry none)."""
    intent = getattr(action.payload, "intent", None)
    return intent if isinstance(intent, str) and intent else None


def _applied(action: ProposedAction, decider: str, state_of: StateOf) -> ProposedAction:
    intent = action_intent(action)
    if action.shadow or action.approval is not None or intent is None:
        return action
    state, evidence = state_of(intent)
    where = f"{intent} decided by {decider} is {state.value}"
    if state is AutonomyState.SHADOW:
        reason = f"{where}: recorded, not run ({evidence})"
        return action.model_copy(update={"shadow": True, "reason": reason})
    if state is AutonomyState.ASSISTED:
        reason = f"{where}: waits for a person ({evidence})"
        if decider == "llm":
            reason = f"{LLM_DECIDED} ({where}; {evidence})"
        return action.model_copy(update={"approval": "agent", "reason": reason})
    return action
