"""A scriptable OpenAI-compatible chat-completions server on loopback, for integration tests.

`LlmServer` answers `POST /v1/chat/completions` (and `GET /v1/models`) like OpenAI does, from a
background thread, so that tests drive it with the real `openai` client or
`langchain_openai.ChatOpenAI` over HTTP:

    with LlmServer() as llm:
        llm.script(Reply({"intent": "order"}), Status(429, retry_after=1), Drop())
        client = openai.OpenAI(base_url=llm.url, api_key="x", max_retries=0)
        ...
        assert llm.requests[0]["response_format"]["type"] == "json_schema"

Each completion request consumes one scripted step (FIFO); when the queue is empty the default
responder (`respond_with`) decides, and without one the answer is `Reply({})`. A `Reply` whose
content is a dict or list is JSON-encoded; it comes back as the message content (plain,
json_object and json_schema requests) or as the arguments of one call of the requested tool
(requests with function tools). `Reply(None)` is an answer with null content and no tool call.
`Text` is always plain content, `Delay` answers late, `Status` is an HTTP error with OpenAI's
error body and `Drop` closes the connection unanswered.

Requests the server rejects itself (a body that is not JSON, `stream: true`, json_schema or
tools while `supports_json_schema` / `supports_tools` is off) get an HTTP 400 and consume no
step; the JSON ones are still recorded in `requests`.
"""

from __future__ import annotations

import itertools
import json
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["Delay", "Drop", "LlmServer", "Reply", "Status", "Step", "Text"]

MODEL_ID = "test-model"
COMPLETIONS_PATH = "/v1/chat/completions"
MODELS_PATH = "/v1/models"
_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "invalid_request_error",
    409: "conflict_error",
    422: "invalid_request_error",
    429: "rate_limit_error",
}


@dataclass
class Reply:
    """A normal answer; dict/list content is JSON-encoded, None means null content."""

    content: str | dict[str, Any] | list[Any] | None = None
    prompt_tokens: int | None = None  # default: len(json.dumps(messages)) // 4
    completion_tokens: int | None = None  # default: max(1, len(text) // 4)
    model: str | None = None  # default: the request's model


@dataclass
class Text:
    """A raw assistant content string, always sent as plain content, never as a tool call."""

    text: str
    prompt_tokens: int | None = None
    completion_tokens: int | None = None


@dataclass
class Delay:
    """Sleep `seconds`, then perform `then` (default: the default responder's step)."""

    seconds: float
    then: Step | None = None


@dataclass
class Status:
    """An HTTP error with OpenAI's error body, optionally with a Retry-After header."""

    code: int
    retry_after: float | None = None
    message: str = "scripted error"


@dataclass
class Drop:
    """Read the request, then close the connection without any response."""


Step = Reply | Text | Delay | Status | Drop


class _ClientGone(Exception):
    """The connection must be closed without an answer (Drop, or the server is stopping)."""


