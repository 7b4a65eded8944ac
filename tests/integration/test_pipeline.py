"""The mail pipeline: every mail keeps its own identity and its own decisions, and a mail
that fails, fails alone (recorded, retried, dead after the last try, shown)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from api.app import create_app
from models import DefectCode, UserRole
from tests.integration.conftest import IMAP_USER
from tests.integration.imap_server import Dovecot
from tests.integration.odoo_standin import OdooStandin
from tests.integration.test_imap_ingest import mailbox_settings, sync_once
from tests.integration.workflow_support import (
    DISPUTE,
    ORDER_STATUS,
    model_settings,
    running,
    settings_for,
)
from triage.classify.cascade import Cascade
from triage.classify.classical import ClassicalModel
from triage.cli import app as cli
from triage.config import PipelineSettings, Settings
from triage.runtime import Runtime
from triage.store.signals import signal_row
from triage.store.tables import SignalRow

pytestmark = pytest.mark.integration
POISON = "POISON-TEXT-7f3a"


def signal_counts(runtime: Runtime) -> dict[str, int]:
    """Signals stored per message id."""
    with runtime.engine.connect() as conn:
        rows = conn.execute(
            select(SignalRow.message_id, func.count()).group_by(SignalRow.message_id)
        )
        return {message_id: int(n) for message_id, n in rows}


def forged(raw: bytes, message_id: bytes) -> bytes:
    """The same mail under another mail's Message-ID."""
    head, _, rest = raw.partition(b"Message-ID: <")
    return head + b"Message-ID: <" + message_id + rest[rest.index(b">") :]


def test_a_forged_message_id_does_not_move_decisions_to_the_first_mail(
    odoo_server: OdooStandin, tmp_path: Path, trained_model_dir: Path, database_url: str
) -> None:
    settings = settings_for(odoo_server, tmp_path, trained_model_dir, database_url)
    app = create_app(settings)
    runtime: Runtime = app.state.runtime
    key = runtime.keys.create("ops", UserRole.AGENT)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "message/rfc822"}
    dispute = forged(DISPUTE, b"status@scenario.example")
    with TestClient(app) as client:
        first = client.post("/v1/messages", content=ORDER_STATUS, headers=headers)
        second = client.post("/v1/messages", content=dispute, headers=headers)
        again = client.post("/v1/messages", content=dispute, headers=headers)
    assert (first.status_code, second.status_code, again.status_code) == (201, 201, 200)
    one, two = first.json(), second.json()
    assert one["message"]["id"] != two["message"]["id"] == again.json()["message"]["id"]
    assert DefectCode.REUSED_MESSAGE_ID in [d["code"] for d in two["message"]["defects"]]
    assert one["signal"]["message_id"] == one["message"]["id"]
    assert two["signal"]["message_id"] == two["message"]["id"]
    intents = (one["signal"]["intents"][0]["intent"], two["signal"]["intents"][0]["intent"])
    assert intents == ("order_status", "billing_dispute")
    assert {a["target"]["model"] for a in one["actions"]} == {"sale.order"}
    assert "account.move" in {a["target"]["model"] for a in two["actions"]}
    assert all(a["message_id"] == two["message"]["id"] for a in two["actions"])
    linked = {(lk["model"], lk["display_name"]) for lk in two["links"]["links"]}
    assert ("account.move", "INV/2025/00012") in linked
    assert ("sale.order", "S00042") not in {
        (lk["model"], lk["display_name"]) for lk in two["links"]["links"]
    }
    assert signal_counts(runtime) == {one["message"]["id"]: 1, two["message"]["id"]: 1}
    assert one["pipeline"]["state"] == two["pipeline"]["state"] == "done"
    runtime.engine.dispose()


@pytest.fixture
def plain_app(database_url: str, tmp_path: Path, trained_model_dir: Path) -> Iterator[TestClient]:
    app = create_app(model_settings(database_url, tmp_path, trained_model_dir))
    with TestClient(app) as client:
        yield client
    app.state.runtime.engine.dispose()


def _variant(n: int) -> bytes:
    return (
        f"From: buyer{n}@shop{n}.example\r\nSubject: question {n}\r\n"
        f"Message-ID: <same@forged.example>\r\nDate: Wed, 05 Mar 2025 10:00:00 +0100\r\n\r\n"
        f"Hello, where is my order S0004{n}? Variant {n}.\r\n"
    ).encode()


def test_eight_concurrent_variants_are_eight_messages_each_with_one_signal(
    plain_app: TestClient,
) -> None:
    runtime: Runtime = plain_app.app.state.runtime  # type: ignore[attr-defined]
    key = runtime.keys.create("ops", UserRole.AGENT)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "message/rfc822"}
    with ThreadPoolExecutor(8) as pool:
        answers = list(
            pool.map(
                lambda n: plain_app.post("/v1/messages", content=_variant(n), headers=headers),
                range(8),
            )
        )
    assert [a.status_code for a in answers] == [201] * 8
    ids = {a.json()["message"]["id"] for a in answers}
    assert len(ids) == 8
    for answer in answers:
        body = answer.json()
        assert body["signal"]["message_id"] == body["message"]["id"]
        assert f"Variant {body['message']['subject'][-1]}" in body["message"]["text"]
    assert signal_counts(runtime) == dict.fromkeys(ids, 1)


