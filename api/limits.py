"""Request body limits, enforced before a body is parsed: 413 in the standard shape."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_body


class _BodyTooLarge(Exception):
    """Raised inside the body read once the limit is passed."""


class BodyLimitMiddleware:
    """Refuse bodies over the limit, by Content-Length or while streaming.

    `raw_paths` take raw mail and get `raw_max_bytes`; every other route `max_bytes`."""

    def __init__(
        self, app: ASGIApp, max_bytes: int, raw_max_bytes: int, raw_paths: frozenset[str]
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.raw_max_bytes = raw_max_bytes
        self.raw_paths = raw_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the declared length, then count the bytes that actually arrive."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.raw_max_bytes if scope.get("path") in self.raw_paths else self.max_bytes
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _refuse(send, limit)
            return
        await _Guard(limit, receive, send).run(self.app, scope)


class _Guard:
    """One request: counts the body; once it is too large, whatever the app answers
    (frameworks wrap or translate the interruption differently) becomes our 413."""

    def __init__(self, limit: int, receive: Receive, send: Send) -> None:
        self.limit = limit
        self.seen = 0
        self.tripped = False
        self.started = False
        self._receive = receive
        self._send = send

    async def run(self, app: ASGIApp, scope: Scope) -> None:
        """Call the app, answering 413 in its place when the body passed the limit."""
        try:
            await app(scope, self.receive, self.send)
        except Exception:
            if not self.tripped:
                raise
        if self.tripped and not self.started:
            await _refuse(self._send, self.limit)

    async def receive(self) -> Message:
        """Pass body chunks through while counting them."""
        message = await self._receive()
        self.seen += len(message.get("body", b""))
        if self.seen > self.limit:
            self.tripped = True
            raise _BodyTooLarge
        return message

    async def send(self, message: Message) -> None:
        """Forward the app's answer unless the body was refused."""
        if self.tripped:
            return
        if message["type"] == "http.response.start":
            self.started = True
        await self._send(message)


async def _refuse(send: Send, limit: int) -> None:
    message = f"request body larger than {limit} bytes"
    body = json.dumps(error_body("payload_too_large", message)).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})
