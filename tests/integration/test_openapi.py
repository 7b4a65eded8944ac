"""The published API description: behind a key or a session, one error model that matches the
bodies the server really sends, examples that validate, security on every protected operation,
and the reference page rendered from it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from api.app import create_app
from models import UserRole
from tests.conftest import FIXTURES
from tests.integration.openapi_support import errors_against, examples, response_schema
from tests.integration.workflow_support import model_settings

pytestmark = pytest.mark.integration
PASSWORD = "correct-horse-battery"
OPEN = {("get", "/healthz"), ("get", "/readyz")}
ERROR_MODEL = "#/components/schemas/ErrorResponse"
PLACEHOLDERS = {
    "{message_id}": "nope",
    "{action_id}": "1",
    "{intent}": "other",
    "{decider}": "rules",
}


@pytest.fixture(scope="module")
def client(
    tmp_path_factory: pytest.TempPathFactory, trained_model_dir: Path
) -> Iterator[TestClient]:
    folder = tmp_path_factory.mktemp("openapi")
    settings = model_settings(f"sqlite:///{folder / 'triage.db'}", folder, trained_model_dir)
    app = create_app(settings)
    app.state.runtime.users.create("rita", PASSWORD, UserRole.AGENT)
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def auth(client: TestClient) -> dict[str, str]:
    keys = client.app.state.runtime.keys  # type: ignore[attr-defined]
    return {"Authorization": f"Bearer {keys.create(f'openapi-{uuid.uuid4().hex[:8]}')}"}


@pytest.fixture(scope="module")
def document(client: TestClient, auth: dict[str, str]) -> dict[str, Any]:
    response = client.get("/v1/openapi.json", headers=auth)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, op in item.items():
            yield method, path, op


def _concrete(path: str) -> str:
    for name, value in PLACEHOLDERS.items():
        path = path.replace(name, value)
    return path


def _log_in(client: TestClient) -> None:
    page = HTMLParser(client.get("/login").text).css_first('input[name="csrf"]')
    assert page is not None
    form = {"name": "rita", "password": PASSWORD, "csrf": str(page.attributes["value"])}
    assert client.post("/login", data=form, follow_redirects=False).status_code == 303


def test_the_schema_needs_a_key_or_a_session(client: TestClient, auth: dict[str, str]) -> None:
    refused = client.get("/v1/openapi.json")
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "unauthorized"
    assert (
        client.get("/v1/openapi.json", headers={"Authorization": "Bearer wrong"}).status_code == 401
    )
    for path in ("/openapi.json", "/docs", "/redoc", "/docs/oauth2-redirect"):
        assert client.get(path, headers=auth).status_code == 404, path
    _log_in(client)
    try:
        assert client.get("/v1/openapi.json").json()["openapi"].startswith("3.1")
    finally:
        client.cookies.clear()


def test_the_description_says_how_to_authenticate(document: dict[str, Any]) -> None:
    info = document["info"]
    assert info["title"] == "triage" and info["version"]
    assert "Authorization: Bearer" in info["description"]
    schemes = document["components"]["securitySchemes"]
    assert schemes["apiKey"] == schemes["apiKey"] | {"type": "http", "scheme": "bearer"}
    assert schemes["session"] | {"in": "cookie"} == schemes["session"]


def test_every_protected_operation_declares_its_security_and_means_it(
    client: TestClient, document: dict[str, Any]
) -> None:
    declared = set()
    for method, path, op in _operations(document):
        if (method, path) in OPEN:
            assert "security" not in op
            assert getattr(client, method)(path).status_code in (200, 503)
            continue
        declared.add((method, path))
        assert op["security"][0] == {"apiKey": []}, (method, path)
        answer = client.request(method.upper(), _concrete(path))
        assert answer.status_code == 401, (method, path, answer.text)
        assert "401" in op["responses"], (method, path)
    assert len(declared) >= 15


def test_every_error_answer_uses_the_one_error_model(document: dict[str, Any]) -> None:
    for method, path, op in _operations(document):
        for status, response in op["responses"].items():
            if (
                int(status) < 400
                or (method, path) in OPEN
                or path == "/v1/status"
                and status == "503"
            ):
                continue
            schema = response["content"]["application/json"]["schema"]
            assert schema == {"$ref": ERROR_MODEL}, (method, path, status)
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_real_error_bodies_match_the_error_model(
    client: TestClient, auth: dict[str, str], document: dict[str, Any]
) -> None:
    eml = FIXTURES / "gmail_reply.eml"
    answers = [
        ("post", "/v1/classify", client.post("/v1/classify", json={"text": "x"}), 401),
        ("post", "/v1/classify", client.post("/v1/classify", json={"txt": 1}, headers=auth), 422),
        ("get", "/v1/messages/{message_id}", client.get("/v1/messages/nope", headers=auth), 404),
        (
            "post",
            "/v1/classify/eml",
            client.post("/v1/classify/eml", json={"raw": eml.name}, headers=auth),
            415,
        ),
        (
            "post",
            "/v1/classify",
            client.post("/v1/classify", content=b"x" * (6 * 1024 * 1024), headers=auth),
            413,
        ),
        ("get", "/v1/actions", client.get("/v1/actions?state=bogus", headers=auth), 422),
    ]
    for method, path, answer, status in answers:
        assert answer.status_code == status, (path, answer.text)
        at = response_schema(path, method, status)
        assert errors_against(document, at, answer.json()) == [], (path, status)
    details = answers[1][2].json()["error"]["details"]
    assert {tuple(d["loc"]) for d in details} >= {("body", "text"), ("body", "txt")}


def test_the_error_model_refuses_other_shapes(document: dict[str, Any]) -> None:
    at = response_schema("/v1/classify", "post", 422)
    assert errors_against(document, at, {"detail": [{"loc": ["body"], "msg": "x"}]})
    assert errors_against(document, at, {"error": {"code": "x"}})


def test_every_example_is_valid_against_its_schema(document: dict[str, Any]) -> None:
    found = list(examples(document))
    where = {w for w, _, _ in found}
    assert {"schema ClassifyRequest", "POST /v1/classify 200", "GET /v1/taxonomy 200"} <= where
    assert "POST /v1/classify/eml request message/rfc822" in where
    assert len(found) >= 40
    for place, at, example in found:
        assert errors_against(document, at, example) == [], place


def test_real_answers_match_their_schemas(
    client: TestClient, auth: dict[str, str], document: dict[str, Any]
) -> None:
    text = {"text": "Where is my order S00042? It was due yesterday.", "from": "a@b.example"}
    raw = (FIXTURES / "gmail_reply.eml").read_bytes()
    answers = [
        ("post", "/v1/classify", client.post("/v1/classify", json=text, headers=auth)),
        (
            "post",
            "/v1/classify/batch",
            client.post("/v1/classify/batch", json={"items": [text, text]}, headers=auth),
        ),
        (
            "post",
            "/v1/classify/eml",
            client.post(
                "/v1/classify/eml", content=raw, headers=auth | {"content-type": "message/rfc822"}
            ),
        ),
        ("get", "/v1/taxonomy", client.get("/v1/taxonomy", headers=auth)),
        ("get", "/v1/status", client.get("/v1/status", headers=auth)),
        ("get", "/readyz", client.get("/readyz")),
    ]
    for method, path, answer in answers:
        assert answer.status_code == 200, (path, answer.text)
        at = response_schema(path, method, 200)
        assert errors_against(document, at, answer.json()) == [], path


def test_the_reference_page_shows_every_operation(
    client: TestClient, auth: dict[str, str], document: dict[str, Any]
) -> None:
    refused = client.get("/v1/reference", follow_redirects=False)
    assert refused.status_code == 303
    assert refused.headers["location"] == "/login?next=/v1/reference"
    _log_in(client)
    try:
        page = client.get("/v1/reference")
    finally:
        client.cookies.clear()
    assert (
        page.status_code == 200 and "script-src 'self'" in page.headers["content-security-policy"]
    )
    html = HTMLParser(page.text)
    shown = {
        (str(s.attributes["data-method"]).lower(), str(s.attributes["data-path"]))
        for s in html.css("section.operation")
    }
    assert shown == {(m, p) for m, p, _ in _operations(document)}
    classify = html.css_first('section.operation[data-path="/v1/classify"]')
    assert classify is not None
    assert {td.text() for td in classify.css("table.body-fields td:first-child")} >= {
        "text",
        "from",
    }
    assert {
        tr.attributes["data-status"] for tr in classify.css("table.responses tr[data-status]")
    } == set(document["paths"]["/v1/classify"]["post"]["responses"])
    assert html.css_first("#schema-ErrorResponse") is not None
    assert html.css_first('a[href="/v1/openapi.json"]') is not None
    assert not html.css('script[src^="http"], link[href^="http"]')


def test_a_key_reads_the_reference_without_a_session(
    client: TestClient, auth: dict[str, str]
) -> None:
    page = client.get("/v1/reference", headers=auth)
    assert page.status_code == 200 and "set-cookie" not in page.headers
    assert HTMLParser(page.text).css_first("#op-classify") is not None