def test_two_mails_with_one_message_id_through_dovecot_keep_their_own_signals(
    dovecot: Dovecot, imap_folder: str, database_url: str, tmp_path: Path
) -> None:
    dovecot.append(IMAP_USER, imap_folder, _variant(1))
    dovecot.append(IMAP_USER, imap_folder, _variant(2))
    dovecot.append(IMAP_USER, imap_folder, _variant(2))  # the same mail twice: a duplicate
    mailbox = mailbox_settings(dovecot, imap_folder)
    settings = Settings(database_url=database_url, data_dir=tmp_path, mailboxes=[mailbox])
    with running(settings) as runtime:
        result = sync_once(runtime)
        assert (result.stored, result.duplicates) == (2, 1)
        counts = signal_counts(runtime)
        assert sorted(counts.values()) == [1, 1]
        subjects = {runtime.store.get(i).subject for i in counts}  # type: ignore[union-attr]
        assert subjects == {"question 1", "question 2"}
        for message_id in counts:
            signal = runtime.store.signal(message_id)
            assert signal is not None and signal.message_id == message_id


class PoisonedModel:
    """A classical model that fails on one text (a classifier bug), as a real one might."""

    def __init__(self, model: ClassicalModel) -> None:
        self.model = model

    def __getattr__(self, name: str) -> object:
        return getattr(self.model, name)

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        """The real probabilities, or a crash when the poison text is among them."""
        if any(POISON in t for t in texts):
            raise ValueError("the classifier cannot handle this text")
        return self.model.predict_proba(texts)


def poisoned(runtime: Runtime) -> Runtime:
    """The runtime with a cascade whose classical model fails on the poison text."""
    cascade = runtime.cascade
    assert cascade.classical is not None
    broken = Cascade(cascade.taxonomy, cascade.rules, PoisonedModel(cascade.classical))  # type: ignore[arg-type]
    return replace(runtime, cascade=broken, pipeline=replace(runtime.pipeline, cascade=broken))


def _numbered(n: int) -> bytes:
    body = POISON if n == 17 else f"Hello, when will order S{n:05d} be delivered?"
    date = "Fri, 31 Dec 9999 23:59:59 +0000" if n == 3 else "Wed, 05 Mar 2025 10:00:00 +0100"
    return (
        f"From: buyer{n}@shop.example\r\nSubject: mail {n}\r\nMessage-ID: <n{n}@shop.example>\r\n"
        f"Date: {date}\r\n\r\n{body}\r\n"
    ).encode()


def test_a_poison_mail_among_fifty_fails_alone_and_dies_after_its_tries(
    database_url: str, tmp_path: Path, trained_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = PipelineSettings(max_attempts=3, retry_base_seconds=0.01, retry_max_seconds=0.01)
    settings = model_settings(database_url, tmp_path, trained_model_dir, pipeline=fast)
    with running(settings) as clean:
        runtime = poisoned(clean)
        message_ids = []
        for n in range(50):
            result = runtime.pipeline.accept(_numbered(n), source="test", position=f"n{n}")
            assert result.message_id is not None
            message_ids.append(result.message_id)
        poison = message_ids[17]
        counts = signal_counts(runtime)
        assert set(counts) == set(message_ids) - {poison}
        assert set(counts.values()) == {1}
        status = runtime.pipeline.status(poison)
        assert status is not None and (status.state, status.attempts) == ("failed", 1)
        assert "classify: ValueError: the classifier cannot handle this text" in status.last_error
        year_9999 = runtime.pipeline.status(message_ids[3])
        assert year_9999 is not None and year_9999.state == "done"
        worked = 0
        for _ in range(20):  # the sweep retries it twice more, then never again
            threading.Event().wait(0.05)
            worked += runtime.pipeline.run_due()
        assert worked == 2
        status = runtime.pipeline.status(poison)
        assert status is not None and (status.state, status.attempts) == ("dead", 3)
        assert runtime.pipeline.progress.counts() == {"done": 49, "dead": 1}
    monkeypatch.setenv("TRIAGE_DATABASE_URL", database_url)
    monkeypatch.setenv("TRIAGE_DATA_DIR", str(tmp_path))
    from triage.config import get_settings

    get_settings.cache_clear()
    shown = CliRunner().invoke(cli, ["status"])
    get_settings.cache_clear()
    assert shown.exit_code == 0, shown.output
    assert "mail: dead 1, done 49" in shown.output
    assert f"dead after 3 attempt(s): {poison} 'mail 17'" in shown.output
    requeued = CliRunner().invoke(cli, ["requeue", poison])
    again = CliRunner().invoke(cli, ["requeue", poison])
    get_settings.cache_clear()
    assert requeued.exit_code == 0 and "requeued 1 message(s)" in requeued.output
    assert again.exit_code != 0 and "is not a dead message" in str(again.exception)
    with running(settings) as clean:
        status = clean.pipeline.status(poison)
        assert status is not None and (status.state, status.attempts) == ("pending", 0)


def test_the_classify_api_answers_a_typed_error_for_the_poison_mail(
    plain_app: TestClient,
) -> None:
    app = plain_app.app
    runtime: Runtime = app.state.runtime  # type: ignore[attr-defined]
    key = runtime.keys.create("ops", UserRole.AGENT)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "message/rfc822"}
    year_9999 = plain_app.post("/v1/classify/eml", content=_numbered(3), headers=headers)
    assert year_9999.status_code == 200, year_9999.text
    app.state.runtime = poisoned(runtime)  # type: ignore[attr-defined]
    answer = plain_app.post("/v1/classify/eml", content=_numbered(17), headers=headers)
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "classification_failed"
    assert "cannot handle this text" in answer.json()["error"]["message"]
    assert plain_app.post("/v1/classify/eml", content=_numbered(4), headers=headers).is_success


