"""The odoorpc adapter: JSON-RPC with an API key, timeouts, one retry, our own errors."""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

import odoorpc
from odoorpc.error import RPCError
from tenacity import retry, retry_if_exception, stop_after_attempt, wait_fixed

from models import OdooCapabilities
from triage.config import OdooSettings
from triage.errors import (
    OdooAccessDenied,
    OdooAccessError,
    OdooError,
    OdooInvalidCall,
    OdooMissingError,
    OdooUnavailable,
    OdooUserError,
    OdooValidationError,
)
from triage.odoo.capabilities import probe

REPROBE_SECONDS = 600.0

_T = TypeVar("_T")
log = logging.getLogger(__name__)
_BY_NAME: dict[str, type[OdooError]] = {
    "odoo.exceptions.AccessDenied": OdooAccessDenied,
    "odoo.exceptions.AccessError": OdooAccessError,
    "odoo.exceptions.ValidationError": OdooValidationError,
    "odoo.exceptions.UserError": OdooUserError,
    "odoo.exceptions.MissingError": OdooMissingError,
    # Python errors of the call itself (odoo/http.py serializes them as builtins.<name>)
    "builtins.ValueError": OdooInvalidCall,
    "builtins.AttributeError": OdooInvalidCall,
    "builtins.KeyError": OdooInvalidCall,
    "builtins.TypeError": OdooInvalidCall,
}
# socket.timeout is TimeoutError; a body that is not JSON means a proxy or a wrong URL.
_NETWORK = (urllib.error.URLError, TimeoutError, ConnectionError, json.JSONDecodeError)


def translate(exc: Exception) -> OdooError:
    """Our error for an odoorpc or network failure, chosen by Odoo's exception name."""
    if isinstance(exc, RPCError):
        info = exc.info if isinstance(exc.info, dict) else {}
        name = str(info.get("data", {}).get("name", ""))
        if not info:  # odoorpc raises a bare RPCError for a refused login
            return OdooAccessDenied(str(exc), "odoo.exceptions.AccessDenied")
        return _BY_NAME.get(name, OdooError)(str(exc), name)
    if isinstance(exc, urllib.error.HTTPError):
        exc.close()  # it holds the response and its socket
        return OdooUnavailable(f"HTTP {exc.code} from Odoo")
    return OdooUnavailable(f"Odoo unreachable: {type(exc).__name__}: {exc}")


class OdooClient:
    """A JSON-RPC connection that logs in on first use and again after Odoo was unreachable,
    so a service can start (and keep its mail) while Odoo is down."""

    def __init__(self, settings: OdooSettings) -> None:
        self._settings = settings
        self._connection: odoorpc.ODOO | None = None
        self._capabilities: OdooCapabilities | None = None
        self._probe_again_at = 0.0
        self._probe_lock = threading.Lock()

    @property
    def _odoo(self) -> odoorpc.ODOO:
        if self._connection is None:
            self._connection = self._login()
        return self._connection

    def _login(self) -> odoorpc.ODOO:
        parts = urlsplit(self._settings.url)
        secure = parts.scheme == "https"
        port = parts.port or (443 if secure else 8069)
        odoo = odoorpc.ODOO(
            parts.hostname or "localhost",
            protocol="jsonrpc+ssl" if secure else "jsonrpc",
            port=port,
            timeout=self._settings.timeout_seconds,
        )
        odoo.login(
            self._settings.database, self._settings.login, self._settings.api_key.get_secret_value()
        )
        return odoo

    def capabilities(self) -> OdooCapabilities:
        """What this Odoo offers, probed at the first call and kept; what a missing module
        disables is logged once."""
        with self._probe_lock:
            if self._capabilities is None or time.monotonic() >= self._probe_again_at:
                found = probe(self)
                if found != self._capabilities:
                    for line in (*found.disabled, *found.probe_errors):
                        log.warning("Odoo %s: %s", found.server_version, line)
                self._capabilities = found
                # A refusal (rights, a module being installed) is probed again later, not
                # taken as the answer for the life of the process.
                again = REPROBE_SECONDS if found.probe_errors else float("inf")
                self._probe_again_at = time.monotonic() + again
            return self._capabilities

    def known_capabilities(self) -> OdooCapabilities | None:
        """The probe's result if it ran, without calling Odoo."""
        return self._capabilities

    def search_read(
        self,
        model: str,
        domain: list[Any],
        fields: list[str],
        limit: int | None = None,
        order: str | None = None,
    ) -> list[dict[str, Any]]:
        """Records matching `domain`, with `fields` (many2one as [id, name])."""
        kwargs: dict[str, Any] = {"domain": domain, "fields": fields}
        if limit is not None:
            kwargs["limit"] = limit
        if order is not None:
            kwargs["order"] = order
        return list(self._call(lambda: self._odoo.execute_kw(model, "search_read", [], kwargs)))

    def read(self, model: str, ids: list[int], fields: list[str]) -> list[dict[str, Any]]:
        """Records by id (missing ids are simply absent)."""
        if not ids:
            return []
        return list(self._call(lambda: self._odoo.execute_kw(model, "read", [ids, fields], {})))

    def call(
        self, model: str, method: str, args: list[Any], kwargs: dict[str, Any], once: bool = False
    ) -> Any:
        """Any model method; `once` skips the network retry (a write may have gone through)."""
        return self._call(lambda: self._odoo.execute_kw(model, method, args, kwargs), once)

    def server_version(self) -> str:
        """Odoo's server_version as it answered at login, e.g. "17.0" or "18.0+e"."""
        return str(self._call(lambda: self._odoo.version))

    def _call(self, action: Callable[[], _T], once: bool = False) -> _T:
        try:
            return action() if once else _with_one_retry(action)
        except (RPCError, urllib.error.HTTPError, *_NETWORK) as exc:
            error = translate(exc)
            if isinstance(error, OdooUnavailable | OdooAccessDenied):
                self._connection = None  # log in again next time
            raise error from exc


def _transient(exc: BaseException) -> bool:
    # An HTTP status or an Odoo error is an answer; only a failed connection is worth a retry.
    return isinstance(exc, _NETWORK) and not isinstance(exc, urllib.error.HTTPError)


@retry(
    retry=retry_if_exception(_transient),
    stop=stop_after_attempt(2),
    wait=wait_fixed(0.5),
    reraise=True,
)
def _with_one_retry(action: Callable[[], _T]) -> _T:
    return action()
