"""A circuit breaker for the LLM: open after N failures in a row, one probe after T seconds.

pybreaker holds its lock for the whole guarded call, which would serialise every LLM call;
this one only locks to read and change its state, so calls run side by side.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

from triage.errors import LlmUnavailable

T = TypeVar("T")
CLOSED, OPEN, HALF_OPEN = "closed", "open", "half-open"


class CircuitBreaker:
    """closed -> open after `failures` consecutive failures; half-open after `reset` seconds."""

    def __init__(
        self, failures: int, reset: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.failures = failures
        self.reset = reset
        self._clock = clock
        self._lock = threading.Lock()
        self._count = 0
        self._opened_at: float | None = None
        self._probing = False

    @property
    def state(self) -> str:
        """closed, open or half-open."""
        with self._lock:
            if self._opened_at is None:
                return CLOSED
            return HALF_OPEN if self._clock() - self._opened_at >= self.reset else OPEN

    def call(self, func: Callable[[], T], counts: Callable[[Exception], bool]) -> T:
        """Run `func` unless the breaker is open; `counts` says which errors are failures."""
        self._admit()
        try:
            result = func()
        except Exception as exc:
            self._failed(counts(exc))
            raise
        self._succeeded()
        return result

    def _admit(self) -> None:
        with self._lock:
            if self._opened_at is None:
                return
            if self._clock() - self._opened_at < self.reset or self._probing:
                raise LlmUnavailable("the LLM circuit breaker is open", "breaker_open")
            self._probing = True

    def _failed(self, counted: bool) -> None:
        with self._lock:
            if self._probing:
                self._probing = False
                self._opened_at = self._clock()
            elif counted:
                self._count += 1
                if self._count >= self.failures:
                    self._opened_at = self._clock()

    def _succeeded(self) -> None:
        with self._lock:
            self._count, self._opened_at, self._probing = 0, None, False
