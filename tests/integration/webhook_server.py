"""An HTTP receiver on loopback for the workflow's signed webhooks: records every delivery,
fails the first N on request, and checks signatures the way a receiver should."""

from __future__ import annotations

import hashlib
import hmac
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Delivery:
    """One POST as received and the status it got."""

    headers: dict[str, str]
    body: bytes
    status: int


class WebhookReceiver:
    """POST /hook: 500 for the next `fail_next` requests, then 204."""

    def __init__(self) -> None:
        self.deliveries: list[Delivery] = []
        self.fail_next = 0
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.receiver = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def url(self) -> str:
        """Where to send."""
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/hook"

    def receive(self, headers: dict[str, str], body: bytes) -> int:
        """Record a delivery; the status to answer."""
        with self._lock:
            status = 500 if self.fail_next > 0 else 204
            self.fail_next -= 1 if self.fail_next > 0 else 0
            self.deliveries.append(Delivery(headers, body, status))
            return status

    @staticmethod
    def verify(secret: str, delivery: Delivery) -> bool:
        """Whether the signature matches `<timestamp>.<body>` under `secret`."""
        stamp = delivery.headers.get("x-triage-timestamp", "")
        expected = hmac.new(secret.encode(), stamp.encode() + b"." + delivery.body, hashlib.sha256)
        given = delivery.headers.get("x-triage-signature", "")
        return hmac.compare_digest(f"sha256={expected.hexdigest()}", given)


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        headers = {k.lower(): v for k, v in self.headers.items()}
        status = self.server.receiver.receive(headers, body)  # type: ignore[attr-defined]
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""
