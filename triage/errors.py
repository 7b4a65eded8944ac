"""The one exception tree of triage.

    TriageError
    ├── ConfigurationError      the deployer's mistake: bad settings, missing files
    └── TriageRuntimeError      something failed while running
        ├── ParseError          input that cannot be read at all
        ├── ClassificationFailed  the classifier failed on one mail (422)
        ├── InvalidRequest      a request the service refuses (422)
        │   ├── EditRefused         an edit of an action that has no draft to edit
        │   └── InvalidLabel        a correction to an unknown intent or urgency
        ├── NotFound            no such action or message (404)
        ├── Forbidden           the caller's role may not do this (403)
        ├── StateConflict       the action is no longer proposed (409; triage.store.actions)
        ├── StoreError          the database refused or is unreachable
        ├── IngestError         a source (file, folder) could not be read
        ├── MailboxError        an IMAP server refused, failed or went away
        ├── LlmError            the LLM stage did not give a usable answer
        │   ├── LlmUnavailable      timeout, connection, 429, 5xx, breaker open, budget
        │   └── LlmBadOutput        the answer did not validate (raw text kept)
        └── OdooError           Odoo answered with an error or not at all
            ├── OdooUnavailable     network failure, timeout, HTTP error, not JSON
            ├── OdooAccessDenied    wrong database, login or API key
            ├── OdooAccessError     the user may not read or write that model
            ├── OdooValidationError / OdooUserError / OdooMissingError
            └── OdooInvalidCall     an unknown field, method or argument: permanent

Errors that reach the API carry an HTTP status; one handler renders them.
"""

from __future__ import annotations


class TriageError(Exception):
    """Base of every error raised by triage."""

    status_code = 500
    code = "internal_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigurationError(TriageError):
    """The settings or files the service was given are wrong."""

    code = "configuration_error"


class TriageRuntimeError(TriageError):
    """A failure while running, not a mistake in the configuration."""


class ParseError(TriageRuntimeError):
    """Input that is not mail at all."""

    status_code = 422
    code = "parse_error"


class InvalidRequest(TriageRuntimeError):
    """A well-formed request the service refuses (an edit or label it does not allow)."""

    status_code = 422
    code = "invalid_request"


class EditRefused(InvalidRequest):
    """Only a drafted customer update's subject and text may be edited before approval."""


class InvalidLabel(InvalidRequest):
    """A correction to an intent outside the taxonomy or an urgency that does not exist."""


class NotFound(TriageRuntimeError):
    """The action or message does not exist."""

    status_code = 404
    code = "not_found"


class Forbidden(TriageRuntimeError):
    """The caller's role may not take this decision."""

    status_code = 403
    code = "forbidden"


class StoreError(TriageRuntimeError):
    """The database failed."""

    status_code = 503
    code = "store_error"


class IngestError(TriageRuntimeError):
    """A source could not be read."""

    code = "ingest_error"


class MailboxError(TriageRuntimeError):
    """An IMAP server refused, failed or went away; the watcher reconnects."""

    status_code = 503
    code = "mailbox_error"


class OdooError(TriageRuntimeError):
    """Odoo answered with an error or not at all; `name` is Odoo's exception class."""

    status_code = 502
    code = "odoo_error"

    def __init__(self, message: str, name: str = "") -> None:
        super().__init__(message)
        self.name = name


class OdooUnavailable(OdooError):
    """Odoo could not be reached, timed out, or did not answer JSON-RPC."""

    status_code = 503
    code = "odoo_unavailable"


class OdooAccessDenied(OdooError):
    """Wrong database, login or API key."""

    code = "odoo_access_denied"


class OdooAccessError(OdooError):
    """The Odoo user lacks the rights for this model or method."""

    code = "odoo_access_error"


class OdooValidationError(OdooError):
    """Odoo refused the values (a constraint)."""

    code = "odoo_validation_error"


class OdooUserError(OdooError):
    """Odoo refused the operation (a business rule, an unknown model)."""

    code = "odoo_user_error"


class OdooMissingError(OdooError):
    """The record does not exist (any more)."""

    code = "odoo_missing_error"


class OdooInvalidCall(OdooError):
    """Odoo refused the call itself (ValueError "Invalid field", AttributeError for an unknown
    method): the same call fails again, so it is never retried."""

    code = "odoo_invalid_call"


class LlmError(TriageRuntimeError):
    """The LLM did not give a usable answer; `reason` is a short machine-readable cause."""

    status_code = 503
    code = "llm_error"
    retry_after: float | None = None

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class LlmUnavailable(LlmError):
    """No answer: timeout, connection error, rate limit, server error, breaker open, budget."""

    code = "llm_unavailable"


class LlmBadOutput(LlmError):
    """An answer that does not validate against the task's schema; the raw text is kept."""

    status_code = 502
    code = "llm_bad_output"

    def __init__(self, message: str, raw: str) -> None:
        super().__init__(message, "bad_output")
        self.raw = raw


class ClassificationFailed(TriageRuntimeError):
    """The classifier failed on this mail (the classify API says why instead of a 500)."""

    status_code = 422
    code = "classification_failed"
