"""The LLM circuit breaker, on a clock the test moves."""

from __future__ import annotations

import pytest

from triage.errors import LlmUnavailable
from triage.llm.breaker import CircuitBreaker


class Clock:
    """A clock that only moves when told."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _fail() -> int:
    raise LlmUnavailable("down", "server_error")


def _counts(exc: Exception) -> bool:
    return isinstance(exc, LlmUnavailable) and exc.reason != "budget"


def test_opens_after_consecutive_failures_and_refuses_without_calling() -> None:
    clock, calls = Clock(), []
    breaker = CircuitBreaker(failures=3, reset=30, clock=clock)
    for _ in range(3):
        with pytest.raises(LlmUnavailable, match="down"):
            breaker.call(_fail, _counts)
    assert breaker.state == "open"
    with pytest.raises(LlmUnavailable) as refused:
        breaker.call(lambda: calls.append(1), _counts)
    assert refused.value.reason == "breaker_open" and calls == []


def test_a_success_resets_the_count() -> None:
    breaker = CircuitBreaker(failures=2, reset=30, clock=Clock())
    with pytest.raises(LlmUnavailable):
        breaker.call(_fail, _counts)
    assert breaker.call(lambda: 7, _counts) == 7
    with pytest.raises(LlmUnavailable):
        breaker.call(_fail, _counts)
    assert breaker.state == "closed"


def test_half_open_lets_one_probe_through_and_its_result_decides() -> None:
    clock = Clock()
    breaker = CircuitBreaker(failures=1, reset=10, clock=clock)
    with pytest.raises(LlmUnavailable):
        breaker.call(_fail, _counts)
    clock.now = 10
    assert breaker.state == "half-open"
    with pytest.raises(LlmUnavailable, match="down"):
        breaker.call(_fail, _counts)  # the probe fails: open again, for another 10 s
    assert breaker.state == "open"
    clock.now = 20
    assert breaker.call(lambda: "ok", _counts) == "ok"
    assert breaker.state == "closed"


def test_only_one_probe_while_half_open() -> None:
    clock = Clock()
    breaker = CircuitBreaker(failures=1, reset=5, clock=clock)
    with pytest.raises(LlmUnavailable):
        breaker.call(_fail, _counts)
    clock.now = 5

    def probe() -> str:
        with pytest.raises(LlmUnavailable) as second:
            breaker.call(lambda: "second", _counts)
        assert second.value.reason == "breaker_open"
        return "first"

    assert breaker.call(probe, _counts) == "first"


def test_failures_that_do_not_count_leave_it_closed() -> None:
    breaker = CircuitBreaker(failures=1, reset=5, clock=Clock())
    with pytest.raises(LlmUnavailable):
        breaker.call(lambda: (_ for _ in ()).throw(LlmUnavailable("spent", "budget")), _counts)
    assert breaker.state == "closed"
