"""Login hardening on SQLite and PostgreSQL: throttling and locks with one answer, sessions
kept in the database (ended by logout, a new password or a new role), Secure cookies and HTTPS
in production, and the bound on concurrent password hashes."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from sqlalchemy import Engine
from typer.testing import CliRunner

from api.app import create_app
from api.ui.pages import LOGIN_REFUSED
from models import UserRole
from triage.cli import app as cli
from triage.config import ClassifySettings, Settings, WorkerSettings, get_settings
from triage.errors import ConfigurationError
from triage.runtime import Runtime
from triage.store import make_sessionmaker
from triage.store.login_sessions import LoginSessions
from triage.store.users import BoundedHasher, UserStore

pytestmark = pytest.mark.integration
PASSWORD = "correct-horse-battery"
SECRETS = {"api_key": "login-test-key-0123456789", "session_secret": "s" * 40}
# Generous defaults so only the rule under test trips; a long delay never runs out mid-test.
LOGIN = {
    "account": {"free": 5, "lock_after": 50},
    "address": {"free": 50, "lock_after": 100},
    "delay_base_seconds": 600,
    "lock_seconds": 900,
}


class Browser:
    """A TestClient that logs in through the form."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def csrf(self, path: str = "/login") -> str:
        found = HTMLParser(self.client.get(path).text).css_first('input[name="csrf"]')
        assert found is not None
        return str(found.attributes["value"])

    def login(self, name: str, password: str = PASSWORD) -> Any:
        form = {"name": name, "password": password, "csrf": self.csrf(), "next": "/queue"}
        return self.client.post("/login", data=form, follow_redirects=False)

    def status(self, path: str = "/queue") -> int:
        return self.client.get(path, follow_redirects=False).status_code


def settings(database_url: str, folder: Path, model_dir: Path, **values: Any) -> Settings:
    """Settings for a small app: no worker, the trained model, the login rules given."""
    api = {**SECRETS, **values.pop("api", {})}
    api["login"] = {**LOGIN, **api.get("login", {})}
    return Settings(
        database_url=database_url,
        data_dir=folder,
        classify=ClassifySettings(model_dir=model_dir),
        worker=WorkerSettings(enabled=False),
        api=api,
        **values,
    )


@pytest.fixture
def make_ui(database_url: str, tmp_path: Path, trained_model_dir: Path) -> Iterator[Any]:
    """Build an app with given settings and users alex (agent) and paula (approver)."""
    clients: list[TestClient] = []

    def build(**values: Any) -> tuple[Browser, Runtime]:
        app = create_app(settings(database_url, tmp_path, trained_model_dir, **values))
        runtime: Runtime = app.state.runtime
        if not runtime.users.count():
            runtime.users.create("alex", PASSWORD, UserRole.AGENT)
            runtime.users.create("paula", PASSWORD, UserRole.APPROVER)
        client = TestClient(app).__enter__()
        clients.append(client)
        return Browser(client), runtime

    yield build
    for client in clients:
        client.__exit__(None, None, None)


def refusal(response: Any) -> str:
    found = HTMLParser(response.text).css_first("p.error")
    assert found is not None
    return found.text()


def test_failures_bring_a_delay_with_the_same_answer(make_ui: Any) -> None:
    browser, _ = make_ui(api={"login": {"account": {"free": 1, "lock_after": 10}}})
    wrong = browser.login("alex", "wrong-password")
    assert wrong.status_code == 401 and refusal(wrong) == LOGIN_REFUSED
    delayed = browser.login("alex")  # the right password, but too soon
    assert delayed.status_code == 429 and refusal(delayed) == LOGIN_REFUSED
    assert 1 <= int(delayed.headers["retry-after"]) <= 600
    assert browser.status() == 303
    assert browser.login("paula").status_code == 303  # another account is not held up


def test_the_lock_refuses_even_the_right_password(make_ui: Any) -> None:
    browser, _ = make_ui(api={"login": {"account": {"free": 3, "lock_after": 3}}})
    answers = [browser.login(name, "wrong-password") for name in ("alex",) * 3 + ("nobody",) * 3]
    assert [a.status_code for a in answers] == [401] * 6
    assert {refusal(a) for a in answers} == {LOGIN_REFUSED}
    locked = browser.login("alex")
    assert locked.status_code == 429 and refusal(locked) == LOGIN_REFUSED
    assert 1 <= int(locked.headers["retry-after"]) <= 900
    # An unknown name locks just like a real one: the page is the same, byte for byte.
    unknown = browser.login("nobody")
    assert unknown.status_code == 429 and unknown.text == locked.text
    assert browser.status() == 303
    assert browser.login(" ALEX ").status_code == 429  # one account however it is typed


def test_one_address_trying_many_accounts_is_locked(make_ui: Any) -> None:
    browser, _ = make_ui(api={"login": {"address": {"free": 3, "lock_after": 3}}})
    for name in ("a-name", "b-name", "c-name"):
        assert browser.login(name, "wrong-password").status_code == 401
    refused = browser.login("alex")
    assert refused.status_code == 429 and refusal(refused) == LOGIN_REFUSED


