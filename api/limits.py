"""Request body limits, enforced before a body is parsed: 413 in the standard shape."""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_body


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
            await self._refuse(send, limit)
            return
        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                # Raised inside the body read, so the framework answers it like any 413.
                raise HTTPException(413, f"request body larger than {limit} bytes")
            return message

        await self.app(scope, counting_receive, send)

    async def _refuse(self, send: Send, limit: int) -> None:
        message = f"request body larger than {limit} bytes"
        body = json.dumps(error_body("payload_too_large", message)).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})
