"""Earned autonomy per (intent, decider): decide under it, observe verdicts, promote and demote.

Only unbiased evidence counts: a verdict is an observation when the mail's decision was made in
shadow or assisted mode (a person looked at it anyway) or the mail was picked for a spot check.
A correction of an autonomous, un-sampled mail is not counted: people only see such mail when
something went wrong, so counting it would make every autonomous pair look worse than it is.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from models import AutonomyState, ProposedAction, Signal, SpotCheck, Standing, VerdictSource
from triage.autonomy.evidence import Evidence, next_state, picked_for_spot_check
from triage.errors import InvalidRequest, NotFound
from triage.policy.autonomy import action_intent, apply_autonomy
from triage.policy.loader import PolicyHolder
from triage.policy.model import AUTONOMY_DECIDERS, AutonomyPolicy
from triage.store.autonomy import (
    AutonomyStore,
    DecisionRecord,
    Observation,
    StateChange,
    StoredState,
)

OBSERVED_STATES = frozenset({AutonomyState.SHADOW.value, AutonomyState.ASSISTED.value})
MAX_RACES = 8


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Autonomy:
    """The autonomy states, their evidence and the spot-check queue."""

    def __init__(
        self,
        store: AutonomyStore,
        policy: PolicyHolder,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._store = store
        self._policy_holder = policy
        self._clock = clock

    def state(self, intent: str, decider: str) -> AutonomyState:
        """Current state: pinned, else learned, else the policy's start state or default."""
        return self._effective(self._store.state(intent, decider), intent, decider)

    def standings(self) -> list[Standing]:
        """Every pair that has a state row or observations, by intent then decider."""
        rows = {(r.intent, r.decider): r for r in self._store.states()}
        pairs = sorted(set(rows) | set(self._store.observed_pairs()))
        return [
            self._standing(intent, decider, rows.get((intent, decider)))
            for intent, decider in pairs
        ]

    def decide(
        self, message_id: str, signal: Signal, proposed: list[ProposedAction]
    ) -> list[ProposedAction]:
        """Apply the pairs' states to the proposals and record the decision (once per intent)."""
        decider = signal.decided_by.value
        if decider not in AUTONOMY_DECIDERS:
            return proposed
        policy = self._policy()
        recorded = {d.intent: d for d in self._store.decisions(message_id)}
        known: dict[str, tuple[AutonomyState, str]] = {}

        def state_of(intent: str) -> tuple[AutonomyState, str]:
            if intent not in known:
                known[intent] = self._judged(intent, decider, recorded.get(intent), policy)
            return known[intent]

        applied = apply_autonomy(proposed, decider, state_of)
        intents = list(dict.fromkeys([signal.intent, *filter(None, map(action_intent, proposed))]))
        states = {intent: state_of(intent)[0] for intent in intents}
        alone = (
            all(s is AutonomyState.AUTONOMOUS for s in states.values())
            and not any(a.approval for a in applied)
            and not signal.needs_review
        )
        picked = alone and picked_for_spot_check(message_id, policy.spot_check_share)
        now = self._clock()
        self._store.record_decisions(
            [
                DecisionRecord(
                    message_id, intent, decider, state.value, intent == signal.intent, picked, now
                )
                for intent, state in states.items()
                if intent not in recorded
            ]
        )
        return applied

    def confirm(self, message_id: str, actor: str) -> None:
        """A person says the message's intent is right."""
        found = self._store.signal_intent(message_id)
        if found is None:
            raise NotFound(f"No message {message_id} with a signal.")
        self.verdict(message_id, found[0], actor)

    def verdict(self, message_id: str, intent: str, actor: str) -> None:
        """A label for a message: counted only for shadow/assisted or spot-checked mail."""
        decisions = self._store.decisions(message_id)
        judged = next((d for d in decisions if d.intent == intent), None)
        decision = judged or next((d for d in decisions if d.primary), None)
        if decision is None or not (decision.state in OBSERVED_STATES or decision.spot_check):
            return
        source = VerdictSource.SPOT_CHECK if decision.spot_check else VerdictSource.ASSISTED
        observation = Observation(decision, source.value, judged is not None, intent, actor)
        self._store.observe(observation, self._clock())
        self._evaluate(decision.intent, decision.decider)

    def pin(self, intent: str, decider: str, state: AutonomyState | None, actor: str) -> Standing:
        """Pin a pair's state (None unpins), audited; a pinned state never changes by itself."""
        if decider not in AUTONOMY_DECIDERS:
            raise InvalidRequest(f"{decider!r} is not a decider ({', '.join(AUTONOMY_DECIDERS)}).")
        wanted = state.value if state is not None else None
        for _ in range(MAX_RACES):
            row = self._store.ensure_state(intent, decider)
            if row.pinned == wanted:
                break
            change = self._pin_change(row, state, actor)
            if self._store.change_state(row, {"pinned": wanted}, change, self._clock()):
                break
        if state is None:
            self._evaluate(intent, decider)
        return self._standing(intent, decider, self._store.state(intent, decider))

    def spot_checks(self, pending_only: bool = True, limit: int = 200) -> list[SpotCheck]:
        """The spot-check queue, newest first."""
        return self._store.spot_checks(pending_only, limit)

    def _policy(self) -> AutonomyPolicy:
        return self._policy_holder.current().autonomy

    def _effective(self, row: StoredState | None, intent: str, decider: str) -> AutonomyState:
        if row is not None and row.pinned:
            return AutonomyState(row.pinned)
        return self._learned(row, intent, decider, self._policy())

    @staticmethod
    def _learned(
        row: StoredState | None, intent: str, decider: str, policy: AutonomyPolicy
    ) -> AutonomyState:
        if row is not None and row.learned:
            return AutonomyState(row.learned)
        return policy.start_state(intent, decider)

    def _judged(
        self, intent: str, decider: str, recorded: DecisionRecord | None, policy: AutonomyPolicy
    ) -> tuple[AutonomyState, str]:
        """The state for a decision (a replay keeps the first one) and the evidence behind it."""
        row = self._store.state(intent, decider)
        state = AutonomyState(recorded.state) if recorded else self._effective(row, intent, decider)
        if row is not None and row.pinned:
            return state, f"pinned: {row.change_reason}"
        return state, self._evidence(intent, decider, policy).describe(policy)

    def _evidence(self, intent: str, decider: str, policy: AutonomyPolicy) -> Evidence:
        since = self._clock() - timedelta(days=policy.window_days)
        n, correct = self._store.tally(intent, decider, since)
        return Evidence(n, correct)

    def _evaluate(self, intent: str, decider: str) -> None:
        """Promote or demote on the evidence; of concurrent evaluators one changes the row."""
        policy = self._policy()
        for _ in range(MAX_RACES):
            row = self._store.ensure_state(intent, decider)
            if row.pinned:
                return
            current = self._learned(row, intent, decider, policy)
            evidence = self._evidence(intent, decider, policy)
            new = next_state(current, evidence, policy)
            if new is None or (decider == "llm" and new is AutonomyState.AUTONOMOUS):
                return  # the LLM reads what attackers write: only a person makes it autonomous
            change = _learned_change(row, current, new, evidence, policy)
            if self._store.change_state(row, {"learned": new.value}, change, self._clock()):
                return

    def _pin_change(self, row: StoredState, state: AutonomyState | None, actor: str) -> StateChange:
        policy = self._policy()
        evidence = self._evidence(row.intent, row.decider, policy)
        what = f"pinned to {state.value}" if state else "unpinned"
        return StateChange(
            event="autonomy_pinned" if state else "autonomy_unpinned",
            actor=actor,
            reason=f"{what} by {actor} ({evidence.describe(policy)})",
            detail={
                "intent": row.intent,
                "decider": row.decider,
                "from": row.pinned or "",
                "to": state.value if state else "",
                **evidence.figures(policy),
            },
        )

    def _standing(self, intent: str, decider: str, row: StoredState | None) -> Standing:
        evidence = self._evidence(intent, decider, self._policy())
        return Standing(
            intent=intent,
            decider=decider,
            state=self._effective(row, intent, decider),
            pinned=bool(row and row.pinned),
            n=evidence.n,
            correct=evidence.correct,
            precision=evidence.precision,
            lower_bound=evidence.lower_bound,
            changed_at=row.changed_at if row else None,
            change_reason=row.change_reason if row else "",
        )


def _learned_change(
    row: StoredState,
    current: AutonomyState,
    new: AutonomyState,
    evidence: Evidence,
    policy: AutonomyPolicy,
) -> StateChange:
    promoted = new is AutonomyState.AUTONOMOUS
    bound = evidence.lower_bound or 0.0
    bar = f">= target {policy.target:.2f}" if promoted else f"< {policy.demote_below:.2f}"
    reason = (
        f"{'promoted' if promoted else 'demoted'} {current.value} -> {new.value}: "
        f"{evidence.correct}/{evidence.n} correct (precision {evidence.precision or 0.0:.3f}), "
        f"lower bound {bound:.3f} {bar} over {policy.window_days} days"
    )
    return StateChange(
        event="autonomy_promoted" if promoted else "autonomy_demoted",
        actor="autonomy",
        reason=reason,
        detail={
            "intent": row.intent,
            "decider": row.decider,
            "from": current.value,
            "to": new.value,
            **evidence.figures(policy),
        },
    )
