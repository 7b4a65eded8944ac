"""The review UI as HTML: auth on every page, CSRF, roles, the queue, the message page,
corrections and the dashboard (pages parsed, asserted by selectors)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from api.app import create_app
from models import UserRole
from tests.integration.odoo_standin import OdooStandin
from tests.integration.workflow_support import (
    BANK,
    DISPUTE,
    ORDER_STATUS,
    policy_file,
    settings_for,
)
from triage.runtime import Runtime

pytestmark = pytest.mark.integration
FIXTURES = Path(__file__).parents[1] / "fixtures" / "emails"
PASSWORD = "correct-horse-battery"
PAGES = ["/", "/queue", "/approvals", "/feedback", "/dashboard", "/messages/abc"]
HOSTILE_HTML = (
    b"From: Eve <eve@evil.example>\r\nTo: orders@northwind.example\r\nSubject: Look\r\n"
    b"Message-ID: <xss@evil.example>\r\nMIME-Version: 1.0\r\n"
    b"Content-Type: text/html; charset=utf-8\r\n\r\n"
    b'<p onclick="alert(1)">Hello <b>S00042</b></p><script>alert(2)</script>'
    b'<img src="https://tracker.evil.example/p.gif" onerror="alert(3)">'
    b'<a href="javascript:alert(4)">click</a><iframe src="https://evil.example"></iframe>\r\n'
)


class Browser:
    """A TestClient that logs in through the form, as a browser does."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def csrf(self, path: str = "/login") -> str:
        found = HTMLParser(self.client.get(path).text).css_first('input[name="csrf"]')
        assert found is not None
        return str(found.attributes["value"])

    def login(self, name: str, password: str = PASSWORD) -> int:
        form = {"name": name, "password": password, "csrf": self.csrf(), "next": "/queue"}
        return self.client.post("/login", data=form, follow_redirects=False).status_code

    def page(self, path: str) -> HTMLParser:
        response = self.client.get(path)
        assert response.status_code == 200, (path, response.status_code, response.text[:300])
        return HTMLParser(response.text)


@pytest.fixture
def ui(
    odoo_server: OdooStandin, tmp_path: Path, trained_model_dir: Path
) -> Iterator[tuple[Browser, Runtime]]:
    def assisted(policy: dict[str, Any]) -> None:  # as shipped: what may run waits for a person
        policy["autonomy"]["default"] = "assisted"

    policy = policy_file(tmp_path, assisted)
    app = create_app(settings_for(odoo_server, tmp_path, trained_model_dir, policy=policy))
    runtime: Runtime = app.state.runtime
    for name, role in (("alex", UserRole.AGENT), ("paula", UserRole.APPROVER)):
        runtime.users.create(name, PASSWORD, role)
    with TestClient(app) as client:
        yield Browser(client), runtime


def ingest(runtime: Runtime, raw: bytes) -> str:
    result = runtime.pipeline.accept(raw, source="test", position="ui")
    assert result.message_id is not None
    return result.message_id


