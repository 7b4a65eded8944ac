"""Earned autonomy over HTTP and the CLI: the standings, pins, confirmations, spot checks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from typer.testing import CliRunner

from api.app import create_app
from models import UserRole
from tests.integration.odoo_standin import OdooStandin
from tests.integration.workflow_support import ORDER_STATUS, policy_file, settings_for
from triage.cli import app as cli_app
from triage.config import get_settings
from triage.runtime import Runtime, opened_runtime

pytestmark = pytest.mark.integration
ROOT_KEY = "autonomy-test-bootstrap-key-0123456789"
ADMIN_KEY = {"api_key": ROOT_KEY}
PASSWORD = "correct-horse-battery"


class Api:
    """A TestClient with one API key per role (the bootstrap key is an admin)."""

    def __init__(self, client: TestClient, runtime: Runtime) -> None:
        self.client = client
        self.runtime = runtime
        self.keys = {"root": ROOT_KEY}
        for name, role in (("alex", UserRole.AGENT), ("paula", UserRole.APPROVER)):
            self.keys[name] = runtime.keys.create(name, role)
        self.keys["ada"] = runtime.keys.create("ada", UserRole.ADMIN)

    def auth(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[name]}"}

    def standing(self, intent: str, decider: str) -> dict[str, Any] | None:
        answer = self.client.get("/v1/autonomy", headers=self.auth("alex"))
        assert answer.status_code == 200, answer.text
        rows = answer.json()["standings"]
        return next((r for r in rows if (r["intent"], r["decider"]) == (intent, decider)), None)

    def ingest(self, raw: bytes = ORDER_STATUS) -> str:
        result = self.runtime.pipeline.accept(raw, source="test", position="autonomy")
        assert result.message_id is not None
        return result.message_id


def _serve(settings: Any) -> Iterator[Api]:
    app = create_app(settings)
    with TestClient(app) as client:
        yield Api(client, app.state.runtime)


@pytest.fixture
def api(
    odoo_server: OdooStandin, tmp_path: Path, trained_model_dir: Path, database_url: str
) -> Iterator[Api]:
    policy = policy_file(tmp_path, new_deployment)
    settings = settings_for(
        odoo_server, tmp_path, trained_model_dir, database_url, policy=policy, api=ADMIN_KEY
    )
    yield from _serve(settings)


def new_deployment(data: dict[str, Any]) -> None:
    """Every pair starts assisted, as shipped (the workflow test policy says autonomous)."""
    data["autonomy"] = {"default": "assisted"}


def log_in(api: Api, name: str, role: UserRole) -> str:
    """Create a user, log in through the form; the session's CSRF token."""
    api.runtime.users.create(name, PASSWORD, role)
    form = {"name": name, "password": PASSWORD, "csrf": csrf(api), "next": "/queue"}
    assert api.client.post("/login", data=form, follow_redirects=False).status_code == 303
    return csrf(api, "/queue")


def csrf(api: Api, path: str = "/login") -> str:
    """The CSRF token of the page's forms."""
    found = HTMLParser(api.client.get(path).text).css_first('input[name="csrf"]')
    assert found is not None
    return str(found.attributes["value"])


def page(api: Api, path: str) -> HTMLParser:
    """A page of the review UI, parsed."""
    answer = api.client.get(path)
    assert answer.status_code == 200, (path, answer.text[:300])
    return HTMLParser(answer.text)


