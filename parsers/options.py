"""Parser settings: limits and entity patterns."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from parsers.html_guard import HtmlLimits

DEFAULT_MAX_BYTES = 25 * 1024 * 1024


class ParseOptions(BaseModel):
    """Limits the parser enforces on every message."""

    model_config = ConfigDict(frozen=True)

    max_bytes: int = Field(default=DEFAULT_MAX_BYTES, gt=0)
    max_attachments: int = Field(default=100, gt=0)
    max_depth: int = Field(default=10, gt=0)
    max_entity_chars: int = Field(default=100_000, gt=0)
    # HTML is cut at these before a tree is built: tree building grows with depth x tags.
    max_html_chars: int = Field(default=HtmlLimits.max_chars, gt=0)
    max_html_depth: int = Field(default=HtmlLimits.max_depth, gt=0)
    max_html_elements: int = Field(default=HtmlLimits.max_elements, gt=0)

    def html_limits(self) -> HtmlLimits:
        """The caps applied to HTML before it is parsed."""
        return HtmlLimits(self.max_html_chars, self.max_html_depth, self.max_html_elements)
