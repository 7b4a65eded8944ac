"""Wiring the LLM stage from settings (None when no LLM is configured)."""

from __future__ import annotations

import threading

from sqlalchemy.orm import Session, sessionmaker

from triage.config import Settings
from triage.llm.breaker import CircuitBreaker
from triage.llm.service import Budget, Completer, LlmService
from triage.llm.stage import LlmTasks
from triage.store.llm import LlmStore


def build_llm(settings: Settings, sessions: sessionmaker[Session]) -> LlmTasks | None:
    """The LLM tasks over the configured server, or None when TRIAGE_LLM_BASE_URL is unset."""
    if not settings.llm_base_url:
        return None
    from triage.llm.client import LlmClient  # the SDK is imported only when an LLM is configured

    tuning = settings.llm
    limit = threading.BoundedSemaphore(tuning.concurrency)

    def client(model: str, temperature: float) -> Completer:
        return LlmClient(
            settings.llm_base_url or "",
            model,
            settings.llm_api_key,
            temperature=temperature,
            deadline=tuning.deadline_seconds,
            max_retries=tuning.max_retries,
            max_output_tokens=tuning.max_output_tokens,
            mode=tuning.structured_output,
            limit=limit,
        )

    clients: dict[str, Completer] = {"default": client(settings.llm_model, 0.0)}
    clients["draft_customer_update"] = client(
        tuning.draft_model or settings.llm_model, tuning.draft_temperature
    )
    breaker = CircuitBreaker(tuning.breaker_failures, tuning.breaker_reset_seconds)
    budget = Budget(
        tuning.daily_token_budget, tuning.message_token_ceiling, tuning.max_output_tokens
    )
    service = LlmService(clients, LlmStore(sessions), breaker, budget, use_cache=tuning.cache)
    return LlmTasks(service)
