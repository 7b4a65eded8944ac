"""What one LLM call returns, in our terms (no SDK types: importable without the SDK)."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel


@dataclass(frozen=True)
class LlmReply:
    """A validated answer and what it cost."""

    output: BaseModel
    raw: str
    model: str
    tokens_in: int
    tokens_out: int
    latency_ms: float
