"""The classify API: auth, the error shape, payload limits, batch, raw mail, taxonomy, metrics."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from tests.conftest import FIXTURES
from triage.config import ClassifySettings, Settings

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def client(module_database_url: str, trained_model_dir: Path) -> Iterator[TestClient]:
    settings = Settings(
        database_url=module_database_url,
        data_dir=trained_model_dir.parent,
        classify=ClassifySettings(model_dir=trained_model_dir),
    )
    app = create_app(settings)
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def auth(client: TestClient) -> Iterator[dict[str, str]]:
    keys = client.app.state.runtime.keys  # type: ignore[attr-defined]
    name = f"tests-{uuid.uuid4().hex[:8]}"
    yield {"Authorization": f"Bearer {keys.create(name)}"}
    keys.revoke(name)


def _error(response: object, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"error"} and body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]  # type: ignore[no-any-return]


def test_classify_the_acceptance_sentence(client: TestClient, auth: dict[str, str]) -> None:
    text = "Where is my order S00042? It was due yesterday."
    response = client.post("/v1/classify", json={"text": text}, headers=auth)
    assert response.status_code == 200, response.text
    signal = response.json()
    assert signal["intents"][0]["intent"] in ("order_status", "delivery_problem")
    assert ("sale_order", "S00042") in {(e["kind"], e["value"]) for e in signal["entities"]}
    assert signal["urgency"] in ("normal", "high", "critical")
    assert [s["stage"] for s in signal["stages"]][:2] == ["rules", "classical"]


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic abc"}]
)
def test_every_v1_route_needs_a_valid_key(client: TestClient, headers: dict[str, str]) -> None:
    for method, path in [
        ("post", "/v1/classify"),
        ("post", "/v1/classify/batch"),
        ("post", "/v1/classify/eml"),
        ("get", "/v1/taxonomy"),
        ("get", "/v1/status"),
        ("get", "/metrics"),
    ]:
        response = getattr(client, method)(path, headers=headers)
        _error(response, 401, "unauthorized")
        assert response.headers["www-authenticate"] == "Bearer"


def test_revoked_key_is_refused(client: TestClient) -> None:
    keys = client.app.state.runtime.keys  # type: ignore[attr-defined]
    key = keys.create("to-revoke")
    assert client.get("/v1/taxonomy", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    keys.revoke("to-revoke")
    response = client.get("/v1/taxonomy", headers={"Authorization": f"Bearer {key}"})
    _error(response, 401, "unauthorized")


def test_health_needs_no_key(client: TestClient, auth: dict[str, str]) -> None:
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").json() == {"status": "ready"}
    _error(client.get("/v1/status"), 401, "unauthorized")
    details = client.get("/v1/status", headers=auth).json()
    assert details["status"] == "ready" and details["model"] != "missing"


def test_wrong_types_get_the_standard_422(client: TestClient, auth: dict[str, str]) -> None:
    error = _error(
        client.post("/v1/classify", json={"text": 42, "extra": 1}, headers=auth),
        422,
        "invalid_request",
    )
    assert {tuple(d["loc"]) for d in error["details"]} >= {("body", "text"), ("body", "extra")}  # type: ignore[index, union-attr]
    _error(client.post("/v1/classify", content=b"not json", headers=auth), 422, "invalid_request")
    _error(
        client.post("/v1/classify", json={"text": "x", "from": "no-at-sign"}, headers=auth),
        422,
        "invalid_request",
    )


def test_huge_text_is_refused_before_parsing(client: TestClient, auth: dict[str, str]) -> None:
    huge = {"text": "a" * (30 * 1024 * 1024)}
    _error(client.post("/v1/classify", json=huge, headers=auth), 413, "payload_too_large")
    long = {"text": "word " * 50_000}
    _error(client.post("/v1/classify", json=long, headers=auth), 422, "invalid_request")


def test_odd_texts_give_valid_signals(client: TestClient, auth: dict[str, str]) -> None:
    for text in [
        "",
        "   ",
        "\x00\x01\x02",
        "ééé ñññ 日本語のテキスト",
        "<html><body><p>Where is S00042?</p>",
    ]:
        response = client.post("/v1/classify", json={"text": text}, headers=auth)
        assert response.status_code == 200, (text, response.text)
    empty = client.post("/v1/classify", json={"text": ""}, headers=auth).json()
    assert empty["intents"][0]["intent"] == "other" and empty["needs_review"]


def test_batch_keeps_order_and_limits_size(client: TestClient, auth: dict[str, str]) -> None:
    items = [
        {"text": "Please cancel order S00042"},
        {"text": "Could you send me a copy of the invoice for my last order?"},
    ]
    response = client.post("/v1/classify/batch", json={"items": items}, headers=auth)
    assert response.status_code == 200
    signals = response.json()["signals"]
    assert [s["intents"][0]["intent"] for s in signals] == ["order_cancel", "invoice_request"]
    too_many = {"items": [{"text": "hi"}] * 1001}
    _error(client.post("/v1/classify/batch", json=too_many, headers=auth), 413, "payload_too_large")


def test_raw_mail_is_parsed_and_classified(client: TestClient, auth: dict[str, str]) -> None:
    raw = (FIXTURES / "dsn_bounce.eml").read_bytes()
    response = client.post("/v1/classify/eml", content=raw, headers=auth)
    assert response.status_code == 200
    assert response.json()["intents"][0]["intent"] == "bounce"
    assert response.json()["decided_by"] == "rules"
    _error(client.post("/v1/classify/eml", content=b"", headers=auth), 422, "invalid_request")


def test_concurrent_requests_each_get_their_own_answer(
    client: TestClient, auth: dict[str, str]
) -> None:
    """Requests classified together in micro-batches come back to their own callers."""
    refs = [f"S{n:05d}" for n in range(100, 140)]

    def ask(ref: str) -> tuple[str, set[str], str]:
        if ref.endswith("7"):  # some as raw mail, batched with the JSON texts
            raw = f"From: a@example.com\nSubject: {ref}\n\nWhere is order {ref}?\n".encode()
            response = client.post("/v1/classify/eml", content=raw, headers=auth)
        else:
            text = {"text": f"Hello, when will order {ref} ship? Thanks"}
            response = client.post("/v1/classify", json=text, headers=auth)
        assert response.status_code == 200, response.text
        signal = response.json()
        found = {e["value"] for e in signal["entities"] if e["kind"] == "sale_order"}
        return ref, found, signal["intents"][0]["intent"]

    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(ask, refs))
    assert [found for _, found, _ in answers] == [{ref} for ref in refs]
    assert {intent for _, _, intent in answers} <= {"order_status", "delivery_problem"}


def test_taxonomy_and_metrics(client: TestClient, auth: dict[str, str]) -> None:
    taxonomy = client.get("/v1/taxonomy", headers=auth).json()
    names = {i["name"] for i in taxonomy["intents"]}
    assert {"order_status", "supplier_delay", "spam", "other"} <= names
    client.post("/v1/classify", json={"text": "Where is my order?"}, headers=auth)
    metrics = client.get("/metrics", headers=auth).text
    assert 'triage_http_requests_total{route="/v1/classify",status="200"}' in metrics
    assert "triage_decisions_total" in metrics
    assert "triage_http_request_seconds_bucket" in metrics


def test_unknown_route_uses_the_error_shape(client: TestClient) -> None:
    _error(client.get("/nope"), 404, "not_found")


def test_no_unauthenticated_documentation(client: TestClient) -> None:
    for path in ("/docs", "/redoc", "/openapi.json"):
        assert client.get(path).status_code == 404


def test_hostile_raw_mail(client: TestClient, auth: dict[str, str]) -> None:
    as_json = client.post("/v1/classify/eml", json={"text": "hi"}, headers=auth)
    _error(as_json, 415, "unsupported_media_type")
    garbage = client.post("/v1/classify/eml", content=bytes(range(256)) * 4, headers=auth)
    _error(garbage, 422, "invalid_request")
    odd = b"From: a@b.example\nContent-Type: text/plain; charset=undefined\n\nK\xc3\xb6ln\n"
    assert client.post("/v1/classify/eml", content=odd, headers=auth).status_code == 200


def test_streamed_body_over_the_limit_is_413(client: TestClient, auth: dict[str, str]) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"text": "'
        for _ in range(7):
            yield b"a" * (1024 * 1024)
        yield b'"}'

    response = client.post(
        "/v1/classify", content=chunks(), headers=auth | {"Content-Type": "application/json"}
    )
    _error(response, 413, "payload_too_large")
    six_mb = {"text": "a" * (6 * 1024 * 1024)}
    _error(client.post("/v1/classify", json=six_mb, headers=auth), 413, "payload_too_large")


def test_configured_bootstrap_key(module_database_url: str, trained_model_dir: Path) -> None:
    settings = Settings(
        database_url=module_database_url,
        data_dir=trained_model_dir.parent,
        classify=ClassifySettings(model_dir=trained_model_dir),
        api={"api_key": "a-long-bootstrap-key-from-the-environment"},
    )
    with TestClient(create_app(settings)) as client:
        good = {"Authorization": "Bearer a-long-bootstrap-key-from-the-environment"}
        assert client.get("/v1/taxonomy", headers=good).status_code == 200
        bad = {"Authorization": "Bearer a-long-bootstrap-key-from-the-environmenT"}
        _error(client.get("/v1/taxonomy", headers=bad), 401, "unauthorized")
