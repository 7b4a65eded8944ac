"""Parser settings: limits and entity patterns."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_MAX_BYTES = 25 * 1024 * 1024


class ParseOptions(BaseModel):
    """Limits the parser enforces on every message."""

    model_config = ConfigDict(frozen=True)

    max_bytes: int = Field(default=DEFAULT_MAX_BYTES, gt=0)
    max_attachments: int = Field(default=100, gt=0)
    max_depth: int = Field(default=10, gt=0)
    max_entity_chars: int = Field(default=100_000, gt=0)
