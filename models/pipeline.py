"""Where a stored message is in the pipeline (identify, store, classify, link, decide)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field


class PipelineState(StrEnum):
    """pending -> done; a failed step -> failed (retried later) -> dead after the last try."""

    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"
    DEAD = "dead"


class PipelineStep(StrEnum):
    """The last step whose result is written; a restart resumes after it."""

    STORED = "stored"
    CLASSIFIED = "classified"
    LINKED = "linked"
    DECIDED = "decided"


class PipelineStatus(BaseModel):
    """One message's progress through the pipeline, and why it stopped if it did."""

    message_id: str
    state: PipelineState
    step: PipelineStep = Field(description="The last step whose result is written")
    attempts: int = 0
    last_error: str = Field(default="", description="Why the last attempt failed")
    next_attempt_at: datetime | None = None
    updated_at: datetime