@pytest.mark.parametrize("path", PAGES)
def test_every_page_but_login_needs_a_session(ui: tuple[Browser, Runtime], path: str) -> None:
    browser, _ = ui
    response = browser.client.get(path, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_forms_without_a_session_or_token_are_refused(ui: tuple[Browser, Runtime]) -> None:
    browser, runtime = ui
    message_id = ingest(runtime, ORDER_STATUS)
    form = {"intent": "complaint"}
    assert browser.client.post(f"/messages/{message_id}/label", data=form).status_code == 403
    assert browser.login("alex") == 303
    wrong = {**form, "csrf": "forged"}
    assert browser.client.post(f"/messages/{message_id}/label", data=wrong).status_code == 403
    assert runtime.review.corrections(message_id) == []


def test_login_refuses_a_wrong_password_and_a_missing_token(ui: tuple[Browser, Runtime]) -> None:
    browser, _ = ui
    assert browser.login("alex", "wrong-password") == 401
    assert browser.login("nobody") == 401
    no_token = {"name": "alex", "password": PASSWORD}
    assert browser.client.post("/login", data=no_token).status_code == 403
    assert browser.login("alex") == 303
    cookie = browser.client.cookies.get("triage_session")
    assert cookie and "correct-horse" not in cookie


def test_session_cookie_is_httponly_and_samesite(ui: tuple[Browser, Runtime]) -> None:
    browser, _ = ui
    form = {"name": "alex", "password": PASSWORD, "csrf": browser.csrf(), "next": "/queue"}
    response = browser.client.post("/login", data=form, follow_redirects=False)
    header = response.headers["set-cookie"].lower()
    assert "httponly" in header and "samesite=strict" in header


def test_pages_carry_a_strict_csp_and_api_answers_do_not(ui: tuple[Browser, Runtime]) -> None:
    browser, _ = ui
    page = browser.client.get("/login")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in browser.client.get("/healthz").headers


def test_logout_ends_the_session(ui: tuple[Browser, Runtime]) -> None:
    browser, _ = ui
    browser.login("alex")
    browser.client.post("/logout", data={"csrf": browser.csrf("/queue")})
    assert browser.client.get("/queue", follow_redirects=False).status_code == 303


def test_a_redirect_after_login_stays_on_this_site(ui: tuple[Browser, Runtime]) -> None:
    browser, _ = ui
    form = {
        "name": "alex",
        "password": PASSWORD,
        "csrf": browser.csrf(),
        "next": "//evil.example/x",
    }
    response = browser.client.post("/login", data=form, follow_redirects=False)
    assert response.headers["location"] == "/queue"


def test_the_queue_filters_and_counts(ui: tuple[Browser, Runtime]) -> None:
    browser, runtime = ui
    for raw in (ORDER_STATUS, BANK, (FIXTURES / "out_of_office.eml").read_bytes()):
        ingest(runtime, raw)
    browser.login("alex")
    page = browser.page("/queue")
    assert len(page.css("table.queue tbody tr[data-href]")) == 3
    options = [o.text() for o in page.css('select[name="intent"] option')]
    assert "auto_reply (1)" in options and "account_update (1)" in options
    review = browser.page("/queue?needs_review=yes")
    subjects = [a.text() for a in review.css("table.queue tbody a")]
    assert subjects == ["New bank details"]
    rows = browser.client.get("/queue?intent=auto_reply", headers={"HX-Request": "true"})
    fragment = HTMLParser(rows.text)
    assert fragment.css_first("html header") is None  # a fragment for htmx, not a page
    assert len(fragment.css("tbody tr[data-href]")) == 1


def test_the_message_page_shows_entities_signal_links_and_actions(
    ui: tuple[Browser, Runtime],
) -> None:
    browser, runtime = ui
    message_id = ingest(runtime, DISPUTE)
    browser.login("alex")
    page = browser.page(f"/messages/{message_id}")
    marks = [m.text() for m in page.css("pre.text mark.entity")]
    assert "INV/2025/00012" in marks
    assert page.css_first("#intent").text() == "billing_dispute"
    link = page.css_first('section.links a[href*="model=account.move"]')
    assert link is not None and link.text() == "INV/2025/00012"
    assert "/web#id=24&model=account.move" in str(link.attributes["href"])
    kinds = [p.css_first("strong").text() for p in page.css("section.actions .action")]
    assert kinds == ["activity", "hold invoice"]
    # The agent may confirm the activity (held: assisted) but not the approver-only hold.
    forms = [f.attributes["action"] for f in page.css("section.actions form.approve")]
    assert len(forms) == 1
    hold = next(a for a in runtime.actions.for_message(message_id) if a.kind == "hold_invoice")
    csrf = browser.csrf(f"/messages/{message_id}")
    refused = browser.client.post(f"/actions/{hold.id}/approve", data={"csrf": csrf})
    assert refused.status_code == 403
    assert "may not decide" in HTMLParser(refused.text).css_first(".error").text()


def test_an_approver_edits_and_approves_a_draft(ui: tuple[Browser, Runtime]) -> None:
    from tests.integration.workflow_support import SUPPLIER_DELAY

    browser, runtime = ui
    message_id = ingest(runtime, SUPPLIER_DELAY)
    draft = next(a for a in runtime.actions.for_message(message_id) if a.kind == "customer_update")
    browser.login("paula")
    page = browser.page(f"/messages/{message_id}")
    assert [td.text() for td in page.css("table.impacted tbody td:first-child")] == [
        "S00042",
        "S00045",
        "S00048",
    ]
    textarea = page.css_first(f"#action-{draft.id} textarea[name=body]")
    assert textarea is not None and draft.target.name in textarea.text()
    form = {"csrf": browser.csrf(f"/messages/{message_id}"), "subject": "Update", "body": "Edited."}
    done = browser.client.post(f"/actions/{draft.id}/approve", data=form, follow_redirects=False)
    assert done.status_code == 303
    approved = runtime.actions.get(draft.id)
    assert approved is not None and approved.state.value == "approved"
    assert approved.payload["draft"]["body"] == "Edited."
    assert approved.payload["draft"]["edited_by"] == "paula"
    queue = browser.page("/approvals")
    assert f"action-{draft.id}" not in [tr.attributes.get("id") for tr in queue.css("tr")]


def test_a_correction_is_recorded_with_the_user_and_listed(ui: tuple[Browser, Runtime]) -> None:
    browser, runtime = ui
    message_id = ingest(runtime, ORDER_STATUS)
    browser.login("alex")
    form = {
        "csrf": browser.csrf(f"/messages/{message_id}"),
        "intent": "delivery_problem",
        "urgency": "high",
    }
    response = browser.client.post(
        f"/messages/{message_id}/label", data=form, follow_redirects=False
    )
    assert response.status_code == 303
    page = browser.page(f"/messages/{message_id}")
    assert "Corrected to delivery_problem / high by alex" in page.css_first(".correction").text()
    rows = browser.page("/feedback").css("table.feedback tbody tr")
    cells = [td.text() for td in rows[0].css("td")]
    assert cells[1:] == ["alex", "Order S00042", "order_status", "delivery_problem / high"]
    labels = runtime.store.feedback_labels()
    assert [intent for _, _, intent in labels] == ["delivery_problem"]
    bad = {**form, "intent": "not_an_intent"}
    assert browser.client.post(f"/messages/{message_id}/label", data=bad).status_code == 422


def test_hostile_html_is_sanitised_into_a_sandboxed_frame(ui: tuple[Browser, Runtime]) -> None:
    browser, runtime = ui
    message_id = ingest(runtime, HOSTILE_HTML)
    browser.login("alex")
    response = browser.client.get(f"/messages/{message_id}")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page = HTMLParser(response.text)
    frame = page.css_first("iframe.html")
    assert frame is not None and frame.attributes["sandbox"] == ""
    inner = str(frame.attributes["srcdoc"])
    for bad in ("<script", "onclick", "onerror", "javascript:", "tracker.evil", "<iframe"):
        assert bad not in inner.lower(), bad
    assert "Hello <b>S00042</b>" in inner and "img-src data:" in inner
    assert not page.css("script:not([src])")  # no inline script on our own page either


def test_the_dashboard_draws_its_charts(ui: tuple[Browser, Runtime]) -> None:
    browser, runtime = ui
    for raw in (ORDER_STATUS, BANK, DISPUTE):
        ingest(runtime, raw)
    browser.login("paula")
    page = browser.page("/dashboard")
    assert len(page.css("svg.chart")) >= 3
    titles = [t.text() for t in page.css("svg.chart title")]
    assert any("order_status: 1" in t for t in titles)
    assert any(t.startswith("reviewed:") for t in titles)


def test_static_htmx_is_served_from_our_own_files(ui: tuple[Browser, Runtime]) -> None:
    browser, _ = ui
    response = browser.client.get("/static/htmx.min.js")
    assert response.status_code == 200 and "htmx" in response.text[:2000]
    assert re.search(r"version:\s*\"2\.", response.text) or "2.0" in response.text


def test_a_failed_mail_and_a_reused_message_id_are_shown(
    ui: tuple[Browser, Runtime], odoo_server: OdooStandin
) -> None:
    browser, runtime = ui
    first = ingest(runtime, ORDER_STATUS)
    forged = BANK.replace(b"<bank@scenario.example>", b"<status@scenario.example>")
    odoo_server.inject("http_error", count=50, status=502)  # linking this one fails
    second = ingest(runtime, forged)
    odoo_server.reset()
    assert second != first
    assert browser.login("alex") == 303
    rows = {row.attributes["data-href"]: row for row in browser.page("/queue").css("tr[data-href]")}
    failed = rows[f"/messages/{second}"]
    assert failed.css_first(".state").text() == "failed"
    assert "link: OdooUnavailable" in failed.css_first(".pipeline-error").text()
    assert failed.css_first(".defect.reused") is not None
    assert rows[f"/messages/{first}"].css_first(".defect.reused") is None
    page = browser.page(f"/messages/{second}")
    assert "reuses the Message-ID" in page.css_first(".defect.reused").text()
    alert = page.css_first(".pipeline-error").text()
    assert "failed after 1 attempt" in alert and "link: OdooUnavailable" in alert


def test_readiness_details_need_a_key_or_a_session(ui: tuple[Browser, Runtime]) -> None:
    browser, _ = ui
    assert browser.client.get("/readyz").json() == {"status": "ready"}
    assert browser.client.get("/v1/status").status_code == 401
    assert browser.login("alex") == 303
    details = browser.client.get("/v1/status")
    assert details.status_code == 200 and details.json()["database"] == "ok"
    logout = {"csrf": browser.csrf("/queue")}
    assert browser.client.post("/logout", data=logout, follow_redirects=False).status_code == 303
    assert browser.client.get("/v1/status").status_code == 401
