"""Everything around an LLM call: cache, budget, circuit breaker, usage records and counters.

The order matters: a cached answer is free and works even while the breaker is open; the
budget is checked before the breaker so a spent budget does not count as a failure; while
the breaker is open nothing is sent and the caller falls back at once.
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from pydantic import BaseModel

from models import LlmCall
from prompts import Rendered
from triage.errors import LlmError, LlmUnavailable
from triage.llm.breaker import OPEN, CircuitBreaker
from triage.llm.reply import LlmReply
from triage.store.llm import CallRecord, LlmStore


class Completer(Protocol):
    """What the service needs of a client (LlmClient is the real one)."""

    model: str

    def complete(self, prompt: Rendered) -> LlmReply:
        """One validated answer or an LlmError."""
        ...


@dataclass
class LlmStats:
    """In-process counters for /metrics (usage over time lives in the database)."""

    calls: Counter[tuple[str, str]] = field(default_factory=Counter)
    tokens: Counter[str] = field(default_factory=Counter)
    cache_hits: Counter[str] = field(default_factory=Counter)
    fallbacks: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, task: str, outcome: str, tokens_in: int = 0, tokens_out: int = 0) -> None:
        """Count one call or refusal."""
        with self.lock:
            self.calls[(task, outcome)] += 1
            self.tokens["input"] += tokens_in
            self.tokens["output"] += tokens_out
            if outcome == "cached":
                self.cache_hits[task] += 1
            elif outcome != "ok":
                self.fallbacks[outcome] += 1


@dataclass(frozen=True)
class Budget:
    """Token limits: per UTC day for the whole service, and per message."""

    daily_tokens: int | None = None
    message_tokens: int | None = None
    max_output_tokens: int = 800


@dataclass(frozen=True)
class Answer:
    """A validated answer and the call record for the signal."""

    output: BaseModel
    call: LlmCall


class LlmService:
    """Runs prompts through the per-task clients with cache, budget and breaker."""

    def __init__(
        self,
        clients: dict[str, Completer],
        store: LlmStore,
        breaker: CircuitBreaker,
        budget: Budget,
        *,
        use_cache: bool = True,
    ) -> None:
        self.clients = clients
        self.store = store
        self.breaker = breaker
        self.budget = budget
        self.use_cache = use_cache
        self.stats = LlmStats()

    @property
    def breaker_state(self) -> str:
        """closed, open or half-open."""
        return self.breaker.state

    def refuse_while_open(self, task: str) -> None:
        """LlmUnavailable at once while the breaker is open: the fast path, nothing else done."""
        if self.breaker.state == OPEN:
            self.stats.count(task, "breaker_open")
            raise LlmUnavailable("the LLM circuit breaker is open", "breaker_open")

    def run(
        self,
        prompt: Rendered,
        content_key: str,
        message_id: str | None = None,
        check: Callable[[BaseModel], None] | None = None,
    ) -> Answer:
        """The answer for a prompt, from the cache or the model; LlmError when there is none.

        `check` validates beyond the schema (raising LlmBadOutput); it runs before caching.
        """
        client = self.clients.get(prompt.task) or self.clients["default"]
        key = f"{prompt.version}|{client.model}|{content_key}"
        base = CallRecord(prompt.task, client.model, prompt.version, "ok", message_id)
        if self.use_cache and (hit := self.store.cached(_digest(key))) is not None:
            self.stats.count(prompt.task, "cached")
            output = prompt.schema.model_validate(hit.output)
            if check is not None:
                check(output)
            return Answer(
                output, LlmCall(model=client.model, prompt_version=prompt.version, cached=True)
            )
        try:
            self._check_budget(prompt, message_id)
            reply = self.breaker.call(lambda: _checked(client, prompt, check), _counts)
        except LlmError as exc:
            self._refused(base, exc.reason)
            raise
        done = CallRecord(
            prompt.task,
            reply.model,
            prompt.version,
            "ok",
            message_id,
            reply.tokens_in,
            reply.tokens_out,
            reply.latency_ms,
        )
        self.store.record(done)
        self.stats.count(prompt.task, "ok", reply.tokens_in, reply.tokens_out)
        if self.use_cache:
            self.store.cache(_digest(key), done, reply.output.model_dump(mode="json"))
        call = LlmCall(
            model=reply.model,
            prompt_version=prompt.version,
            tokens_in=reply.tokens_in,
            tokens_out=reply.tokens_out,
            latency_ms=round(reply.latency_ms, 1),
        )
        return Answer(reply.output, call)

    def _check_budget(self, prompt: Rendered, message_id: str | None) -> None:
        estimate = (len(prompt.system) + len(prompt.user)) // 4 + self.budget.max_output_tokens
        if self.budget.daily_tokens is not None:
            midnight = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
            spent = self.store.tokens_since(midnight)
            if spent >= self.budget.daily_tokens:
                raise LlmUnavailable(
                    f"daily token budget spent ({spent} of {self.budget.daily_tokens})", "budget"
                )
        if self.budget.message_tokens is not None:
            spent = self.store.tokens_for(message_id) if message_id else 0
            if spent + estimate > self.budget.message_tokens:
                raise LlmUnavailable(
                    f"about {spent + estimate} tokens for this message, ceiling "
                    f"{self.budget.message_tokens}",
                    "budget",
                )

    def _refused(self, call: CallRecord, reason: str) -> None:
        """Count a failure; only calls that reached the server are stored as usage."""
        self.stats.count(call.task, reason)
        if reason not in {"breaker_open", "budget"}:
            self.store.record(CallRecord(**{**call.__dict__, "outcome": reason}))


def _counts(exc: Exception) -> bool:
    """Every LLM failure but a refusal on our side (budget) counts towards opening."""
    return isinstance(exc, LlmError) and exc.reason != "budget"


def _checked(
    client: Completer, prompt: Rendered, check: Callable[[BaseModel], None] | None
) -> LlmReply:
    reply = client.complete(prompt)
    if check is not None:
        check(reply.output)
    return reply


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()
