"""The HTTP app: health, readiness and the JSON error shape."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from triage.config import ClassifySettings, Settings
from triage.errors import StoreError
from triage.store import make_engine

pytestmark = pytest.mark.integration
API = {"api_key": "status-test-key-0123456789"}
AUTH = {"Authorization": f"Bearer {API['api_key']}"}


@pytest.fixture
def app(database_url: str, tmp_path: Path, trained_model_dir: Path) -> FastAPI:
    classify = ClassifySettings(model_dir=trained_model_dir)
    return create_app(
        Settings(database_url=database_url, data_dir=tmp_path, classify=classify, api=API)
    )


def test_health_and_readiness(app: FastAPI) -> None:
    model = app.state.runtime.cascade.classical.version
    with TestClient(app) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json() == {"status": "ready"}
        status = client.get("/v1/status", headers=AUTH)
        assert status.status_code == 200
        assert status.json() == {
            "status": "ready",
            "database": "ok",
            "messages": 0,
            "model": model,
            "mailboxes": {},
        }


def test_public_readiness_tells_nothing_but_ready_or_not(app: FastAPI) -> None:
    with TestClient(app) as client:
        assert client.get("/readyz").json() == {"status": "ready"}
        for headers in ({}, {"Authorization": "Bearer not-a-key"}):
            refused = client.get("/v1/status", headers=headers)
            assert refused.status_code == 401
            assert set(refused.json()) == {"error"}
            assert refused.json()["error"]["code"] == "unauthorized"
        details = client.get("/readyz?details=1", headers=AUTH)
        assert details.json() == {"status": "ready"}  # no way around the key


def test_not_ready_without_a_model(database_url: str, tmp_path: Path) -> None:
    app = create_app(Settings(database_url=database_url, data_dir=tmp_path, api=API))
    with TestClient(app) as client:
        response = client.get("/readyz")
        status = client.get("/v1/status", headers=AUTH)
    assert response.status_code == 503
    assert response.json() == {"status": "not_ready"}
    assert status.status_code == 503
    assert status.json()["model"] == "missing"


def test_not_ready_when_the_database_is_gone(app: FastAPI) -> None:
    app.state.runtime.engine.dispose()
    unreachable = make_engine("postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=2")
    app.state.runtime = replace(app.state.runtime, engine=unreachable)
    with TestClient(app) as client:
        response = client.get("/readyz")
        status = client.get("/v1/status", headers=AUTH)
    assert response.status_code == 503
    assert response.json() == {"status": "not_ready"}
    assert status.status_code == 503
    assert status.json()["status"] == "not_ready"
    assert status.json()["database"] == "OperationalError"


def test_triage_errors_render_as_json(app: FastAPI) -> None:
    async def broken() -> None:
        raise StoreError("database unreachable")

    app.add_api_route("/broken", broken)
    with TestClient(app) as client:
        response = client.get("/broken")
    assert response.status_code == 503
    assert response.json() == {"error": {"code": "store_error", "message": "database unreachable"}}


def test_production_refuses_a_placeholder_api_key() -> None:
    with pytest.raises(ValueError, match="API_KEY"):
        Settings(environment="production", api={"api_key": "changeme"})