def test_the_queue_and_the_message_page_show_a_failed_mail(
    database_url: str, tmp_path: Path, trained_model_dir: Path
) -> None:
    settings = model_settings(database_url, tmp_path, trained_model_dir)
    with running(settings) as clean:
        runtime = poisoned(clean)
        result = runtime.pipeline.accept(_numbered(17), source="test", position="p")
        assert result.message_id is not None
        items = {i.id: i for i in runtime.review.queue()}
        item = items[result.message_id]
        assert item.state == "failed" and "cannot handle this text" in item.pipeline_error


def test_a_run_that_died_after_writing_the_signal_is_resumed_without_a_second_one(
    database_url: str, tmp_path: Path, trained_model_dir: Path
) -> None:
    settings = model_settings(database_url, tmp_path, trained_model_dir)
    with running(settings) as runtime:
        stalled = replace(runtime.pipeline, cascade=None)  # stores, never gets further
        result = stalled.accept(_numbered(5), source="test", position="crash")
        assert result.message is not None and result.message_id is not None
        with Session(runtime.engine) as session, session.begin():  # then it died
            session.add(signal_row(runtime.cascade.classify(result.message)))
        status = runtime.pipeline.status(result.message_id)
        assert status is not None and (status.state, status.step) == ("pending", "stored")
        assert runtime.pipeline.run_due() == 1
        status = runtime.pipeline.status(result.message_id)
        assert status is not None and status.state == "done"
        assert signal_counts(runtime) == {result.message_id: 1}


def test_an_odoo_outage_never_makes_mail_dead(
    odoo_server: OdooStandin, tmp_path: Path, trained_model_dir: Path
) -> None:
    tries = PipelineSettings(max_attempts=1, retry_base_seconds=0.01, retry_max_seconds=0.01)
    settings = settings_for(odoo_server, tmp_path, trained_model_dir, pipeline=tries)
    odoo_server.inject("http_error", count=1_000, status=502)
    with running(settings) as runtime:
        result = runtime.pipeline.accept(ORDER_STATUS, source="test", position="down")
        assert result.message_id is not None
        for _ in range(3):
            threading.Event().wait(0.05)
            runtime.pipeline.run_due()
        status = runtime.pipeline.status(result.message_id)
        assert status is not None and status.state == "failed" and status.attempts == 4
        odoo_server.reset()
        threading.Event().wait(0.05)
        assert runtime.pipeline.run_due() == 1
        status = runtime.pipeline.status(result.message_id)
        assert status is not None and status.state == "done"
        assert [a.target.name for a in runtime.actions.for_message(result.message_id)] == ["S00042"]


def test_many_concurrent_runners_finish_a_stored_mail_once(
    database_url: str, tmp_path: Path, trained_model_dir: Path
) -> None:
    settings = model_settings(database_url, tmp_path, trained_model_dir)
    with running(settings) as runtime:
        stalled = replace(runtime.pipeline, cascade=None)
        ids = [
            stalled.accept(_numbered(n), source="test", position=f"c{n}").message_id
            for n in range(4)
        ]
        barrier = threading.Barrier(16)

        def race(_: int) -> int:
            barrier.wait()
            return runtime.pipeline.process([i for i in ids if i])

        with ThreadPoolExecutor(16) as pool:
            worked = sum(pool.map(race, range(16)))
        assert worked == 4
        assert signal_counts(runtime) == dict.fromkeys(ids, 1)
        assert runtime.pipeline.progress.counts() == {"done": 4}
