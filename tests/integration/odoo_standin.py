"""A real JSON-RPC server standing in for Odoo 17/18, following /work/shared/odoo/contract.md.

`OdooStandin` serves `/web/webclient/version_info` and `/jsonrpc` (services common, object, db)
on a free loopback port from a background thread, over the distributor data of
`odoo_data.seed()`. Tests drive it with the real odoorpc client, can script faults and read the
log of the calls it received:

    with OdooStandin() as odoo:
        client = odoo.connect()                        # odoorpc.ODOO, logged in as the bot
        client.env["sale.order"].search([("client_order_ref", "=", "4500012345")])
        odoo.inject("http_error")                      # the next call gets an HTTP 500
        assert not odoo.calls_to(method="write")

Fault kinds: http_error (status, default 500), hang (no answer for `seconds`, then the
connection is dropped), slow (answers after `seconds`), not_json (HTTP 200, HTML body),
disconnect (connection closed unanswered) and odoo_error (an Odoo exception `name`, `message`).
"""

from __future__ import annotations

import copy
import datetime as dt
import html
import json
import sys
import threading
import traceback
from collections.abc import Callable, Collection
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple

from tests.integration.odoo_data import (
    BOT,
    DB,
    MODELS,
    NOW,
    PASSWORDS,
    TODAY,
    UID,
    Dataset,
    Field,
    seed,
)
from tests.integration.odoo_domain import PRODUCTS, X2MANY, Store, is_null
from tests.integration.odoo_modules import installed_modules, module_rows, without_modules
from tests.integration.odoo_profiles import profile_for

FAULT_KINDS = ("http_error", "hang", "slow", "answer_late", "not_json", "disconnect", "odoo_error")
ROUTES = ("/jsonrpc", "/web/webclient/version_info")
_META = ("id", "create_uid", "create_date", "write_uid", "write_date")
_THREADS = tuple(model for model, spec in MODELS.items() if spec.mail_thread)
_VERBS = {"read": "access", "write": "modify", "create": "create", "unlink": "delete"}
_NOT_FOUND = (
    "404 Not Found: The requested URL was not found on the server. If you entered the URL "
    "manually please check your spelling and try again."
)
_DENIED = (
    "You are not allowed to {verb} '{desc}' ({model}) records.\n\nNo group currently allows "
    "this operation.\n\nContact your administrator to request access if necessary."
)
_NOT_NULL = (
    "The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n"
    "- Delete: another model requires the record being deleted. If possible, archive it "
    "instead.\n\nModel: {desc} ({model})\nField: {string} ({name})\n"
)
_UNDELETABLE = {
    "sale.order": "You can not delete a sent quotation or a confirmed sales order. You must "
    "first cancel it.",
    "purchase.order": "In order to delete a purchase order, you must cancel it first.",
    "account.move": "You cannot delete an entry which has been posted once.",
}
_FOREIGN_KEY = (
    "The operation cannot be completed: another model requires the record being deleted. If "
    "possible, archive it instead.\n\nModel: {desc} ({model})\nConstraint: {constraint}\n"
)


class Call(NamedTuple):
    """One RPC as received; object calls carry model, method, positional args and kwargs."""

    service: str
    model: str | None
    method: str
    args: list[Any]
    kwargs: dict[str, Any]


@dataclass
class Fault:
    """A scripted failure of the next `remaining` calls matching service/model/method."""

    kind: str
    remaining: int
    service: str | None = None
    model: str | None = None
    method: str | None = None
    seconds: float = 30.0
    status: int = 500
    name: str = "odoo.exceptions.UserError"
    message: str = "Injected failure"

    def matches(self, call: Call) -> bool:
        """Whether this fault applies to `call`."""
        wanted = (self.service, self.model, self.method)
        return all(w is None or w == got for w, got in zip(wanted, call[:3], strict=True))


