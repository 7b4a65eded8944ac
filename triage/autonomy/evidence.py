"""The arithmetic of earned autonomy: Wilson bounds, the next state, and spot-check picks."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from scipy.stats import binomtest

from models import AutonomyState
from triage.policy.model import AutonomyPolicy

Z_CONFIDENCE = 0.95  # two-sided 95 %: z = 1.96


def wilson_lower_bound(correct: int, n: int, confidence: float = Z_CONFIDENCE) -> float | None:
    """The Wilson score interval's lower end for correct/n (None when n == 0)."""
    if n == 0:
        return None
    interval = binomtest(correct, n).proportion_ci(confidence_level=confidence, method="wilson")
    return float(interval.low)


@dataclass(frozen=True)
class Evidence:
    """Reviewed decisions of one (intent, decider) pair inside the window."""

    n: int
    correct: int

    @property
    def precision(self) -> float | None:
        """correct / n, None when nothing was reviewed."""
        return self.correct / self.n if self.n else None

    @property
    def lower_bound(self) -> float | None:
        """The Wilson lower bound (z = 1.96) of the precision."""
        return wilson_lower_bound(self.correct, self.n)

    def describe(self, policy: AutonomyPolicy) -> str:
        """The figures a reason quotes, e.g. `n=12, lower bound 0.81 < 0.97`."""
        bound = self.lower_bound
        if bound is None:
            return f"n=0, no reviewed decisions in {policy.window_days} days"
        sign = ">=" if bound >= policy.target else "<"
        return f"n={self.n}, lower bound {bound:.2f} {sign} {policy.target:.2f}"

    def figures(self, policy: AutonomyPolicy) -> dict[str, float | int | None]:
        """The numbers an audit event of a change carries."""
        bound = self.lower_bound
        return {
            "n": self.n,
            "correct": self.correct,
            "precision": round(self.precision, 4) if self.precision is not None else None,
            "lower_bound": round(bound, 4) if bound is not None else None,
            "target": policy.target,
            "demote_below": policy.demote_below,
            "min_decisions": policy.min_decisions,
            "window_days": policy.window_days,
        }


def next_state(
    current: AutonomyState, evidence: Evidence, policy: AutonomyPolicy
) -> AutonomyState | None:
    """The state the evidence earns, or None when it stays as it is."""
    bound = evidence.lower_bound
    if bound is None or evidence.n < policy.min_decisions:
        return None
    if current is not AutonomyState.AUTONOMOUS and bound >= policy.target:
        return AutonomyState.AUTONOMOUS
    if current is AutonomyState.AUTONOMOUS and bound < policy.demote_below:
        return AutonomyState.ASSISTED
    return None


def picked_for_spot_check(message_id: str, share: float) -> bool:
    """Whether a mail routed alone is spot-checked: a hash of its id, so a replay agrees."""
    digest = hashlib.sha256(message_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share
