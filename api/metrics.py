"""Prometheus metrics: requests, latency, decisions by stage, signals needing review."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from models import Signal


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

    def record_signals(self, signals: list[Signal]) -> None:
        """Count the stage that decided each signal and those needing review."""
        for signal in signals:
            self.decisions.labels(signal.decided_by.value).inc()
            if signal.needs_review:
                self.review.inc()

    def render(self) -> bytes:
        """The text exposition format."""
        return generate_latest(self.registry)


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
