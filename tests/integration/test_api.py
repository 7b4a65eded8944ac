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


@pytest.fixture
def app(database_url: str, tmp_path: Path, trained_model_dir: Path) -> FastAPI:
    classify = ClassifySettings(model_dir=trained_model_dir)
    return create_app(Settings(database_url=database_url, data_dir=tmp_path, classify=classify))


def test_health_and_readiness(app: FastAPI) -> None:
    model = app.state.runtime.cascade.classical.version
    with TestClient(app) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json() == {
            "status": "ready",
            "database": "ok",
            "messages": 0,
            "model": model,
            "mailboxes": {},
        }


def test_not_ready_without_a_model(database_url: str, tmp_path: Path) -> None:
    app = create_app(Settings(database_url=database_url, data_dir=tmp_path))
    with TestClient(app) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["model"] == "missing"


def test_not_ready_when_the_database_is_gone(app: FastAPI) -> None:
    app.state.runtime.engine.dispose()
    unreachable = make_engine("postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=2")
    app.state.runtime = replace(app.state.runtime, engine=unreachable)
    with TestClient(app) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "not_ready"


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
