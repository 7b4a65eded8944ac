"""Drafted customer updates: written by the LLM or from a template, never sent unapproved."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class DraftFacts(BaseModel):
    """What a customer update may say: the facts from Odoo and the supplier's new date."""

    model_config = ConfigDict(frozen=True)

    customer: str
    order: str = Field(description="Our sale order, e.g. S00042")
    client_ref: str = ""
    old_date: str = ""
    new_date: str = ""
    products: list[str] = Field(default_factory=list)
    partial: list[str] = Field(
        default_factory=list, description="A partial delivery the stock allows, to offer"
    )
    language: str = Field(default="en", description="ISO 639-1 code, or an Odoo code like de_DE")
    company: str = "Customer Service"


class Draft(BaseModel):
    """A customer update waiting for a person; `source` says who wrote it."""

    subject: str
    body: str
    language: str
    source: Literal["llm", "template"]
    reason: str = Field(default="", description="Why the template was used")
    model: str = ""
    prompt_version: str = ""
