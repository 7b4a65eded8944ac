"""Earned autonomy in real Chromium: an agent confirms a mail's intent, the dashboard's
autonomy table counts it, and an admin pins the pair autonomous."""

from __future__ import annotations

import os
from typing import Any

import pytest

from models import UserRole
from tests.e2e.conftest import PASSWORD, LiveServer, login, shot
from tests.integration.workflow_support import ORDER_STATUS, policy_file

pytestmark = pytest.mark.e2e


def new_deployment(live: LiveServer) -> None:
    """Rewrite the served policy so every pair starts assisted, as a new deployment does
    (the test policy starts them autonomous); the service reloads a changed file by itself."""

    def assisted(data: dict[str, Any]) -> None:
        data["autonomy"] = {"default": "assisted"}

    path = live.runtime.policy.path
    written = policy_file(path.parent, assisted)
    assert written == path
    later = path.stat().st_mtime_ns + 1_000_000_000
    os.utime(path, ns=(later, later))
    assert live.runtime.policy.current().autonomy.default.value == "assisted"


def test_confirm_counts_on_the_dashboard_and_an_admin_pins(page: Any, live: LiveServer) -> None:
    new_deployment(live)
    result = live.runtime.pipeline.accept(ORDER_STATUS, source="test", position="e2e")
    assert result.message_id is not None
    signal = live.runtime.store.signal(result.message_id)
    assert signal is not None
    row_id = f"#autonomy-{signal.intent}-{signal.decided_by.value}"
    live.runtime.users.create("ada", PASSWORD, UserRole.ADMIN)

    login(page, live, "alex")
    page.click("text=Order S00042")
    page.wait_for_url(f"{live.url}/messages/{result.message_id}")
    page.click("form.confirm button")
    page.wait_for_url(f"{live.url}/messages/{result.message_id}#intent")
    assert page.locator(".confirmation").inner_text().startswith("Confirmed by alex")
    shot(page, "autonomy-01-confirmed")

    page.click("nav >> text=Dashboard")
    row = page.locator(row_id)
    assert row.locator("td.n").inner_text() == "1"
    assert row.locator("td.precision").inner_text() == "100.0%"
    assert row.locator(".autonomy-state").inner_text() == "assisted"
    assert row.locator("form.pin").count() == 0  # an agent sees the table, not the pins
    shot(page, "autonomy-02-dashboard-agent")

    page.click("form.logout button")
    login(page, live, "ada")
    page.goto(f"{live.url}/dashboard")
    row = page.locator(row_id)
    row.locator("form.pin select[name=state]").select_option("autonomous")
    row.locator("form.pin button").click()
    page.wait_for_url(f"{live.url}/dashboard#autonomy")
    row = page.locator(row_id)
    assert row.locator(".autonomy-state").inner_text() == "autonomous"
    assert row.locator(".pinned").is_visible()
    assert "user:ada" in row.locator("td.change").inner_text()
    shot(page, "autonomy-03-pinned")
    state = live.runtime.autonomy.state(signal.intent, signal.decided_by.value)
    assert state.value == "autonomous"