class OdooError(Exception):
    """An exception Odoo reports by its dotted class name, e.g. odoo.exceptions.UserError."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.name = kind if "." in kind else f"odoo.exceptions.{kind}"
        self.message = message


class OdooStandin:
    """An Odoo 17/18 JSON-RPC server on 127.0.0.1 over in-memory data: start(), use, stop()."""

    def __init__(
        self,
        version: str = "17.0",
        db: str = DB,
        data: Callable[[], Dataset] = seed,
        modules: str | Collection[str] = "full",
    ) -> None:
        self.version, self.db, self._data = version, db, data
        # modules: "full", "minimal" (no sale_stock, purchase_stock, stock_delivery) or a list
        self.modules = installed_modules(modules)
        # what differs between 17.0 and 18.0, less the fields of modules not installed
        self.profile = without_modules(profile_for(version), self.modules)
        self.host, self.port = "127.0.0.1", 0
        self.errors: list[BaseException] = []  # raised while answering (for debugging)
        self._lock = threading.RLock()
        self._release = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.reset()

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> OdooStandin:
        """Listen on a free loopback port and serve from a background thread."""
        httpd = ThreadingHTTPServer((self.host, 0), _Handler)
        httpd.standin = self  # type: ignore[attr-defined]
        httpd.handle_error = self._handle_error  # type: ignore[method-assign]
        self._httpd, self.port = httpd, httpd.server_address[1]
        self._thread = threading.Thread(
            target=httpd.serve_forever, args=(0.05,), name=f"odoo-standin-{self.port}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Release hanging requests, stop serving, join the threads and close the sockets."""
        self._release.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()  # joins the request threads
        if self._thread is not None:
            self._thread.join()
        self._httpd = self._thread = None

    def __enter__(self) -> OdooStandin:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _handle_error(self, request: Any, address: Any) -> None:
        self.errors.append(sys.exc_info()[1] or RuntimeError("request failed"))

    @property
    def url(self) -> str:
        """The server's base URL, e.g. http://127.0.0.1:41234."""
        return f"http://{self.host}:{self.port}"

    def reset(self) -> None:
        """Fresh seed data and logins; forget calls and faults; release hanging requests."""
        with self._lock:
            self._release.set()
            self._release = threading.Event()
            self.dataset = self._data()
            self.dataset.tables["ir.module.module"] = module_rows(self.modules)
            self.store = Store(self.dataset.tables, self.profile)
            self._calls: list[Call] = []
            self._faults: list[Fault] = []

    # -- test helpers ------------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        """Every call received since the last reset (a copy), oldest first."""
        with self._lock:
            return list(self._calls)

    def calls_to(
        self, model: str | None = None, method: str | None = None, service: str | None = None
    ) -> list[Call]:
        """The calls received for `model` and/or `method` (and/or `service`)."""
        wanted = Fault("", 0, service, model, method)
        return [call for call in self.calls if wanted.matches(call)]

    def inject(self, kind: str, count: int = 1, **options: Any) -> Fault:
        """Make the next `count` calls fail; options: service, model, method (which calls),
        seconds (hang, slow, answer_late), status (http_error), name and message (odoo_error)."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {FAULT_KINDS}")
        fault = Fault(kind, count, **options)
        fault.name = OdooError(fault.name, "").name
        with self._lock:
            self._faults.append(fault)
        return fault

    def uid(self, login: str) -> int:
        """The user id of `login`."""
        return next(uid for uid, user in self.dataset.users.items() if user["login"] == login)

    def add_api_key(self, login: str, key: str) -> None:
        """Let `login` authenticate with `key` in place of the password."""
        self.dataset.users[self.uid(login)]["api_keys"].append(key)

    def deny(self, login: str, operation: str, model: str = "*") -> None:
        """Refuse `operation` (read, write, create, unlink) on `model` ("*": all) to `login`."""
        self.dataset.users[self.uid(login)]["denied"].add((operation, model))

    def record(self, model: str, rid: int) -> dict[str, Any] | None:
        """A copy of a record's stored row (None if it does not exist), for assertions."""
        with self._lock:
            row = self.dataset.tables[model].get(rid)
            return dict(row) if row is not None else None

    def search(self, model: str, domain: list[Any]) -> list[int]:
        """Server-side search (no access rules, archived records included), for assertions."""
        with self._lock:
            return self.store.search(model, domain, active_test=False)

    def connect(self, login: str = BOT, password: str | None = None, timeout: float = 10) -> Any:
        """A logged-in odoorpc.ODOO client (the password from odoo_data.PASSWORDS by default)."""
        import odoorpc

        client = odoorpc.ODOO(self.host, protocol="jsonrpc", port=self.port, timeout=timeout)
        client.login(self.db, login, PASSWORDS[login] if password is None else password)
        return client

    # -- requests ----------------------------------------------------------------------------

    def handle(self, request: _Handler) -> None:
        """Answer one HTTP request (runs in the server's request threads)."""
        path = request.path.split("?", 1)[0]
        if path not in ROUTES:
            return request.reply(404, _envelope(None, error=_not_found()))
        if request.command != "POST":
            return request.reply(405, b"Method Not Allowed", "text/plain")
        try:
            payload = json.loads(request.body or b"{}")
            params, rid = payload.get("params") or {}, payload.get("id")
        except (ValueError, AttributeError):
            return request.reply(400, b"<p>Invalid JSON data</p>", "text/html")
        call = _call_of(path, params)
        with self._lock:
            self._calls.append(call)
            fault = next((f for f in self._faults if f.remaining and f.matches(call)), None)
            if fault:
                fault.remaining -= 1
            release = self._release
        if fault and fault.kind == "answer_late":  # the call takes effect, the answer is late
            body = self._answer(path, params, rid)
            release.wait(fault.seconds)
            return request.reply(200, body)
        if fault and self._fail(fault, request, rid, release):
            return None
        request.reply(200, self._answer(path, params, rid))

    def _fail(self, fault: Fault, request: _Handler, rid: Any, release: threading.Event) -> bool:
        """Carry out a fault; False when the call is then answered normally (slow)."""
        if fault.kind in ("hang", "slow"):
            release.wait(fault.seconds)  # reset() and stop() cut the wait short
            return fault.kind == "hang"
        if fault.kind == "http_error":
            page = f"<html><title>{fault.status}</title><h1>{html.escape(fault.message)}</h1>"
            request.reply(fault.status, page.encode(), "text/html")
        elif fault.kind == "not_json":
            request.reply(200, b"<html><body>502 Bad Gateway</body></html>", "text/html")
        elif fault.kind == "odoo_error":
            error = _exception_data(OdooError(fault.name, fault.message))
            request.reply(200, _envelope(rid, error=error))
        return True  # disconnect: nothing is written, the connection is closed

    def _answer(self, path: str, params: dict[str, Any], rid: Any) -> bytes:
        """The JSON-RPC response body: a result, or an error as Odoo serializes it."""
        with self._lock:
            try:
                if path == "/web/webclient/version_info":
                    return _envelope(rid, result=self._version())
                return _envelope(rid, result=self._dispatch(params))
            except Exception as exc:  # every error goes back to the client
                return _envelope(rid, error=_exception_data(exc))

    def _dispatch(self, params: dict[str, Any]) -> Any:
        service, method = params.get("service"), params.get("method")
        args = list(params.get("args") or [])
        if service == "common" and method in ("login", "authenticate"):
            self._check_db(args[0])
            return self._login(args[1], args[2])
        if service == "common" and method == "version":
            return self._version()
        if service == "db" and method == "list":
            return [self.db]
        if service == "object" and method in ("execute", "execute_kw"):
            return self._object(method, args)
        raise KeyError(method if service in ("common", "db", "object") else service)

    def _object(self, method: str, args: list[Any]) -> Any:
        db, uid, password, model, name, *rest = args
        self._check_db(db)
        if not self._authorized(uid, password):
            raise OdooError("AccessDenied", "Access Denied")
        if method == "execute":
            positional, kwargs = rest, {}
        else:
            positional, kwargs = list(rest[0] if rest else []), dict(rest[1] if rest[1:] else {})
        saved = copy.deepcopy((self.dataset.tables, self.dataset.sequences))
        try:
            orm = Orm(self.store, self.dataset, uid, self.version)
            return orm.call(model, name, positional, kwargs)
        except Exception:  # roll back, as Odoo does with the call's transaction
            for current, before in zip(
                (self.dataset.tables, self.dataset.sequences), saved, strict=True
            ):
                current.clear()
                current.update(before)
            raise

    def _check_db(self, db: Any) -> None:
        if db != self.db:
            message = f'connection to server failed: FATAL:  database "{db}" does not exist'
            raise OdooError("psycopg2.OperationalError", message)

    def _login(self, login: Any, password: Any) -> int | bool:
        users = self.dataset.users.items()
        uid = next((uid for uid, user in users if user["login"] == login), None)
        return uid if uid is not None and self._authorized(uid, password) else False

    def _authorized(self, uid: Any, password: Any) -> bool:
        user = self.dataset.users.get(uid) if isinstance(uid, int) else None
        if not user or not self.store.row("res.users", uid).get("active"):
            return False
        return bool(password) and password in (user["password"], *user["api_keys"])

    def _version(self) -> dict[str, Any]:
        digits = "".join(c for c in self.version if c.isdigit() or c == ".")
        major, minor = ([int(p) for p in digits.split(".") if p] + [0, 0])[:2]
        return {
            "server_version": self.version,
            "server_version_info": [major, minor, 0, "final", 0, ""],
            "server_serie": f"{major}.{minor}",
            "protocol_version": 1,
        }


