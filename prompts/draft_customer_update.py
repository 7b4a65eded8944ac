"""Output schema of the `draft_customer_update` prompt."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class DraftOutput(BaseModel):
    """A customer update for a person to check before it is sent."""

    model_config = ConfigDict(extra="forbid")

    subject: str = Field(min_length=1, max_length=200, description="The mail's subject line")
    body: str = Field(
        min_length=1,
        max_length=4000,
        description="The mail's text, polite and factual, no promises beyond the facts given",
    )
    language: str = Field(
        min_length=2, max_length=3, description="ISO 639-1 code of the language written in"
    )
