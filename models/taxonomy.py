"""The intent taxonomy: which intents exist, what each means, which are high risk."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

OTHER = "other"


class IntentGroup(StrEnum):
    """Who writes mail of this intent."""

    CUSTOMER = "customer"
    SUPPLIER = "supplier"
    AUTOMATIC = "automatic"
    OTHER = "other"


class IntentDef(BaseModel):
    """One intent with the one-line description shown to the LLM and the UI."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    group: IntentGroup
    description: str = Field(min_length=1)
    high_risk: bool = False


class Taxonomy(BaseModel):
    """The set of intents a deployment classifies into."""

    model_config = ConfigDict(frozen=True)

    version: str = "1"
    intents: tuple[IntentDef, ...]

    @model_validator(mode="after")
    def _names_unique_and_other_present(self) -> Taxonomy:
        names = [i.name for i in self.intents]
        if len(names) != len(set(names)):
            raise ValueError("intent names must be unique")
        if OTHER not in names:
            raise ValueError(f"the taxonomy must contain {OTHER!r}")
        return self

    @property
    def names(self) -> list[str]:
        """Intent names in taxonomy order."""
        return [i.name for i in self.intents]

    def get(self, name: str) -> IntentDef | None:
        """The definition of an intent, or None when unknown."""
        return next((i for i in self.intents if i.name == name), None)

    def in_group(self, *groups: IntentGroup) -> set[str]:
        """Names of the intents in any of the given groups."""
        return {i.name for i in self.intents if i.group in groups}
