"""Signed webhooks to configured receivers (n8n and others).

The body is JSON; `X-Triage-Signature: sha256=<hex>` is HMAC-SHA256 with the webhook's
secret over `<timestamp>.<body>`, with the timestamp in `X-Triage-Timestamp`, and
`Idempotency-Key` the same on every retry of one action.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import httpx

from models import ActionRecord, WebhookPayload
from triage.actions.errors import BUSINESS, TECHNICAL, ActionFailed
from triage.actions.registry import ExecutorRegistry
from triage.config import WebhookSettings


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header value for a body sent at `timestamp`."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


class WebhookExecutor:
    """POSTs an action's event to the webhook it names; only configured URLs are reachable."""

    def __init__(
        self, hooks: dict[str, WebhookSettings], transport: httpx.BaseTransport | None = None
    ) -> None:
        self.hooks = hooks
        self._client = httpx.Client(transport=transport, timeout=10.0, follow_redirects=False)

    def register(self, registry: ExecutorRegistry) -> None:
        """Register `run` for webhook actions."""
        registry.register(WebhookPayload, self.run)

    def run(self, action: ActionRecord, payload: WebhookPayload) -> dict[str, Any]:
        """Deliver once; a 2xx is done, a 4xx a business failure, the rest retried."""
        name = payload.webhook
        hook = self.hooks.get(name)
        if hook is None:
            raise ActionFailed(f"webhook {name!r} is not configured")
        body = json.dumps(_event(action, payload), sort_keys=True).encode()
        stamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": f"triage-action-{action.id}",
            "X-Triage-Timestamp": stamp,
            "X-Triage-Signature": signature(hook.secret.get_secret_value(), stamp, body),
        }
        try:
            response = self._client.post(hook.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise ActionFailed(
                f"webhook {name}: {type(exc).__name__}", TECHNICAL, retry=True
            ) from exc
        if response.is_success:
            return {"status": response.status_code}
        retry = response.status_code >= 500 or response.status_code in (408, 429)
        kind = TECHNICAL if retry else BUSINESS
        raise ActionFailed(f"webhook {name}: HTTP {response.status_code}", kind, retry=retry)

    def close(self) -> None:
        """Close the HTTP connections."""
        self._client.close()


def _event(action: ActionRecord, payload: WebhookPayload) -> dict[str, Any]:
    return {
        "action_id": action.id,
        "message_id": action.message_id,
        "rule": action.rule_id,
        "policy_version": action.policy_version,
        "intent": payload.intent,
        "urgency": payload.urgency.value,
        "summary": payload.summary,
        "record": action.target.model_dump() if action.target.model else None,
    }
