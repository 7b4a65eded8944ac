"""Output schema of the `summarize` prompt."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class SummaryOutput(BaseModel):
    """A short summary for the review queue."""

    model_config = ConfigDict(extra="forbid")

    summary: str = Field(
        min_length=1, max_length=400, description="At most two sentences, in English"
    )
