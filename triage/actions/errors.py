"""Why an action failed: a business exception (a person must look) or a technical one."""

from __future__ import annotations

from dataclasses import dataclass

from triage.errors import (
    OdooAccessDenied,
    OdooAccessError,
    OdooError,
    OdooUnavailable,
)

BUSINESS, TECHNICAL = "business", "technical"


@dataclass(frozen=True)
class Failure:
    """How to treat a failed attempt."""

    error_class: str
    retry: bool
    message: str


class ActionFailed(Exception):
    """An executor's own refusal, already classified."""

    def __init__(self, message: str, error_class: str = BUSINESS, retry: bool = False) -> None:
        super().__init__(message)
        self.failure = Failure(error_class, retry, message)


def classify_failure(exc: Exception) -> Failure:
    """Validation, missing record and state conflicts are business; the rest technical.

    Only a technical failure that may pass by itself (Odoo or the receiver unreachable,
    a timeout, a 5xx) is retried; access errors wait for someone to fix the rights.
    """
    if isinstance(exc, ActionFailed):
        return exc.failure
    if isinstance(exc, OdooUnavailable):
        return Failure(TECHNICAL, True, f"{type(exc).__name__}: {exc.message}")
    if isinstance(exc, OdooAccessError | OdooAccessDenied):
        return Failure(TECHNICAL, False, f"{type(exc).__name__}: {exc.message}")
    if isinstance(exc, OdooError):
        return Failure(BUSINESS, False, f"{type(exc).__name__}: {exc.message}")
    return Failure(TECHNICAL, True, f"{type(exc).__name__}: {exc}")
