"""Earned autonomy: how far each (intent, decider) pair may act on its own, and why."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field


class AutonomyState(StrEnum):
    """shadow: record only; assisted: a person confirms; autonomous: runs at once."""

    SHADOW = "shadow"
    ASSISTED = "assisted"
    AUTONOMOUS = "autonomous"


class VerdictSource(StrEnum):
    """How the observed mail was handled (shadow-mode mail counts as assisted)."""

    ASSISTED = "assisted"
    SPOT_CHECK = "spot_check"


class Standing(BaseModel):
    """One row of the dashboard's autonomy table."""

    intent: str
    decider: str = Field(description='"rules" | "classical" | "llm" (models.Stage values)')
    state: AutonomyState
    pinned: bool = False
    n: int = Field(default=0, description="Reviewed decisions in the window")
    correct: int = 0
    precision: float | None = Field(default=None, description="correct/n, None when n == 0")
    lower_bound: float | None = Field(
        default=None, description="Wilson lower bound (z = 1.96), None when n == 0"
    )
    changed_at: datetime | None = None
    change_reason: str = Field(default="", description="Last state change and why")


class SpotCheck(BaseModel):
    """A mail routed alone that a person should look at, to keep the measurement honest."""

    message_id: str
    intent: str
    decider: str
    subject: str = ""
    created_at: datetime
    done: bool = False
