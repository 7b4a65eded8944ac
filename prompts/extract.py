"""Output schema of the `extract` prompt."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

ExtractKind = Literal[
    "customer_po", "eta", "quantity", "product_name", "product_code", "sale_order", "purchase_order"
]


class Extracted(BaseModel):
    """One fact copied from the mail."""

    model_config = ConfigDict(extra="forbid")

    kind: ExtractKind = Field(description="What the text is")
    text: str = Field(min_length=1, max_length=200, description="Copied exactly from the mail")
    value: str = Field(
        default="",
        max_length=100,
        description="Normalised: an ETA as YYYY-MM-DD, a quantity as a number; else empty",
    )


class ExtractOutput(BaseModel):
    """Facts the regular expressions may have missed."""

    model_config = ConfigDict(extra="forbid")

    entities: list[Extracted] = Field(
        default_factory=list,
        max_length=50,
        description='[{"kind": one of '
        + ", ".join(get_args(ExtractKind))
        + ', "text": copied exactly, '
        '"value": normalised or ""}]: customer PO numbers, new ETAs, quantities, products',
    )
