"""Upgrading a database from before the pipeline: every stored mail gets its pipeline record,
and filing actions recorded with untyped payloads still run."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from triage.store import make_engine, upgrade

pytestmark = pytest.mark.integration
NOW = datetime(2025, 3, 5, tzinfo=UTC)


def _insert_message(conn: object, message_id: str) -> None:
    conn.execute(  # type: ignore[attr-defined]
        text(
            "INSERT INTO messages (id, key, source, subject, received_at, size, content_sha256,"
            " auto, defect_count, parsed, raw, raw_encoding) VALUES (:id, :key, 'file', 's',"
            " :now, 1, 'x', 'none', 0, '{}', :raw, 'zlib')"
        ),
        {"id": message_id, "key": f"mid:{message_id}", "now": NOW, "raw": b"x"},
    )


def test_upgrade_gives_old_mail_its_pipeline_state_and_completes_filing(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    upgrade(engine, "0008")
    with engine.begin() as conn:
        _insert_message(conn, "classified")
        _insert_message(conn, "unclassified")
        _insert_message(conn, "unlinked")
        for message_id in ("classified", "unlinked"):
            conn.execute(
                text(
                    "INSERT INTO signals (message_id, decided_by, model_version, data,"
                    " created_at) VALUES (:id, 'rules', '', '{}', :now)"
                ),
                {"id": message_id, "now": NOW},
            )
        conn.execute(
            text(
                "INSERT INTO link_runs (message_id, state, error, attempts, updated_at)"
                " VALUES ('unlinked', 'failed', 'OdooUnavailable', 1, :now)"
            ),
            {"now": NOW},
        )
        conn.execute(
            text(
                "INSERT INTO actions (message_id, kind, target, idempotency_key, payload, state,"
                " attempts, last_error, created_at, updated_at) VALUES ('classified',"
                " 'imap_keyword', 'triage/order_status', 'k1', :payload, 'failed', 1, 'x',"
                " :now, :now)"
            ),
            {"payload": '{"account": "orders", "folder": "INBOX", "uid": 1}', "now": NOW},
        )
    upgrade(engine)
    with engine.connect() as conn:
        states = {
            m: (state, stage)
            for m, state, stage in conn.execute(
                text("SELECT message_id, state, stage FROM pipeline")
            )
        }
        payload, due = conn.execute(text("SELECT payload, next_attempt_at FROM actions")).one()
    engine.dispose()
    assert states == {
        "classified": ("done", "decided"),
        "unclassified": ("pending", "stored"),
        "unlinked": ("pending", "classified"),
    }
    payload = payload if isinstance(payload, dict) else json.loads(payload)
    assert payload["keyword"] == "triage/order_status" and due is not None
