"""A live triage server (uvicorn in a thread, the embedded worker on) and real Chromium."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from api.app import create_app
from models import UserRole
from tests.integration.odoo_standin import OdooStandin
from tests.integration.workflow_support import settings_for
from triage.config import WorkerSettings
from triage.runtime import Runtime

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "correct-horse-battery"
SCREENSHOTS = Path(__file__).parents[2] / "test-output" / "screenshots"


@dataclass
class LiveServer:
    """The running service."""

    url: str
    runtime: Runtime


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def live(odoo_server: OdooStandin, tmp_path: Path, trained_model_dir: Path) -> Iterator[LiveServer]:
    """triage serving on a free loopback port, with its outbox worker running."""
    worker = WorkerSettings(interval_seconds=0.2, retry_base_seconds=0.2, stale_after_seconds=2)
    settings = settings_for(odoo_server, tmp_path, trained_model_dir, worker=worker)
    app = create_app(settings)
    runtime: Runtime = app.state.runtime
    for name, role in (("alex", UserRole.AGENT), ("paula", UserRole.APPROVER)):
        runtime.users.create(name, PASSWORD, role)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the server did not start"
    yield LiveServer(f"http://127.0.0.1:{port}", runtime)
    server.should_exit = True
    thread.join(20)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    if shutil.which(CHROMIUM) is None:
        pytest.skip("chromium is not installed (make test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser context and page."""
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def shot(page: Any, name: str) -> Path:
    """Save a full-page screenshot under test-output/screenshots."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def login(page: Any, live: LiveServer, name: str) -> None:
    """Log in through the form."""
    page.goto(f"{live.url}/queue")
    page.fill('input[name="name"]', name)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_url(f"{live.url}/queue")
