"""Output schema of the `classify` prompt."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class LlmIntent(BaseModel):
    """One intent the mail carries."""

    model_config = ConfigDict(extra="forbid")

    intent: str = Field(description="One of the intent names listed above, nothing else")
    confidence: float = Field(ge=0.0, le=1.0, description="0 to 1")


class LlmEntity(BaseModel):
    """A reference or fact copied from the mail."""

    model_config = ConfigDict(extra="forbid")

    kind: str = Field(description="One of the entity kinds listed above")
    text: str = Field(min_length=1, max_length=200, description="Copied exactly from the mail")


class ClassifyOutput(BaseModel):
    """What the model says the mail is about."""

    model_config = ConfigDict(extra="forbid")

    intents: list[LlmIntent] = Field(
        min_length=1,
        max_length=3,
        description='The requests in the mail as [{"intent": name, "confidence": 0 to 1}], '
        "main one first, at most three",
    )
    urgency: Literal["low", "normal", "high", "critical"] = Field(
        description="How soon someone should act: low, normal, high or critical"
    )
    sentiment: Literal["negative", "neutral", "positive"] = Field(
        description="The writer's tone: negative, neutral or positive"
    )
    language: str = Field(
        min_length=2, max_length=3, description="ISO 639-1 code of the mail's language"
    )
    summary: str = Field(
        max_length=400, description="At most two sentences saying what the writer wants"
    )
    entities: list[LlmEntity] = Field(
        default_factory=list,
        max_length=30,
        description='References in the mail as [{"kind": entity kind, "text": copied exactly}] '
        "(order, invoice and tracking numbers, dates)",
    )
