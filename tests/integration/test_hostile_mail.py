"""One hostile mail does not stop the service: it is read within caps, off the event loop,
stored with what was wrong, and queued for a person."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.app import create_app
from models import DefectCode, UserRole
from tests.integration.approval_support import serving
from tests.integration.odoo_standin import OdooStandin
from tests.integration.workflow_support import settings_for
from tests.unit.test_hostile_mime import nested_multipart
from triage.runtime import Runtime

pytestmark = pytest.mark.integration


def nested_div_mail(n: int, size: int = 2_000_000) -> bytes:
    """A distinct HTML mail of `size` bytes of `<div>` nested in `<div>`."""
    head = (
        f"From: attacker@example.com\r\nTo: orders@northwind.example\r\nSubject: Order {n}\r\n"
        f"Message-ID: <hostile-{n}@example.com>\r\nDate: Wed, 05 Mar 2025 10:00:00 +0100\r\n"
        "Content-Type: text/html; charset=utf-8\r\n\r\n"
    )
    return head.encode() + b"<div>x" * (size // 6)


@pytest.fixture
def app(
    odoo_server: OdooStandin, tmp_path: Path, trained_model_dir: Path, database_url: str
) -> Iterator[Any]:
    """The app on the Odoo stand-in, its database connections closed afterwards."""
    app = create_app(settings_for(odoo_server, tmp_path, trained_model_dir, database_url))
    yield app
    app.state.runtime.engine.dispose()


def test_healthz_answers_while_a_pathological_mail_is_handled(app: Any) -> None:
    runtime: Runtime = app.state.runtime
    key = runtime.keys.create("ops", UserRole.AGENT)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "message/rfc822"}
    posted: list[httpx.Response] = []
    with serving(app) as url:

        def post_all() -> None:
            with httpx.Client(base_url=url, timeout=120) as client:
                for n in range(3):
                    raw = nested_div_mail(n)
                    posted.append(client.post("/v1/messages", content=raw, headers=headers))

        poster = threading.Thread(target=post_all)
        answered_in_flight: list[int] = []
        with httpx.Client(base_url=url, timeout=120) as client:
            poster.start()
            while poster.is_alive():
                status = client.get("/healthz").status_code
                if poster.is_alive():
                    answered_in_flight.append(status)
        poster.join()
    assert answered_in_flight and set(answered_in_flight) == {200}
    assert [r.status_code for r in posted] == [201, 201, 201]
    for response in posted:
        codes = [d["code"] for d in response.json()["message"]["defects"]]
        assert DefectCode.HTML_TRUNCATED in codes
        message = runtime.store.get(response.json()["message"]["id"])
        assert message is not None and message.has_defect(DefectCode.HTML_TRUNCATED)


def test_a_mail_nested_two_thousand_deep_waits_in_the_review_queue(app: Any) -> None:
    runtime: Runtime = app.state.runtime
    leaf = b"Content-Type: text/plain\r\n\r\nWhere is my order S00042?\r\n"
    result = runtime.pipeline.accept(nested_multipart(2_000, leaf), source="test", position="1")
    assert result.message_id is not None, result.reason
    message = runtime.store.get(result.message_id)
    assert message is not None and message.has_defect(DefectCode.TOO_DEEP)
    item = next(i for i in runtime.review.queue() if i.id == result.message_id)
    assert item.state == "needs_review"
    assert item.signal is not None
    assert item.signal.review_reason.startswith("the mail was read only in part (too_deep)")