class LlmServer:
    """An OpenAI-compatible chat-completions server on 127.0.0.1: start(), script, stop()."""

    def __init__(self, *, supports_json_schema: bool = True, supports_tools: bool = True) -> None:
        self.host, self.port = "127.0.0.1", 0
        self.supports_json_schema = supports_json_schema
        self.supports_tools = supports_tools
        self.requests: list[dict[str, Any]] = []
        self.errors: list[BaseException] = []  # raised while answering (for debugging)
        self._lock = threading.Lock()
        self._queue: deque[Step] = deque()
        self._responder: Callable[[dict[str, Any]], Step] | None = None
        self._ids = itertools.count(1)
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> LlmServer:
        """Listen on a free loopback port and serve from a daemon thread."""
        if self._httpd is not None:
            raise RuntimeError("LlmServer already started")
        self._stopping = threading.Event()
        httpd = _Server(self, (self.host, 0))
        self._httpd, self.port = httpd, httpd.server_address[1]
        self._thread = threading.Thread(
            target=httpd.serve_forever, args=(0.05,), name=f"llm-server-{self.port}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Wake delayed requests, close open connections, stop serving and close the socket."""
        self._stopping.set()
        httpd, thread = self._httpd, self._thread
        self._httpd = self._thread = None
        if httpd is not None:
            httpd.shutdown()
            with self._lock:
                connections = list(self._connections)
            for conn in connections:  # idle keep-alive connections: their readline returns
                _shutdown(conn)
            httpd.server_close()  # joins the request threads
        if thread is not None:
            thread.join()

    def __enter__(self) -> LlmServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The base URL for the clients, e.g. http://127.0.0.1:41234/v1."""
        if self._httpd is None:
            raise RuntimeError("LlmServer is not started")
        return f"http://{self.host}:{self.port}/v1"

    # -- scripting ---------------------------------------------------------------------------

    def script(self, *steps: Step) -> None:
        """Append steps to the FIFO queue; each completion request consumes one."""
        with self._lock:
            self._queue.extend(steps)

    def respond_with(self, fn: Callable[[dict[str, Any]], Step] | None) -> None:
        """Set the responder used when the queue is empty (None: answer `Reply({})`)."""
        with self._lock:
            self._responder = fn

    def reset(self) -> None:
        """Forget the queue, the requests and the responder; support everything again."""
        with self._lock:
            self._queue.clear()
            self.requests.clear()
            self.errors.clear()
            self._responder = None
            self.supports_json_schema = self.supports_tools = True

    @property
    def calls(self) -> int:
        """How many completion requests (JSON bodies) the server has received."""
        with self._lock:
            return len(self.requests)

    # -- serving -----------------------------------------------------------------------------

    def _opened(self, conn: socket.socket) -> None:
        with self._lock:
            self._connections.add(conn)
        if self._stopping.is_set():  # accepted while stopping: let the handler see EOF
            _shutdown(conn)

    def _closed(self, conn: socket.socket) -> None:
        with self._lock:
            self._connections.discard(conn)

    def handle(self, handler: _Handler) -> None:
        """Answer one HTTP request (called on the handler's thread)."""
        path = handler.path.split("?", 1)[0].rstrip("/")
        if handler.command == "GET" and path == MODELS_PATH:
            models = [{"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "triage"}]
            handler.send_json(200, {"object": "list", "data": models})
            return
        if handler.command != "POST" or path != COMPLETIONS_PATH:
            message = f"Invalid URL ({handler.command} {handler.path})"
            handler.send_json(404, _error(message, "invalid_request_error"))
            return
        try:
            body = json.loads(handler.body or b"")
        except ValueError as exc:
            handler.send_json(400, _error(f"The request body is not valid JSON: {exc}"))
            return
        if not isinstance(body, dict):
            handler.send_json(400, _error("The request body must be a JSON object"))
            return
        with self._lock:
            self.requests.append(body)
        rejection = self._rejection(body)
        if rejection is not None:
            handler.send_json(400, _error(rejection))
            return
        self._perform(handler, body, self._next_step(body))

    def _rejection(self, body: dict[str, Any]) -> str | None:
        """Why the server itself refuses the request (HTTP 400), if it does."""
        if body.get("stream"):
            return "stream is not supported by the test server"
        if _format_type(body) == "json_schema" and not self.supports_json_schema:
            return "response_format json_schema is not supported"
        if body.get("tools") and not self.supports_tools:
            return "tools are not supported"
        return None

    def _next_step(self, body: dict[str, Any]) -> Step:
        with self._lock:
            if self._queue:
                return self._queue.popleft()
        return self._default_step(body)

    def _default_step(self, body: dict[str, Any]) -> Step:
        with self._lock:
            responder = self._responder
        return Reply({}) if responder is None else responder(body)

    def _perform(self, handler: _Handler, body: dict[str, Any], step: Step) -> None:
        while isinstance(step, Delay):
            if self._stopping.wait(step.seconds):
                raise _ClientGone("server stopping")
            step = step.then if step.then is not None else self._default_step(body)
        if isinstance(step, Drop):
            raise _ClientGone("dropped")
        if isinstance(step, Status):
            headers = {}
            if step.retry_after is not None:
                headers["Retry-After"] = _seconds(step.retry_after)
            error_type = _ERROR_TYPES.get(step.code, "server_error")
            handler.send_json(step.code, _error(step.message, error_type), headers)
            return
        if isinstance(step, Text | Reply):
            handler.send_json(200, self._completion(body, step))
            return
        raise TypeError(f"not a Step: {step!r}")

    def _completion(self, body: dict[str, Any], step: Reply | Text) -> dict[str, Any]:
        """The chat.completion body for a Reply or Text."""
        n = next(self._ids)
        content: str | None
        tool_calls: list[dict[str, Any]] | None = None
        if isinstance(step, Text):
            content, text = step.text, step.text
        elif step.content is None:
            content, text = None, ""
        else:
            text = step.content if isinstance(step.content, str) else json.dumps(step.content)
            tool = _tool_name(body) if _format_type(body) is None else None
            if tool is None:
                content = text
            else:
                content = None
                function = {"name": tool, "arguments": text}
                tool_calls = [{"id": f"call_{n}", "type": "function", "function": function}]
        message: dict[str, Any] = {"role": "assistant", "content": content, "refusal": None}
        if tool_calls is not None:
            message["tool_calls"] = tool_calls
        prompt = step.prompt_tokens
        if prompt is None:
            prompt = len(json.dumps(body.get("messages"))) // 4
        completion = step.completion_tokens
        if completion is None:
            completion = max(1, len(text) // 4)
        model = step.model if isinstance(step, Reply) else None
        choice = {
            "index": 0,
            "message": message,
            "finish_reason": "tool_calls" if tool_calls else "stop",
            "logprobs": None,
        }
        return {
            "id": f"chatcmpl-{n}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model or str(body.get("model") or MODEL_ID),
            "system_fingerprint": None,
            "choices": [choice],
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
            },
        }


class _Server(ThreadingHTTPServer):
    """A ThreadingHTTPServer (daemon request threads) that knows its LlmServer."""

    daemon_threads = True

    def __init__(self, llm: LlmServer, address: tuple[str, int]) -> None:
        self.llm = llm
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Record the exception instead of printing a traceback."""
        self.llm.errors.append(sys.exc_info()[1] or RuntimeError("request failed"))


class _Handler(BaseHTTPRequestHandler):
    """Reads one request at a time over a keep-alive HTTP/1.1 connection."""

    protocol_version = "HTTP/1.1"
    server: _Server
    body: bytes | None = None

    def setup(self) -> None:
        super().setup()
        self.llm = self.server.llm
        self.llm._opened(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.llm._closed(self.connection)

    def do_POST(self) -> None:
        self.body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._dispatch()

    def do_GET(self) -> None:
        self.body = None
        self._dispatch()

    def _dispatch(self) -> None:
        try:
            self.llm.handle(self)
        except (_ClientGone, OSError):
            self.close_connection = True  # closed unanswered (Drop) or the client left
        except Exception as exc:  # a broken responder or step: tell the client, keep it
            self.llm.errors.append(exc)
            message = f"test server error: {exc!r}"
            self.send_json(500, _error(message, "server_error"))

    def send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        """Send a complete JSON response with Content-Length."""
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output quiet."""


def _error(message: str, error_type: str = "invalid_request_error") -> dict[str, Any]:
    """OpenAI's error body."""
    return {"error": {"message": message, "type": error_type, "param": None, "code": None}}


def _format_type(body: dict[str, Any]) -> str | None:
    """The request's response_format type when it asks for JSON (json_object or json_schema)."""
    fmt = body.get("response_format")
    kind = fmt.get("type") if isinstance(fmt, dict) else None
    return kind if kind in ("json_object", "json_schema") else None


def _tool_name(body: dict[str, Any]) -> str | None:
    """The function tool to call: the one tool_choice names, else the first; None without."""
    names = [
        str(tool["function"]["name"])
        for tool in body.get("tools") or []
        if isinstance(tool, dict)
        and tool.get("type", "function") == "function"
        and isinstance(tool.get("function"), dict)
        and "name" in tool["function"]
    ]
    if not names:
        return None
    choice = body.get("tool_choice")
    if isinstance(choice, dict):
        named = (choice.get("function") or {}).get("name") or choice.get("name")
        if named:
            return str(named)
    return names[0]


def _seconds(value: float) -> str:
    """A Retry-After value: "1" for 1.0, "0.5" for 0.5."""
    return str(int(value)) if float(value).is_integer() else str(value)


def _shutdown(conn: socket.socket) -> None:
    try:
        conn.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
