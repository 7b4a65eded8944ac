"""Failed logins counted per account and per client address, with the `limits` library.

Each scope (the account name tried, whether it exists or not, and the client address) has a
rule: the first `free` failures in the window are answered at once; after that each attempt
waits `delay_base * 2^(failures - free)` seconds (at most `delay_max`); at `lock_after`
failures the scope is locked for `lock_seconds`, whatever password comes next. Three fixed
windows in a `limits` storage hold it: the failure count, the running delay and the lock.
The default storage is memory, per process; a `limits` URI (`redis://...`) shares it.
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.errors import ConfigurationError as LimitsConfigurationError
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

from triage.config import LoginSettings, ThrottleRule
from triage.errors import ConfigurationError

ACCOUNT = "account"
ADDRESS = "address"


class LoginThrottle:
    """Says how long a login attempt must wait, and records the failures that make it wait."""

    def __init__(self, settings: LoginSettings, storage: Storage | None = None) -> None:
        try:
            chosen = storage or storage_from_string(settings.storage)
        except LimitsConfigurationError as exc:
            raise ConfigurationError(f"login throttle storage: {exc}") from exc
        if not isinstance(chosen, Storage):
            raise ConfigurationError(f"{settings.storage!r} is not a synchronous `limits` storage")
        self._limiter = FixedWindowRateLimiter(chosen)
        self._settings = settings
        self._rules = {ACCOUNT: settings.account, ADDRESS: settings.address}
        self._lock = RateLimitItemPerSecond(1, settings.lock_seconds)

    def wait_seconds(self, name: str, address: str) -> int:
        """Seconds before this account may be tried from this address (0: try now)."""
        waits = (self._wait(ACCOUNT, _account(name)), self._wait(ADDRESS, address))
        return max(waits)

    def failed(self, name: str, address: str) -> None:
        """Count a failed attempt against the account and the address."""
        self._fail(ACCOUNT, _account(name))
        self._fail(ADDRESS, address)

    def succeeded(self, name: str) -> None:
        """A right password clears the account's failures (the address keeps its count)."""
        rule = self._rules[ACCOUNT]
        self._limiter.clear(self._failures(rule), ACCOUNT, _account(name))

    def _wait(self, scope: str, key: str) -> int:
        if not self._limiter.test(self._lock, scope, key):
            return self._until(self._lock, scope, key)
        delay = self._delay(scope, key)
        if delay is not None and not self._limiter.test(delay, scope, key):
            return self._until(delay, scope, key)
        return 0

    def _fail(self, scope: str, key: str) -> None:
        rule = self._rules[scope]
        failures = self._failures(rule)
        self._limiter.hit(failures, scope, key)
        if self._count(failures, scope, key) >= rule.lock_after:
            self._limiter.hit(self._lock, scope, key)
            # Counting starts again once the lock has run out.
            self._limiter.clear(failures, scope, key)
            return
        delay = self._delay(scope, key)
        if delay is not None:
            self._limiter.hit(delay, scope, key)

    def _delay(self, scope: str, key: str) -> RateLimitItem | None:
        """The window the next attempt must wait out, or None while failures are free."""
        rule = self._rules[scope]
        beyond = self._count(self._failures(rule), scope, key) - rule.free
        if beyond < 0:
            return None
        seconds = self._settings.delay_base_seconds * 2 ** min(beyond, 30)
        return RateLimitItemPerSecond(1, min(seconds, self._settings.delay_max_seconds))

    def _failures(self, rule: ThrottleRule) -> RateLimitItem:
        return RateLimitItemPerSecond(rule.lock_after, self._settings.window_seconds)

    def _count(self, item: RateLimitItem, scope: str, key: str) -> int:
        return item.amount - self._limiter.get_window_stats(item, scope, key).remaining

    def _until(self, item: RateLimitItem, scope: str, key: str) -> int:
        reset = self._limiter.get_window_stats(item, scope, key).reset_time
        return max(1, math.ceil(reset - time.time()))


def _account(name: str) -> str:
    """One key per account whatever the spacing or case typed."""
    return name.strip().casefold()