def _error(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert set(response.json()) == {"error"}
    assert response.json()["error"]["code"] == code


def test_every_autonomy_route_needs_a_key_or_a_session(api: Api) -> None:
    message_id = api.ingest()
    calls = [
        ("GET", "/v1/autonomy", None),
        ("GET", "/v1/spot-checks", None),
        ("PUT", "/v1/autonomy/order_status/classical", {"state": "autonomous"}),
        ("POST", f"/v1/messages/{message_id}/confirm", None),
    ]
    for method, path, body in calls:
        for headers in ({}, {"Authorization": "Bearer not-a-key"}):
            answer = api.client.request(method, path, json=body, headers=headers)
            _error(answer, 401, "unauthorized")
    assert api.standing("order_status", "classical") is None  # nothing was confirmed


@pytest.mark.parametrize("name", ["alex", "paula"])
def test_only_an_admin_may_pin(api: Api, name: str) -> None:
    path = "/v1/autonomy/order_status/classical"
    refused = api.client.put(path, json={"state": "autonomous"}, headers=api.auth(name))
    _error(refused, 403, "forbidden")
    assert api.standing("order_status", "classical") is None
    allowed = api.client.put(path, json={"state": "autonomous"}, headers=api.auth("ada"))
    assert allowed.status_code == 200, allowed.text


def test_pin_and_unpin_round_trip(api: Api) -> None:
    path = "/v1/autonomy/order_status/classical"
    pinned = api.client.put(path, json={"state": "autonomous"}, headers=api.auth("root"))
    assert pinned.status_code == 200, pinned.text
    body = pinned.json()
    assert (body["intent"], body["decider"], body["state"], body["pinned"]) == (
        "order_status",
        "classical",
        "autonomous",
        True,
    )
    assert body["changed_at"] is not None and body["change_reason"]
    listed = api.standing("order_status", "classical")
    assert listed is not None and listed["state"] == "autonomous" and listed["pinned"] is True
    assert api.runtime.autonomy.state("order_status", "classical").value == "autonomous"

    unpinned = api.client.put(path, json={"state": None}, headers=api.auth("root"))
    assert unpinned.status_code == 200, unpinned.text
    start = api.runtime.policy.current().autonomy.start_state("order_status", "classical")
    assert unpinned.json()["pinned"] is False and unpinned.json()["state"] == start.value
    listed = api.standing("order_status", "classical")
    assert listed is not None and listed["pinned"] is False and listed["state"] == start.value


def test_bad_pins_are_refused_in_the_error_shape(api: Api) -> None:
    admin = api.auth("root")
    extra = {"state": "shadow", "x": 1}
    cases = [
        ("/v1/autonomy/order_status/oracle", {"state": "shadow"}, 422, "invalid_request"),
        ("/v1/autonomy/order_status/human", {"state": "shadow"}, 422, "invalid_request"),
        ("/v1/autonomy/order_status/classical", {"state": "free"}, 422, "invalid_request"),
        ("/v1/autonomy/order_status/classical", {}, 422, "invalid_request"),
        ("/v1/autonomy/order_status/classical", extra, 422, "invalid_request"),
        ("/v1/autonomy/no_such_intent/classical", {"state": "shadow"}, 404, "not_found"),
    ]
    for path, body, status, code in cases:
        _error(api.client.put(path, json=body, headers=admin), status, code)
    assert api.client.get("/v1/autonomy", headers=admin).json() == {"standings": []}


def test_a_message_counts_once_however_often_it_is_confirmed(api: Api) -> None:
    message_id = api.ingest()
    signal = api.runtime.store.signal(message_id)
    assert signal is not None
    intent, decider = signal.intent, signal.decided_by.value
    path = f"/v1/messages/{message_id}/confirm"
    first = api.client.post(path, headers=api.auth("alex"))
    assert first.status_code == 200, first.text
    assert first.json() == {
        "message_id": message_id,
        "intent": intent,
        "decider": decider,
        "confirmed_by": "key:alex",
    }
    for name in ("alex", "paula"):
        assert api.client.post(path, headers=api.auth(name)).status_code == 200
    standing = api.standing(intent, decider)
    assert standing is not None
    assert (standing["n"], standing["correct"], standing["precision"]) == (1, 1, 1.0)
    assert 0 < standing["lower_bound"] < 1
    _error(api.client.post("/v1/messages/nope/confirm", headers=api.auth("alex")), 404, "not_found")


def test_a_session_may_read_and_confirm_but_writes_need_its_csrf_token(api: Api) -> None:
    message_id = api.ingest()
    token = log_in(api, "alex", UserRole.AGENT)
    assert api.client.get("/v1/autonomy").status_code == 200
    assert api.client.get("/v1/spot-checks").json() == {"spot_checks": []}
    path = f"/v1/messages/{message_id}/confirm"
    _error(api.client.post(path), 403, "forbidden")
    confirmed = api.client.post(path, headers={"X-CSRF-Token": token})
    assert confirmed.status_code == 200 and confirmed.json()["confirmed_by"] == "user:alex"
    pin = api.client.put(
        "/v1/autonomy/order_status/classical",
        json={"state": "shadow"},
        headers={"X-CSRF-Token": token},
    )
    _error(pin, 403, "forbidden")  # an agent's session


def routed_alone(tmp_path: Path, share: float) -> Path:
    """A policy where order_status mail is handled alone; `share` of it goes to spot checks."""

    def edit(data: dict[str, Any]) -> None:
        start = {"order_status": "autonomous"}
        data["autonomy"] = {"default": "assisted", "start": start, "spot_check_share": share}

    return policy_file(tmp_path, edit)


@pytest.fixture
def spot_api(odoo_server: OdooStandin, tmp_path: Path, trained_model_dir: Path) -> Iterator[Api]:
    policy = routed_alone(tmp_path, 1.0)
    settings = settings_for(odoo_server, tmp_path, trained_model_dir, policy=policy, api=ADMIN_KEY)
    yield from _serve(settings)


def test_mail_routed_alone_lands_in_the_spot_checks_until_confirmed(spot_api: Api) -> None:
    message_id = spot_api.ingest()
    signal = spot_api.runtime.store.signal(message_id)
    assert signal is not None and signal.intent == "order_status"
    listed = spot_api.client.get("/v1/spot-checks", headers=spot_api.auth("alex")).json()
    assert [c["message_id"] for c in listed["spot_checks"]] == [message_id]
    assert listed["spot_checks"][0]["done"] is False
    path = f"/v1/messages/{message_id}/confirm"
    assert spot_api.client.post(path, headers=spot_api.auth("alex")).status_code == 200
    pending = spot_api.client.get("/v1/spot-checks", headers=spot_api.auth("alex")).json()
    assert pending == {"spot_checks": []}
    everything = spot_api.client.get("/v1/spot-checks?pending=false", headers=spot_api.auth("alex"))
    assert [c["done"] for c in everything.json()["spot_checks"]] == [True]


def test_the_cli_prints_the_table_and_pins(
    cli_data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # one table row per line
    runner = CliRunner()
    pinned = runner.invoke(
        cli_app, ["autonomy", "pin", "order_status", "llm", "shadow", "--actor", "olga"]
    )
    assert pinned.exit_code == 0, pinned.output
    assert "order_status/llm pinned shadow" in pinned.stdout
    table = runner.invoke(cli_app, ["autonomy"])
    assert table.exit_code == 0, table.output
    row = next(line for line in table.stdout.splitlines() if "order_status" in line)
    assert "llm" in row and "shadow (pinned)" in row
    with opened_runtime(get_settings()) as runtime:
        (standing,) = runtime.autonomy.standings()
    assert standing.pinned and "cli:olga" in standing.change_reason
    unpinned = runner.invoke(cli_app, ["autonomy", "unpin", "order_status", "llm"])
    assert unpinned.exit_code == 0, unpinned.output
    assert "order_status/llm unpinned: now" in unpinned.stdout
    assert "(pinned)" not in runner.invoke(cli_app, ["autonomy"]).stdout
    bad = runner.invoke(cli_app, ["autonomy", "pin", "order_status", "oracle", "shadow"])
    assert bad.exit_code != 0


def test_the_confirm_button_counts_and_shows_who_confirmed(api: Api) -> None:
    message_id = api.ingest()
    signal = api.runtime.store.signal(message_id)
    assert signal is not None
    token = log_in(api, "alex", UserRole.AGENT)
    before = page(api, f"/messages/{message_id}")
    form = before.css_first(f'form.confirm[action="/messages/{message_id}/confirm"]')
    assert form is not None and form.css_first("button").text() == "Confirm"
    assert before.css_first(".confirmation") is None
    path = f"/messages/{message_id}/confirm"
    assert api.client.post(path, data={"csrf": "forged"}).status_code == 403
    done = api.client.post(path, data={"csrf": token}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith(path[:-8])
    after = page(api, f"/messages/{message_id}")
    assert after.css_first(".confirmation").text().startswith("Confirmed by alex on ")
    counted = f"(counted toward {signal.decided_by.value}'s precision)"
    assert after.css_first(".confirmation .counted").text() == counted
    row = page(api, "/dashboard").css_first(
        f'table.autonomy tr[data-intent="{signal.intent}"]'
        f'[data-decider="{signal.decided_by.value}"]'
    )
    assert row is not None
    assert (row.css_first("td.n").text(), row.css_first("td.precision").text()) == ("1", "100.0%")
    assert row.css_first("form.pin") is None  # an agent may not pin


def test_the_dashboard_replaces_the_corrections_claim_with_the_live_table(api: Api) -> None:
    log_in(api, "alex", UserRole.AGENT)
    board = page(api, "/dashboard")
    assert "earned automation" not in board.text()
    assert board.css_first("table.precision") is None
    assert board.css_first("table.autonomy tbody td.empty") is not None
    policy = api.runtime.policy.current().autonomy
    words = board.css_first("#autonomy p").text()
    assert f"{policy.min_decisions} reviewed decisions" in words
    model = board.css_first("#model").text()
    classical = api.runtime.cascade.classical
    assert classical is not None and classical.version in model
    assert "no gated training yet" in model
    assert f"last {policy.window_days} days" in words
    assert board.css_first('nav a[href="/spot-checks"]') is not None


def test_an_admin_pins_and_unpins_from_the_dashboard(api: Api) -> None:
    token = log_in(api, "ada", UserRole.ADMIN)
    form = {"csrf": token, "intent": "order_status", "decider": "rules", "state": "autonomous"}
    pinned = api.client.post("/autonomy/pin", data=form, follow_redirects=False)
    assert pinned.status_code == 303 and pinned.headers["location"] == "/dashboard#autonomy"
    row = page(api, "/dashboard").css_first("tr#autonomy-order_status-rules")
    assert row is not None and row.css_first(".autonomy-state").text() == "autonomous"
    assert row.css_first(".pinned") is not None and row.css_first("form.unpin") is not None
    unpin = {**form, "state": ""}
    assert api.client.post("/autonomy/pin", data=unpin, follow_redirects=False).status_code == 303
    row = page(api, "/dashboard").css_first("tr#autonomy-order_status-rules")
    assert row is not None and row.css_first(".pinned") is None
    for bad, status in (({"decider": "oracle"}, 422), ({"intent": "nothing"}, 404)):
        assert api.client.post("/autonomy/pin", data={**form, **bad}).status_code == status


def test_an_agent_may_not_pin_from_the_ui(api: Api) -> None:
    token = log_in(api, "alex", UserRole.AGENT)
    form = {"csrf": token, "intent": "order_status", "decider": "rules", "state": "autonomous"}
    assert api.client.post("/autonomy/pin", data=form).status_code == 403
    assert api.standing("order_status", "rules") is None


def test_the_spot_check_page_links_each_picked_mail(spot_api: Api) -> None:
    message_id = spot_api.ingest()
    token = log_in(spot_api, "alex", UserRole.AGENT)
    rows = page(spot_api, "/spot-checks").css("table.spot-checks tbody tr[id^=spot-]")
    assert [r.css_first("a").attributes["href"] for r in rows] == [f"/messages/{message_id}"]
    path = f"/messages/{message_id}/confirm"
    assert spot_api.client.post(path, data={"csrf": token}).status_code == 200
    assert page(spot_api, "/spot-checks").css("table.spot-checks tbody tr[id^=spot-]") == []
    done = page(spot_api, "/spot-checks?done=true").css("table.spot-checks tbody tr[id^=spot-]")
    assert len(done) == 1 and "checked" in done[0].css_first(".state").text()


def test_a_confirmation_of_mail_handled_alone_is_shown_but_not_counted(
    odoo_server: OdooStandin, tmp_path: Path, trained_model_dir: Path
) -> None:
    policy = routed_alone(tmp_path, 0.0)
    settings = settings_for(odoo_server, tmp_path, trained_model_dir, policy=policy, api=ADMIN_KEY)
    for api in _serve(settings):
        message_id = api.ingest()
        signal = api.runtime.store.signal(message_id)
        assert signal is not None and signal.intent == "order_status"
        token = log_in(api, "alex", UserRole.AGENT)
        path = f"/messages/{message_id}/confirm"
        assert api.client.post(path, data={"csrf": token}).status_code == 200
        shown = page(api, f"/messages/{message_id}").css_first(".confirmation .counted")
        assert shown is not None and shown.text().startswith("(not counted")
        assert api.standing(signal.intent, signal.decided_by.value) is None
        assert page(api, "/spot-checks").css("table.spot-checks tbody tr[id^=spot-]") == []
