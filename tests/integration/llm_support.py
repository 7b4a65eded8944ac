"""Helpers for tests of the LLM stage: a runtime wired to the loopback LLM server, answers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from models import Message
from parsers import message_from_text
from tests.integration.llm_server import LlmServer
from triage.config import ClassifySettings, LlmSettings, LlmTriggers, Settings
from triage.runtime import Runtime, build_runtime

ANSWER: dict[str, Any] = {
    "intents": [{"intent": "order_status", "confidence": 0.92}],
    "urgency": "normal",
    "sentiment": "neutral",
    "language": "en",
    "summary": "The customer asks when order S00042 will arrive.",
    "entities": [
        {"kind": "sale_order", "text": "S00042"},
        {"kind": "sale_order", "text": "S99999"},
    ],
}
ORDER_MAIL = (
    "Hello, could you tell me when our order S00042 will be delivered? "
    "We need the goods for next week. Thanks, Anna"
)


def llm_settings(
    llm: LlmServer, data_dir: Path, model_dir: Path, database_url: str | None = None, **tuning: Any
) -> Settings:
    """Settings with the LLM at the loopback server; by default every mail goes to it."""
    values: dict[str, Any] = {
        "deadline_seconds": 2.0,
        "max_retries": 1,
        "breaker_failures": 3,
        "breaker_reset_seconds": 0.5,
        "run_when": LlmTriggers(long_chars=1),
        **tuning,
    }
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        llm_base_url=llm.url,
        llm_model="test-model",
        llm=LlmSettings(**values),
        classify=ClassifySettings(model_dir=model_dir),
    )


@contextmanager
def llm_runtime(settings: Settings) -> Iterator[Runtime]:
    """A runtime whose database is closed afterwards."""
    runtime = build_runtime(settings)
    try:
        yield runtime
    finally:
        runtime.engine.dispose()


def mail(
    text: str = ORDER_MAIL, subject: str = "Order S00042", sender: str = "anna@shop.example"
) -> Message:
    """A message from text, as the API builds it."""
    return message_from_text(text, subject=subject, sender=sender)
