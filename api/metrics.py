"""Prometheus metrics: requests, latency, decisions by stage, signals needing review."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from models import ActionState, Signal
from triage.llm.service import LlmService
from triage.store.mailboxes import FolderHealth

_BREAKER_STATES = ("closed", "half-open", "open")


@dataclass
class Metrics:
    """One registry per app, so tests and several apps never share counters."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        self.requests = Counter(
            "triage_http_requests", "HTTP requests", ["route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "triage_http_request_seconds", "HTTP latency", ["route"], registry=self.registry
        )
        self.decisions = Counter(
            "triage_decisions", "Signals by deciding stage", ["stage"], registry=self.registry
        )
        self.review = Counter(
            "triage_needs_review", "Signals that need a person", registry=self.registry
        )
        labels = ["account", "folder"]
        self.poll_age = Gauge(
            "triage_mailbox_last_poll_age_seconds",
            "Seconds since the last completed poll",
            labels,
            registry=self.registry,
        )
        self.backlog = Gauge(
            "triage_mailbox_backlog", "Messages left to fetch", labels, registry=self.registry
        )
        self.mailbox_errors = Gauge(
            "triage_mailbox_errors", "Failed polls so far", labels, registry=self.registry
        )
        self.actions = Gauge(
            "triage_actions", "Actions in the outbox by state", ["state"], registry=self.registry
        )
        self.action_failures = Gauge(
            "triage_action_failures",
            "Failed or dead actions by class (business, technical)",
            ["class"],
            registry=self.registry,
        )
        self.escalations = Gauge(
            "triage_escalations", "Proposals escalated past their SLA", registry=self.registry
        )

    def record_mailboxes(self, health: list[FolderHealth]) -> None:
        """Refresh the mailbox gauges from the stored health (called at scrape time)."""
        now = datetime.now(UTC)
        for h in health:
            if h.last_poll_at is not None:
                last = (
                    h.last_poll_at if h.last_poll_at.tzinfo else h.last_poll_at.replace(tzinfo=UTC)
                )
                self.poll_age.labels(h.account, h.folder).set((now - last).total_seconds())
            self.backlog.labels(h.account, h.folder).set(h.backlog)
            self.mailbox_errors.labels(h.account, h.folder).set(h.errors)

    def record_signals(self, signals: list[Signal]) -> None:
        """Count the stage that decided each signal and those needing review."""
        for signal in signals:
            self.decisions.labels(signal.decided_by.value).inc()
            if signal.needs_review:
                self.review.inc()

    def record_actions(
        self, counts: dict[str, int], failures: dict[str, int], escalated: int
    ) -> None:
        """Refresh the outbox gauges from the store (called at scrape time)."""
        for state in ActionState:
            self.actions.labels(state.value).set(counts.get(state.value, 0))
        for kind in ("business", "technical"):
            self.action_failures.labels(kind).set(failures.get(kind, 0))
        self.escalations.set(escalated)

    def watch_llm(self, service: LlmService) -> None:
        """Expose the LLM service's calls, tokens, cache hits, fallbacks and breaker state."""
        self.registry.register(LlmCollector(service))

    def render(self) -> bytes:
        """The text exposition format."""
        return generate_latest(self.registry)


class LlmCollector(Collector):
    """Reads the LLM service's in-process counters at scrape time."""

    def __init__(self, service: LlmService) -> None:
        self.service = service

    def collect(self) -> Iterator[Metric]:
        """The LLM metric families."""
        stats = self.service.stats
        with stats.lock:
            calls = CounterMetricFamily(
                "triage_llm_calls", "LLM calls by task and outcome", labels=["task", "outcome"]
            )
            for (task, outcome), n in sorted(stats.calls.items()):
                calls.add_metric([task, outcome], n)
            tokens = CounterMetricFamily("triage_llm_tokens", "LLM tokens used", labels=["kind"])
            for kind in ("input", "output"):
                tokens.add_metric([kind], stats.tokens[kind])
            hits = CounterMetricFamily(
                "triage_llm_cache_hits", "Answers served from the cache", labels=["task"]
            )
            for task, n in sorted(stats.cache_hits.items()):
                hits.add_metric([task], n)
            fallbacks = CounterMetricFamily(
                "triage_llm_fallbacks",
                "LLM failures answered by rules and model",
                labels=["reason"],
            )
            for reason, n in sorted(stats.fallbacks.items()):
                fallbacks.add_metric([reason], n)
        breaker = GaugeMetricFamily(
            "triage_llm_breaker_state", "1 for the breaker's current state", labels=["state"]
        )
        current = self.service.breaker_state
        for state in _BREAKER_STATES:
            breaker.add_metric([state], 1.0 if state == current else 0.0)
        yield from (calls, tokens, hits, fallbacks, breaker)


class MetricsMiddleware:
    """Times every HTTP request by its route template (not its raw path: bounded labels)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, then record its status and duration."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_and_catch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_catch)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            self.metrics.requests.labels(route, str(status)).inc()
            self.metrics.latency.labels(route).observe(time.perf_counter() - start)