class _Handler(BaseHTTPRequestHandler):
    """Reads a request and lets the stand-in answer it (HTTP/1.0: one request a connection)."""

    server: ThreadingHTTPServer
    body: bytes | None = None

    def do_POST(self) -> None:
        self.body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.standin.handle(self)  # type: ignore[attr-defined]

    def do_GET(self) -> None:
        self.server.standin.handle(self)  # type: ignore[attr-defined]

    def reply(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        """Send a complete response."""
        self.send_response(status)
        self.send_header("Content-Type", f"{content_type}; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output quiet."""


def _call_of(path: str, params: dict[str, Any]) -> Call:
    """The call-log entry of a request."""
    if path != "/jsonrpc":
        return Call("web", None, path.rsplit("/", 1)[-1], [], {})
    service, method = str(params.get("service")), str(params.get("method"))
    args = list(params.get("args") or [])
    if service != "object" or len(args) < 5:
        return Call(service, None, method, args, {})
    if method == "execute":
        return Call(service, args[3], args[4], args[5:], {})
    kwargs = args[6] if len(args) > 6 and isinstance(args[6], dict) else {}
    return Call(service, args[3], args[4], list(args[5]) if len(args) > 5 else [], kwargs)


def _not_found() -> dict[str, Any]:
    data = {"name": "werkzeug.exceptions.NotFound", "debug": "", "message": _NOT_FOUND}
    return {"code": 404, "message": "404: Not Found", "data": {**data, "arguments": []}}


def _exception_data(exc: BaseException) -> dict[str, Any]:
    """Odoo's serialize_exception inside a JSON-RPC error object (code 200)."""
    if isinstance(exc, OdooError):
        name, arguments = exc.name, [exc.message]
    else:
        name, arguments = f"builtins.{type(exc).__name__}", list(exc.args)
    data = {"name": name, "debug": "".join(traceback.format_exception(exc))}
    data |= {"message": str(exc), "arguments": arguments, "context": {}}
    return {"code": 200, "message": "Odoo Server Error", "data": data}


def _envelope(rid: Any, *, result: Any = None, error: dict[str, Any] | None = None) -> bytes:
    body = {"jsonrpc": "2.0", "id": rid, **({"error": error} if error else {"result": result})}
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


# -- the model methods ---------------------------------------------------------------------------


def rpc(operation: str, records: bool = False, models: tuple[str, ...] = ()) -> Callable:
    """Mark an Orm method as public: the access it needs, whether args[0] holds record ids,
    and the models that have it (all when empty)."""

    def mark(method: Callable) -> Callable:
        method.rpc = (operation, records, models)  # type: ignore[attr-defined]
        return method

    return mark


class Orm:
    """Odoo's model methods for one authenticated call: access checks, validation, the ORM."""

    def __init__(self, store: Store, dataset: Dataset, uid: int, version: str) -> None:
        self.store, self.dataset, self.uid, self.version = store, dataset, uid, version
        self.profile = store.profile
        self.tables = dataset.tables
        self.model, self.context = "", {}

    def call(self, model: str, method: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
        """Run `model.method(*args, **kwargs)` as odoo.api.call_kw does."""
        if model not in MODELS:
            raise OdooError("UserError", f"Object {model} doesn't exist")
        # Wording per version: 18.0 odoo/service/model.py (contract section 8); 17.0 as before.
        v18 = self.version.startswith("18")
        if method.startswith("_"):
            name = f"'{model}.{method}'" if v18 else method
            message = f"Private methods (such as {name}) cannot be called remotely."
            raise OdooError("AccessError", message)
        function = getattr(self, method, None)
        operation, records, models = getattr(function, "rpc", ("", False, ()))
        if not operation or (models and model not in models) or self._removed(model, method):
            if v18:
                raise AttributeError(f"The method '{model}.{method}' does not exist")
            raise AttributeError(f"type object {model!r} has no attribute {method!r}")
        self.model, self.context = model, dict(kwargs.pop("context", None) or {})
        self._check_access(operation)
        if records:  # args[0] are the ids; IndexError when missing, as in call_kw
            return function(_ids(args[0]), *args[1:], **kwargs)  # type: ignore[misc]
        return function(*args, **kwargs)  # type: ignore[misc]

    def _removed(self, model: str, method: str) -> bool:
        return not self.profile.has_method(model, method)  # e.g. name_get in 18

    def _check_access(self, operation: str) -> None:
        denied = self.dataset.users[self.uid]["denied"]
        if {(operation, "*"), (operation, self.model)} & denied:
            desc = MODELS[self.model].description
            message = _DENIED.format(verb=_VERBS[operation], desc=desc, model=self.model)
            raise OdooError("AccessError", message)

    @property
    def active_test(self) -> bool:
        """The context's active_test (True unless the caller turned it off)."""
        return self.context.get("active_test", True) is not False

    def _existing(self, ids: list[int], model: str = "") -> list[int]:
        """`ids`, or MissingError if any of them is not there (any more)."""
        model = model or self.model
        missing = tuple(i for i in ids if not self.store.exists(model, i))
        if missing:
            where = f"(Record: {model}{missing!r}, User: {self.uid})"
            raise OdooError("MissingError", f"Record does not exist or has been deleted.\n{where}")
        return ids

    def _one(self, ids: list[int]) -> int:
        """The id of a single existing record (ensure_one)."""
        if len(ids) != 1:
            raise ValueError(f"Expected singleton: {self.model}{tuple(ids)!r}")
        return self._existing(ids)[0]

    def _default(self, value: Any) -> Any:
        if value in (NOW, TODAY, UID):
            return {NOW: _now(), TODAY: _now()[:10], UID: self.uid}[value]
        return value

    # -- reading -----------------------------------------------------------------------------

    @rpc("read")
    def fields_get(
        self, allfields: list[str] | None = None, attributes: list[str] | None = None
    ) -> dict[str, Any]:
        """Describe the fields: type, string, relation, selection, required..."""
        described = {}
        for name, field in self.profile.fields(self.model).items():
            if not allfields or name in allfields:
                desc = _describe(name, field)
                described[name] = {k: v for k, v in desc.items() if k in (attributes or desc)}
        return described

    @rpc("read")
    def default_get(self, fields_list: list[str]) -> dict[str, Any]:
        """Default values of the given fields (context `default_<field>` keys win)."""
        fields = MODELS[self.model].fields
        defaults = {n: fields[n].default for n in fields_list if n in fields}
        values = {n: self._default(v) for n, v in defaults.items() if v is not None}
        context = {k[8:]: v for k, v in self.context.items() if k.startswith("default_")}
        return values | {k: v for k, v in context.items() if k in fields_list}

    @rpc("read")
    def search(
        self, domain: list[Any], offset: int = 0, limit: int | None = None, order: str | None = None
    ) -> list[int]:
        """Ids matching `domain`, ordered, with offset and limit."""
        if not isinstance(domain, list):
            raise ValueError(f"Invalid domain {domain!r}")
        ids = self.store.search(self.model, domain, self.active_test, order)
        return ids[offset or 0 :][: limit or None]

    @rpc("read")
    def search_count(self, domain: list[Any], limit: int | None = None) -> int:
        """How many records match `domain`."""
        return len(self.search(domain, limit=limit))

    @rpc("read")
    def search_read(
        self,
        domain: list[Any] | None = None,
        fields: list[str] | None = None,
        offset: int = 0,
        limit: int | None = None,
        order: str | None = None,
        load: str = "_classic_read",
    ) -> list[dict[str, Any]]:
        """search() then read()."""
        return self.read(self.search(domain or [], offset, limit, order), fields, load)

    @rpc("read", records=True)
    def read(
        self, ids: list[int], fields: list[str] | None = None, load: str = "_classic_read"
    ) -> list[dict[str, Any]]:
        """Rows of the existing records among `ids` (missing ones are dropped)."""
        names = [name for name in (fields or self.profile.fields(self.model)) if name != "id"]
        for name in names:
            self.store.field(self.model, name)
        existing = [rid for rid in ids if self.store.exists(self.model, rid)]
        return [{"id": rid, **{n: self._read(rid, n, load) for n in names}} for rid in existing]

    def _read(self, rid: int, name: str, load: str) -> Any:
        field = MODELS[self.model].fields[name]
        value = self.store.get(self.model, rid, name)
        if field.type == "many2one":
            if not self.store.exists(field.relation or "", value):
                return False
            if load != "_classic_read":
                return value
            return [value, self.store.display_name(field.relation or "", value)]
        if field.type in X2MANY:
            return self._visible(field.relation or "", value)
        if field.type in ("integer", "many2one_reference"):
            return value or 0
        if field.type in ("float", "monetary"):
            return float(value or 0.0)
        return bool(value) if field.type == "boolean" else value

    def _visible(self, model: str, ids: list[int]) -> list[int]:
        """x2many ids as read returns them: existing, and active unless active_test is off."""
        rows, active = self.tables[model], "active" in MODELS[model].fields and self.active_test
        return [i for i in ids if i in rows and (not active or rows[i].get("active"))]

    @rpc("read", records=True)
    def name_get(self, ids: list[int]) -> list[list[Any]]:
        """[[id, display_name], ...] (Odoo 17 and older; gone in 18)."""
        existing = [i for i in ids if self.store.exists(self.model, i)]
        return [[i, self.store.display_name(self.model, i)] for i in existing]

    @rpc("read")
    def name_search(
        self,
        name: str = "",
        args: list[Any] | None = None,
        operator: str = "ilike",
        limit: int = 100,
    ) -> list[list[Any]]:
        """[[id, display_name], ...] of the records whose name matches."""
        found = set(self.store.name_ids(self.model, name, operator, self.active_test))
        ids = [i for i in self.search(args or []) if i in found][: limit or None]
        return [[i, self.store.display_name(self.model, i)] for i in ids]

    @rpc("read", models=("res.users",))
    def context_get(self) -> dict[str, Any]:
        """The user's context: lang, tz, uid."""
        user = self.tables["res.users"][self.uid]
        return {"lang": user.get("lang") or "en_US", "tz": user.get("tz") or False, "uid": self.uid}

    @rpc("read", models=("ir.model.data",))
    def check_object_reference(
        self, module: str, xml_id: str, raise_on_access_error: bool = False
    ) -> list[Any]:
        """[model, res_id] of the external id `module.xml_id`."""
        for row in self.tables["ir.model.data"].values():
            if (row["module"], row["name"]) == (module, xml_id):
                return [row["model"], row["res_id"]]
        raise ValueError(f"External ID not found in the system: {module}.{xml_id}")

    def _xmlid(self, xmlid: str) -> int:
        return int(self.check_object_reference(*xmlid.split(".", 1))[1])

    # -- writing -----------------------------------------------------------------------------

    @rpc("create")
    def create(self, vals_list: dict[str, Any] | list[dict[str, Any]]) -> int | list[int]:
        """Create a record (dict: returns its id) or several (list of dicts: their ids)."""
        if isinstance(vals_list, dict):
            return self._create(self.model, vals_list)
        return [self._create(self.model, vals) for vals in vals_list]

    def _create(self, model: str, vals: dict[str, Any]) -> int:
        self._check_keys(model, vals)
        fields = self.profile.fields(model)
        context = {k[8:]: v for k, v in self.context.items() if k.startswith("default_")}
        defaults = {n: self._default(f.default) for n, f in fields.items() if f.default is not None}
        vals = defaults | {k: v for k, v in context.items() if k in fields} | vals
        row = {"create_uid": self.uid, "create_date": _now(), **self._convert(model, vals)}
        self._fill_in(model, row)
        self._check_required(model, row)
        rid = max(self.tables[model], default=0) + 1
        self.tables[model][rid] = row
        self._touch(model, rid, vals)
        return rid

    @rpc("write", records=True)
    def write(self, ids: list[int], vals: dict[str, Any]) -> bool:
        """Update the records; MissingError if one of them was deleted."""
        if self.model == "purchase.order.line" and isinstance(vals, dict):
            self._move_deadlines(ids, vals)
        return self._write(self.model, ids, vals)

    # Read in 17.0 and 18.0 addons/purchase_stock/models/purchase_order_line.py (write,
    # _update_move_date_deadline): any order state, 'done' included, is written without a check.
    def _move_deadlines(self, ids: list[int], vals: dict[str, Any]) -> None:
        """A new date_planned becomes the deadline of the line's open moves (else of the
        open moves it feeds)."""
        if not vals.get("date_planned"):
            return
        field = MODELS["purchase.order.line"].fields["date_planned"]
        deadline = _stored("purchase.order.line", "date_planned", field, vals["date_planned"])
        for rid in self._existing(ids):
            for link in ("move_ids", "move_dest_ids"):
                moves = self.store.related("purchase.order.line", rid, link)
                open_moves = [
                    m
                    for m in moves
                    if self.store.get("stock.move", m, "state") not in ("done", "cancel")
                ]
                if open_moves:
                    self._write("stock.move", open_moves, {"date_deadline": deadline})
                    break

    def _write(self, model: str, ids: list[int], vals: dict[str, Any]) -> bool:
        self._existing(ids, model)
        self._check_keys(model, vals)
        converted = self._convert(model, vals)
        for rid in ids:
            self.tables[model][rid].update(converted)
            self._check_required(model, self.tables[model][rid])
            self._touch(model, rid, vals)
        if model == "res.partner" and "parent_id" in vals:
            self._check_recursion(ids)
        return True

    def _check_keys(self, model: str, vals: Any) -> None:
        if not isinstance(vals, dict):
            raise ValueError(f"Invalid values {vals!r} for model {model!r}")
        for name in vals:
            self.store.field(model, name)

    def _convert(self, model: str, vals: dict[str, Any]) -> dict[str, Any]:
        """Stored values of the plain (not x2many, not computed) fields in `vals`."""
        stored = {}
        for name, value in vals.items():
            field = self.store.field(model, name)  # this version's selection
            if (model, name) == ("res.partner", "company_type"):
                stored["is_company"] = value == "company"  # the inverse of the compute
            if model in PRODUCTS and name in ("detailed_type", "is_storable"):
                stored["type"] = _product_type(model, name, field, value)
            if not (field.computed or name in _META or field.type in X2MANY):
                stored[name] = _stored(model, name, field, value)
            if field.type == "many2one" and stored.get(name):
                if not self.store.exists(field.relation or "", stored[name]):
                    raise _foreign_key(model, name)
        return stored

    def _check_required(self, model: str, row: dict[str, Any]) -> None:
        for name, field in MODELS[model].fields.items():
            if field.required and not field.computed and is_null(row.get(name)):
                spec = {"desc": MODELS[model].description, "string": field.string}
                raise OdooError("ValidationError", _NOT_NULL.format(model=model, name=name, **spec))

    def _touch(self, model: str, rid: int, vals: dict[str, Any]) -> None:
        """Stamp the write metadata, then apply the x2many values of `vals`."""
        self.tables[model][rid].update(write_uid=self.uid, write_date=_now())
        for name, value in vals.items():
            field = MODELS[model].fields[name]
            if field.type in X2MANY and value is not None:
                old = self.store.related(model, rid, name)
                self._link(model, rid, name, old, self._commands(field, rid, old, value))

    def _commands(self, field: Field, rid: int, ids: list[int], commands: Any) -> list[int]:
        """The id list after Odoo's x2many commands (0 create ... 6 set, or bare ids)."""
        relation, ids = field.relation or "", list(ids)
        inverse = {field.inverse: rid} if field.type == "one2many" else {}
        for command in commands if isinstance(commands, list | tuple) else [commands]:
            if not isinstance(command, list | tuple):
                command = (4, command)  # a bare id links it
            code, ref, vals = (list(command) + [0, 0])[:3]
            if code == 0:
                ids.append(self._create(relation, {**(vals or {}), **inverse}))
            elif code == 1:
                self._write(relation, [ref], vals or {})
            elif code in (2, 3):
                ids = [i for i in ids if i != ref]
                if code == 2:
                    self._unlink(relation, [ref])
            elif code in (4, 5, 6):
                ids = [*ids, ref] if code == 4 else [] if code == 5 else list(vals or [])
            else:
                raise ValueError(f"Invalid x2many command {command!r}")
        return list(dict.fromkeys(i for i in ids if self.store.exists(relation, i)))

    def _link(self, model: str, rid: int, name: str, old: list[int], new: list[int]) -> None:
        """Store a new x2many value: on the record, or on the comodel's side of the relation."""
        field = MODELS[model].fields[name]
        relation, inverse = field.relation or "", field.inverse or ""
        if field.type == "many2many" and not inverse:
            self.tables[model][rid][name] = new
            return
        rows = self.tables[relation]
        for other in set(old) - set(new):
            if field.type == "many2many":
                rows[other][inverse] = [i for i in rows[other].get(inverse) or [] if i != rid]
            elif MODELS[relation].fields[inverse].ondelete == "cascade":
                self._unlink(relation, [other])
            else:
                rows[other][inverse] = False
        for other in set(new) - set(old):
            many = field.type == "many2many"
            rows[other][inverse] = [*(rows[other].get(inverse) or []), rid] if many else rid

    @rpc("unlink", records=True)
    def unlink(self, ids: list[int]) -> bool:
        """Delete the records (cascading); MissingError if one was deleted already."""
        states = {self.tables[self.model][i].get("state") for i in self._existing(ids)}
        message = _UNDELETABLE.get(self.model, "")
        if message and states & {"sent", "sale", "to approve", "purchase", "done", "posted"}:
            raise OdooError("UserError", message)
        self._unlink(self.model, ids)
        return True

    def _unlink(self, model: str, ids: list[int]) -> None:
        ids = [i for i in ids if i in self.tables[model]]
        for other, spec in MODELS.items():
            for name, field in spec.fields.items():
                if field.relation == model and field.type == "many2one" and not field.computed:
                    self._detach(other, name, field, ids)
        for rid in ids:
            del self.tables[model][rid]
        if model in _THREADS:  # mail.thread deletes the records' activities and messages
            for child, link in (("mail.activity", "res_model"), ("mail.message", "model")):
                rows = self.tables[child]
                doomed = [i for i in rows if rows[i].get("res_id") in ids]
                self._unlink(child, [i for i in doomed if self.store.get(child, i, link) == model])

    def _detach(self, model: str, name: str, field: Field, ids: list[int]) -> None:
        """Apply the ondelete policy of `model.name` to its rows pointing at deleted `ids`."""
        rows = [i for i, row in self.tables[model].items() if row.get(name) in ids]
        if rows and field.ondelete == "restrict":
            raise _foreign_key(model, name)
        if field.ondelete == "cascade":
            self._unlink(model, rows)
        for rid in (i for i in rows if i in self.tables[model]):
            self.tables[model][rid][name] = False

    def _check_recursion(self, ids: list[int]) -> None:
        for rid in ids:
            seen: set[int] = set()
            while rid:
                if rid in seen:
                    message = "You cannot create recursive Partner hierarchies."
                    raise OdooError("ValidationError", message)
                seen.add(rid)
                rid = self.tables["res.partner"][rid].get("parent_id")

    def _fill_in(self, model: str, row: dict[str, Any]) -> None:
        """What Odoo computes on create: sequence numbers, line descriptions, activity names."""
        sequences = self.dataset.sequences
        if model in ("sale.order", "purchase.order") and row.get("name") in (False, "New"):
            sequences[model] += 1
            row["name"] = f"{model[0].upper()}{sequences[model] - 1:05d}"
        kind = self.store.row("stock.picking.type", row.get("picking_type_id"))
        if model == "stock.picking" and row.get("name") in (False, "/") and kind:
            prefix = f"WH/{kind['sequence_code']}/"
            sequences[prefix] = sequences.get(prefix, 1) + 1
            row["name"] = f"{prefix}{sequences[prefix] - 1:05d}"
        if "name" in MODELS[model].fields and not row.get("name") and row.get("product_id"):
            row["name"] = self.store.display_name("product.product", row["product_id"])
        if model == "mail.activity":
            target = self.store.row("ir.model", row.get("res_model_id")).get("model")
            if target and row.get("res_id"):
                self._existing([row["res_id"]], target)
                row.setdefault("res_name", self.store.display_name(target, row["res_id"]))
            row["activity_type_id"] = row.get("activity_type_id") or self._xmlid(
                "mail.mail_activity_data_todo"
            )

    # -- mail and business actions -------------------------------------------------------------

    @rpc("write", records=True, models=_THREADS)
    def message_post(
        self,
        ids: list[int],
        *,
        body: str = "",
        message_type: str = "notification",
        subtype_xmlid: str | None = None,
        body_is_html: bool = False,
        partner_ids: list[int] | None = None,
        **values: Any,
    ) -> int:
        """Post a message on one record (keyword arguments only); returns the message id."""
        rid = self._one(ids)
        author = self.tables["res.users"][self.uid]["partner_id"]
        if not values.get("subtype_id"):
            values["subtype_id"] = self._xmlid(subtype_xmlid or "mail.mt_note")
        message = {
            "model": self.model,
            "res_id": rid,
            "record_name": self.store.display_name(self.model, rid),
            "body": body if body_is_html else html.escape(body or ""),
            "message_type": message_type,
            "author_id": values.pop("author_id", None) or author,
            "partner_ids": [(6, 0, partner_ids or [])],
        }
        return self._create("mail.message", message | values)

    @rpc("write", records=True, models=("sale.order",))
    def action_confirm(self, ids: list[int]) -> bool:
        """Quotations -> sales orders; UserError for an order in any other state."""
        rows = self.tables["sale.order"]
        wrong = sorted({rows[i]["state"] for i in self._existing(ids)} - {"draft", "sent"})
        if wrong:
            labels = dict(MODELS["sale.order"].fields["state"].selection or ())
            states = ", ".join(labels[state] for state in wrong)
            message = f"It is not allowed to confirm an order in the following states: {states}"
            raise OdooError("UserError", message)
        return self._write("sale.order", ids, {"state": "sale", "date_order": _now()})

    # Read in Odoo 18.0 addons/sale/models/sale_order.py (action_cancel, _show_cancel_wizard,
    # _action_cancel); contract.md section 8 has 17.0 the same, with the same UserError text.
    @rpc("write", records=True, models=("sale.order",))
    def action_cancel(self, ids: list[int]) -> bool | dict[str, Any]:
        """Cancel orders; UserError for a locked one. A non-draft order gets the
        sale.order.cancel wizard's action (and stays as it is) unless the context has
        disable_cancel_warning."""
        rows = self.tables["sale.order"]
        if any(rows[i].get("locked") for i in self._existing(ids)):
            message = "You cannot cancel a locked order. Please unlock it first."
            raise OdooError("UserError", message)
        warn = not self.context.get("disable_cancel_warning")
        warn = warn or bool(self.dataset.company.get("cancel_wizard_always"))
        if warn and any(rows[i]["state"] != "draft" for i in ids):
            return _cancel_wizard(self._one(ids), rows[ids[0]]["state"])
        pickings = self.tables["stock.picking"]  # sale_stock: open transfers are cancelled
        open_ones = [
            p
            for p, row in pickings.items()
            if row.get("sale_id") in ids and row.get("state") not in ("done", "cancel")
        ]
        self._write("stock.picking", open_ones, {"state": "cancel"})
        return self._write("sale.order", ids, {"state": "cancel"})

    # po_lock read in Odoo 18.0 addons/purchase/models/purchase_order.py (button_approve).
    @rpc("write", records=True, models=("purchase.order",))
    def button_confirm(self, ids: list[int]) -> bool:
        """RFQs (draft, sent) -> purchase orders; orders in other states are left alone."""
        rows = self.tables["purchase.order"]
        todo = [i for i in self._existing(ids) if rows[i]["state"] in ("draft", "sent")]
        self.button_approve(todo)
        return True

    @rpc("write", records=True, models=("purchase.order",))
    def button_approve(self, ids: list[int], force: bool = False) -> dict[str, Any]:
        """Approve: `purchase`, or `done` (locked) when the company's po_lock is `lock`."""
        locked = self.dataset.company.get("po_lock") == "lock"
        state = "done" if locked else "purchase"
        self._write("purchase.order", self._existing(ids), {"state": state, "date_approve": _now()})
        return {}

    # Read in Odoo 18.0 addons/account/models/account_move.py (action_toggle_block_payment,
    # PAYMENT_STATE_SELECTION); 17.0 has neither (the profile hides the method).
    @rpc("write", records=True, models=("account.move",))
    def action_toggle_block_payment(self, ids: list[int]) -> None:
        """Block the invoice's payment, or unblock it; UserError when it is paid."""
        rid = self._one(ids)
        state = self.tables["account.move"][rid].get("payment_state")
        if state == "blocked":
            self._write("account.move", [rid], {"payment_state": "not_paid"})
            return None
        if state in ("paid", "in_payment"):
            raise OdooError("UserError", "You can't block a paid invoice.")
        self._write("account.move", [rid], {"payment_state": "blocked"})
        return None

    @rpc("write", records=True, models=("purchase.order",))
    def button_cancel(self, ids: list[int]) -> bool:
        """Cancel purchase orders."""
        return self._write("purchase.order", ids, {"state": "cancel"})

    @rpc("read", records=True, models=("sale.order",))
    def action_view_purchase_orders(self, ids: list[int]) -> dict[str, Any]:
        """The window action on the purchase orders serving this sale order."""
        return _action("purchase.order", self.store.purchases_of_sale(self._one(ids)))

    @rpc("read", records=True, models=("purchase.order",))
    def action_view_sale_orders(self, ids: list[int]) -> dict[str, Any]:
        """The window action on the sale orders this purchase order serves."""
        return _action("sale.order", self.store.sales_of_purchase(self._one(ids)))


def _describe(name: str, field: Field) -> dict[str, Any]:
    """One fields_get entry."""
    plain = field.type not in X2MANY
    desc: dict[str, Any] = {
        "name": name,
        "type": field.type,
        "string": field.string,
        "help": "",
        "required": field.required,
        "readonly": name in _META or (field.computed and plain),
        "store": field.store,
        "searchable": field.store or name == "display_name",
        "sortable": field.store and plain,
        "manual": False,
        "depends": [],
    }
    if field.relation:
        desc |= {"relation": field.relation, "context": {}, "domain": []}
    if field.type == "one2many":
        desc["relation_field"] = field.inverse
    if field.selection:
        desc["selection"] = [list(pair) for pair in field.selection]
    return desc


def _stored(model: str, name: str, field: Field, value: Any) -> Any:
    """A written value converted for storage, ValueError (as Odoo) for a bad one."""
    kind, value = field.type, False if value is None else value
    try:
        if kind in ("integer", "many2one_reference"):
            return int(value or 0)
        if kind in ("float", "monetary"):
            return float(value or 0.0)
        if kind in ("boolean", "binary") or value is False:
            return bool(value) if kind == "boolean" else value
        if kind == "many2one" and (isinstance(value, bool) or not isinstance(value, int)):
            raise ValueError(value)
        if kind == "selection" and value not in dict(field.selection or ()):
            raise ValueError(value)
        if kind == "date":
            return dt.date.fromisoformat(str(value)[:10]).isoformat()
        if kind == "datetime":
            text = str(value)[:19] + (" 00:00:00" if len(str(value)) == 10 else "")
            return dt.datetime.strptime(text, "%Y-%m-%d %H:%M:%S").strftime("%Y-%m-%d %H:%M:%S")
    except (TypeError, ValueError) as exc:
        raise ValueError(f"Wrong value for {model}.{name}: {value!r}") from exc
    return value if kind == "many2one" else str(value)


def _product_type(model: str, name: str, field: Field, value: Any) -> str:
    """The stored type that 17.0's detailed_type or 18.0's is_storable writes."""
    if name == "is_storable":
        return "product" if value else "consu"
    return str(_stored(model, name, field, value))


def _foreign_key(model: str, name: str) -> OdooError:
    constraint = f"{model.replace('.', '_')}_{name}_fkey"
    message = _FOREIGN_KEY.format(
        desc=MODELS[model].description, model=model, constraint=constraint
    )
    return OdooError("ValidationError", message)


def _cancel_wizard(rid: int, state: str) -> dict[str, Any]:
    """The sale.order.cancel wizard's window action, as action_cancel returns it."""
    type_name = "Quotation" if state in ("draft", "sent", "cancel") else "Sales Order"
    context = {
        "default_template_id": 1,
        "default_order_id": rid,
        "mark_so_as_canceled": True,
        "default_email_layout_xmlid": "mail.mail_notification_layout_with_responsible_signature",
        "model_description": type_name,
    }
    return {
        "name": f"Cancel {type_name}",
        "view_mode": "form",
        "res_model": "sale.order.cancel",
        "view_id": 1,
        "type": "ir.actions.act_window",
        "context": context,
        "target": "new",
    }


def _action(model: str, ids: list[int]) -> dict[str, Any]:
    action: dict[str, Any] = {"type": "ir.actions.act_window", "res_model": model}
    if len(ids) == 1:
        return action | {"view_mode": "form", "res_id": ids[0]}
    return action | {"view_mode": "tree,form", "domain": [["id", "in", ids]]}


def _ids(value: Any) -> list[int]:
    """Record ids as browse() takes them: an int, a list of ints, or False/None."""
    ids = [] if value is None or value is False else [value] if isinstance(value, int) else value
    if not isinstance(ids, list | tuple) or not all(type(i) is int for i in ids):
        raise ValueError(f"Invalid record ids {value!r}")
    return list(ids)


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
