"""What the connected Odoo offers: version, installed modules, the fields we rely on."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class OdooCapabilities(BaseModel):
    """The result of the capability probe made at the first connection."""

    server_version: str = ""
    modules: dict[str, bool] = Field(
        default_factory=dict, description="Module name -> installed (the modules we use)"
    )
    missing_fields: dict[str, list[str]] = Field(
        default_factory=dict, description="Model -> fields we rely on that it lacks"
    )
    field_reasons: dict[str, str] = Field(
        default_factory=dict,
        description="'model.field' -> why it is missing, e.g. 'stock_delivery is not installed'",
    )
    disabled: list[str] = Field(
        default_factory=list,
        description="What does not work and why, e.g. 'tracking numbers are not looked up: "
        "stock_delivery is not installed'",
    )
    tz: str = Field(default="UTC", description="The bot user's time zone (Odoo's context tz)")
    probe_errors: list[str] = Field(default_factory=list, description="Parts not probed, why")
    probed_at: datetime | None = None

    def unavailable(self, model: str, fields: list[str] | tuple[str, ...]) -> str:
        """Why a lookup on `fields` of `model` cannot run ('' when it can)."""
        missing = [f for f in fields if f in self.missing_fields.get(model, ())]
        if not missing:
            return ""
        name = f"{model}.{missing[0]}"
        return self.field_reasons.get(name) or f"{name} does not exist in this Odoo"

    def present(self, model: str, fields: list[str]) -> list[str]:
        """`fields` less those the model lacks."""
        absent = set(self.missing_fields.get(model, ()))
        return [f for f in fields if f not in absent]
