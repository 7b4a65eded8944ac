"""The review UI in real Chromium: the supplier-delay journey from the queue to Odoo, a
correction, and a hostile HTML mail that must not run or load anything."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.e2e.conftest import LiveServer, login, shot
from tests.integration.odoo_standin import OdooStandin
from tests.integration.workflow_support import ORDER_STATUS, SUPPLIER_DELAY

pytestmark = pytest.mark.e2e
EDITED = "Estimado cliente: su pedido S00042 llegará el 20 de marzo. Disculpe las molestias."


def ingest(live: LiveServer, raw: bytes) -> str:
    result = live.runtime.pipeline.accept(raw, source="test", position="e2e")
    assert result.message_id is not None
    return result.message_id


def test_supplier_delay_from_queue_to_odoo_and_a_correction(
    page: Any, live: LiveServer, odoo_server: OdooStandin
) -> None:
    delay_id = ingest(live, SUPPLIER_DELAY)
    ingest(live, ORDER_STATUS)
    login(page, live, "paula")
    assert page.locator("table.queue tbody tr[data-href]").count() == 2
    shot(page, "01-queue")

    page.click("text=Delay P00017")
    page.wait_for_url(f"{live.url}/messages/{delay_id}")
    impacted = page.locator("table.impacted tbody td:first-child").all_inner_texts()
    assert impacted == ["S00042", "S00045", "S00048"]
    assert page.locator("table.impacted tr.risk").count() == 2
    shot(page, "02-supplier-delay")

    draft = live.runtime.actions.for_message(delay_id)
    s00042 = next(a for a in draft if a.kind == "customer_update" and a.target.name == "S00042")
    card = page.locator(f"#action-{s00042.id}")
    card.locator("textarea[name=body]").fill(EDITED)
    shot(page, "03-draft-edited")
    card.locator("button:has-text('Approve')").click()
    page.wait_for_url(f"{live.url}/messages/{delay_id}")

    deadline = time.monotonic() + 20
    sent: list[int] = []
    while not sent and time.monotonic() < deadline:
        sent = odoo_server.search("mail.message", [["body", "ilike", "llegará el 20 de marzo"]])
        time.sleep(0.2)
    assert len(sent) == 1, "the embedded worker did not post the approved update"
    posted = odoo_server.record("mail.message", sent[0])
    assert posted is not None and posted["model"] == "sale.order" and posted["res_id"] == 7
    page.reload()
    assert "done" in page.locator(f"#action-{s00042.id} .state").inner_text()
    shot(page, "04-update-sent")

    page.select_option('form.label select[name="intent"]', "supplier_confirmation")
    page.click("form.label button")
    page.wait_for_url(f"{live.url}/messages/{delay_id}#label")
    assert "Corrected to supplier_confirmation by paula" in page.locator(".correction").inner_text()
    page.click("nav >> text=Corrections")
    row = page.locator("table.feedback tbody tr").first.inner_text()
    assert "paula" in row and "supplier_delay" in row and "supplier_confirmation" in row
    shot(page, "05-corrections")

    page.click("nav >> text=Approvals")
    assert page.locator("table.approvals tbody tr[id^=action-]").count() == 1  # S00045 waits
    shot(page, "06-approvals")
    page.click("nav >> text=Dashboard")
    assert page.locator("svg.chart").count() >= 3
    shot(page, "07-dashboard")


class _Tracker(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:
        _Tracker.hits.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


def test_hostile_html_runs_nothing_and_loads_nothing(page: Any, live: LiveServer) -> None:
    tracker = ThreadingHTTPServer(("127.0.0.1", 0), _Tracker)
    threading.Thread(target=tracker.serve_forever, daemon=True).start()
    remote = f"http://127.0.0.1:{tracker.server_address[1]}"
    html = (
        f'<p onmouseover="alert(1)">Hello, order <b>S00042</b></p><script>alert(2)</script>'
        f'<img src="{remote}/pixel.gif" onerror="alert(3)">'
        f'<a id="evil" href="javascript:alert(4)">click me</a>'
        f'<iframe src="{remote}/frame"></iframe><link rel="stylesheet" href="{remote}/x.css">'
        f'<div style="background:url({remote}/bg.png)">styled</div>'
    )
    raw = (
        "From: Eve <eve@evil.example>\r\nTo: orders@northwind.example\r\nSubject: Look here\r\n"
        "Message-ID: <xss-e2e@evil.example>\r\nMIME-Version: 1.0\r\n"
        f"Content-Type: text/html; charset=utf-8\r\n\r\n{html}\r\n"
    ).encode()
    message_id = ingest(live, raw)
    dialogs: list[str] = []
    outside: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live.url) else None)
    try:
        login(page, live, "alex")
        page.goto(f"{live.url}/messages/{message_id}")
        page.click("details summary:has-text('Original HTML')")
        frame = page.frame_locator("iframe.html")
        frame.locator("text=Hello, order").hover()
        frame.locator("text=click me").click()
        page.wait_for_timeout(1_000)
        shot(page, "08-hostile-html")
    finally:
        tracker.shutdown()
        tracker.server_close()
    assert dialogs == []
    assert [u for u in outside if not u.startswith(("about:", "data:"))] == []
    assert _Tracker.hits == []
