"""Logging in to the review UI: throttled password checks and server-side sessions."""

from triage.login.service import Login, LoginOutcome
from triage.login.throttle import LoginThrottle

__all__ = ["Login", "LoginOutcome", "LoginThrottle"]
