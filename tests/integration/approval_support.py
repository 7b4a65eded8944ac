"""Helpers for the approval tests: triage served by uvicorn on loopback, with a webhook that
needs an approver, and the two doors people decide through (the JSON API and the UI forms)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from api.app import create_app
from models import ActionRecord, UserRole
from tests.integration.odoo_standin import OdooStandin
from tests.integration.webhook_server import WebhookReceiver
from tests.integration.workflow_support import mail, policy_file, settings_for
from triage.config import WebhookSettings, WorkerSettings
from triage.runtime import Runtime

PASSWORD = "correct-horse-battery"
PEOPLE = {"alex": UserRole.AGENT, "paula": UserRole.APPROVER}
SECRET = "whsec-approvals-0123456789"
DECISIONS = ("approved", "rejected")


@dataclass
class Live:
    """triage answering on `url`, its runtime, the webhook receiver and an API key per person."""

    url: str
    runtime: Runtime
    receiver: WebhookReceiver
    keys: dict[str, str]


def _notify_with_approval(data: dict[str, Any]) -> None:
    rule = next(r for r in data["rules"] if r["id"] == "order-status")
    rule["actions"].append(
        {"kind": "webhook", "webhook": "n8n", "summary": "{summary}", "approval": "approver"}
    )


@contextmanager
def live_triage(
    odoo: OdooStandin, folder: Path, model_dir: Path, database_url: str, *, worker: bool = False
) -> Iterator[Live]:
    """triage on a free loopback port; order-status mail also proposes a webhook to approve."""
    with WebhookReceiver() as receiver:
        settings = settings_for(
            odoo,
            folder,
            model_dir,
            database_url,
            policy=policy_file(folder, _notify_with_approval),
            webhooks={"n8n": WebhookSettings(url=receiver.url, secret=SECRET)},
            worker=WorkerSettings(
                enabled=worker, interval_seconds=0.05, retry_base_seconds=0.2, stale_after_seconds=5
            ),
        )
        app = create_app(settings)
        runtime: Runtime = app.state.runtime
        keys = {}
        for name, role in PEOPLE.items():
            runtime.users.create(name, PASSWORD, role)
            keys[name] = runtime.keys.create(name, role)
        with serving(app) as url:
            yield Live(url, runtime, receiver, keys)


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """The app served by uvicorn in a thread on a free loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the server did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(20)


def order_status_mail(n: int) -> bytes:
    """A distinct order-status mail (its own Message-ID)."""
    return mail(
        f"approval-{n}",
        "buyer@lopez-catering.example",
        "Order S00042",
        f"Hello, could you tell me when our order S00042 will be delivered? Thanks, Maria ({n})",
    )


def dispute_mail(n: int) -> bytes:
    """A distinct invoice dispute (its own Message-ID): it proposes to hold the invoice."""
    return mail(
        f"dispute-{n}",
        "accounts@lopez-catering.example",
        "Invoice INV/2025/00012 is wrong",
        "Hello, we dispute invoice INV/2025/00012: you charged 50 units but we only received "
        f"20. Please correct the invoice amount. Jordi ({n})",
    )


def ingest(runtime: Runtime, raw: bytes) -> str:
    """Store and process one mail; its id."""
    result = runtime.pipeline.accept(raw, source="test", position="approvals")
    assert result.message_id is not None, result.reason
    return result.message_id


def action_of(runtime: Runtime, message_id: str, kind: str) -> ActionRecord:
    """The message's (first) action of a kind."""
    return next(a for a in runtime.actions.for_message(message_id) if a.kind == kind)


def decisions(runtime: Runtime, message_id: str, action_id: int) -> list[str]:
    """The approve/reject events audited for one action."""
    events = runtime.audit.for_message(message_id)
    return [e.event for e in events if e.action_id == action_id and e.event in DECISIONS]


class ApiDoor:
    """Deciding through the JSON API with each person's key."""

    def __init__(self, live: Live) -> None:
        self.live = live
        self.http = httpx.Client(base_url=live.url, timeout=60)

    def decide(self, who: str, verb: str, action_id: int, form: dict[str, str]) -> int:
        """POST approve or reject; the status."""
        headers = {"Authorization": f"Bearer {self.live.keys[who]}"}
        path = f"/v1/actions/{action_id}/{verb}"
        return self.http.post(path, json=form or None, headers=headers).status_code

    def close(self) -> None:
        """Close the connections."""
        self.http.close()


class UiDoor:
    """Deciding through the review UI's forms, logged in, with the session's CSRF token."""

    def __init__(self, live: Live) -> None:
        self.browsers = {name: _logged_in(live.url, name) for name in PEOPLE}

    def decide(self, who: str, verb: str, action_id: int, form: dict[str, str]) -> int:
        """POST the form; the status (a redirect after success counts as 200)."""
        browser = self.browsers[who]
        data = {**form, "csrf": csrf_of(browser, "/approvals")}
        response = browser.post(f"/actions/{action_id}/{verb}", data=data)
        return 200 if response.status_code == 303 else response.status_code

    def close(self) -> None:
        """Close the connections."""
        for browser in self.browsers.values():
            browser.close()


def _logged_in(url: str, name: str) -> httpx.Client:
    browser = httpx.Client(base_url=url, timeout=60, follow_redirects=False)
    form = {"name": name, "password": PASSWORD, "csrf": csrf_of(browser, "/login")}
    assert browser.post("/login", data={**form, "next": "/queue"}).status_code == 303
    return browser


def csrf_of(browser: httpx.Client, path: str) -> str:
    """The CSRF token in a page's form."""
    found = HTMLParser(browser.get(path).text).css_first('input[name="csrf"]')
    assert found is not None, path
    return str(found.attributes["value"])