def test_a_right_password_clears_the_account_failures(make_ui: Any) -> None:
    browser, _ = make_ui(api={"login": {"account": {"free": 4, "lock_after": 4}}})
    for _ in range(3):
        assert browser.login("alex", "wrong-password").status_code == 401
    assert browser.login("alex").status_code == 303
    for _ in range(3):
        assert browser.login("alex", "wrong-password").status_code == 401
    assert browser.login("alex").status_code == 303  # 6 failures, but never 4 in a row


def test_a_cookie_replayed_after_logout_is_refused(make_ui: Any) -> None:
    browser, _ = make_ui()
    assert browser.login("alex").status_code == 303
    copied = browser.client.cookies.get("triage_session")
    assert copied and browser.status() == 200
    browser.client.post("/logout", data={"csrf": browser.csrf("/queue")})
    assert browser.status() == 303
    browser.client.cookies.set("triage_session", copied)
    assert browser.status() == 303
    again = browser.client.post("/logout", data={"csrf": browser.csrf()}, follow_redirects=False)
    assert again.status_code == 303  # ending an ended session is fine


def test_a_new_password_ends_that_users_sessions(make_ui: Any) -> None:
    alex, runtime = make_ui()
    paula, _ = make_ui()
    assert alex.login("alex").status_code == 303 and paula.login("paula").status_code == 303
    runtime.users.set_password("alex", "another-long-password")
    assert alex.status() == 303
    assert paula.status() == 200  # only alex's sessions end
    assert alex.login("alex").status_code == 401
    assert alex.login("alex", "another-long-password").status_code == 303


def test_a_new_role_from_the_cli_ends_that_users_sessions(
    make_ui: Any, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    browser, runtime = make_ui()
    assert browser.login("alex").status_code == 303 and browser.status("/approvals") == 200
    monkeypatch.setenv("TRIAGE_DATABASE_URL", database_url)
    monkeypatch.setenv("TRIAGE_DATA_DIR", str(tmp_path / "cli"))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["user", "role", "alex", "approver"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert browser.status() == 303
    assert browser.login("alex").status_code == 303
    again = runtime.users.get("alex")
    assert again is not None and again.role is UserRole.APPROVER


def test_production_cookies_are_secure_and_development_ones_are_not(make_ui: Any) -> None:
    production, _ = make_ui(environment="production", review_url="https://triage.example")
    header = production.login("alex").headers["set-cookie"].lower()
    assert "secure" in header and "httponly" in header
    development, _ = make_ui()
    assert "secure" not in development.login("alex").headers["set-cookie"].lower()


def test_production_refuses_plain_http_unless_behind_a_declared_proxy() -> None:
    with pytest.raises(ConfigurationError, match="HTTPS"):
        Settings(environment="production", api=SECRETS, review_url="http://triage.example")
    assert Settings(environment="production", api=SECRETS, review_url="https://triage.example")
    assert Settings(environment="production", api={**SECRETS, "behind_proxy": True})


class CountingHasher(PasswordHasher):
    """A real argon2 hasher that records how many checks ran at once."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8 * 1024, parallelism=1)
        self.inside = 0
        self.peak = 0
        self._changed = threading.Condition()

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        with self._changed:
            self.inside += 1
            self.peak = max(self.peak, self.inside)
            self._changed.notify_all()
            # Hold on a little so that, were there no bound, a third check would get in.
            self._changed.wait_for(lambda: self.inside > 2, timeout=0.2)
        try:
            return super().verify(hash, password)
        finally:
            with self._changed:
                self.inside -= 1
                self._changed.notify_all()


def test_concurrent_logins_stay_within_the_hash_bound(engine: Engine) -> None:
    counting = CountingHasher()
    users = UserStore(make_sessionmaker(engine), BoundedHasher(2, counting))
    users.create("alex", PASSWORD, UserRole.AGENT)
    attempts = [PASSWORD if i % 2 else "wrong-password" for i in range(16)]
    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(lambda p: users.authenticate("alex", p), attempts))
    assert sum(r is not None for r in results) == 8
    assert counting.peak == 2


def test_sessions_start_only_on_the_checked_password_and_end_once(engine: Engine) -> None:
    sessions = make_sessionmaker(engine)
    users = UserStore(sessions, BoundedHasher(2))
    logins = LoginSessions(sessions, hours=1)
    users.create("alex", PASSWORD, UserRole.AGENT)
    checked = users.check("alex", PASSWORD)
    assert checked is not None
    users.set_password("alex", "changed-meanwhile")
    assert logins.start(checked) is None  # the password changed after the check: no session
    fresh = users.check("alex", "changed-meanwhile")
    assert fresh is not None
    session_id = logins.start(fresh)
    assert session_id and logins.user_for(session_id) == fresh.user
    with ThreadPoolExecutor(8) as pool:
        ended = list(pool.map(lambda _: logins.end(session_id), range(8)))
    assert ended.count(True) == 1
    assert logins.user_for(session_id) is None and not logins.end(session_id)
