"""The message store on SQLite and PostgreSQL: once-only storage, round trips, migrations."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine

from models import DefectCode, EntityKind
from parsers import ParseOptions, parse_message
from tests.conftest import FIXTURES
from triage.store import MessageStore, StoreOutcome, make_sessionmaker
from triage.store.tables import Base

pytestmark = pytest.mark.integration


def _fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_message_is_stored_once(store: MessageStore) -> None:
    raw = _fixture("every_reference.eml")
    message = parse_message(raw)
    first = store.add(message, raw)
    second = store.add(parse_message(raw), raw)
    assert first.outcome is StoreOutcome.STORED
    assert second.outcome is StoreOutcome.DUPLICATE
    assert second.message_id == first.message_id == message.id
    assert store.count() == 1


def test_round_trip_keeps_message_and_raw_bytes(store: MessageStore) -> None:
    raw = _fixture("attachments.eml")
    message = parse_message(raw)
    store.add(message, raw)
    assert store.get(message.id) == message
    assert store.raw(message.id) == raw
    assert store.get("0" * 32) is None


def test_entities_are_searchable(store: MessageStore) -> None:
    raw = _fixture("every_reference.eml")
    message = parse_message(raw)
    store.add(message, raw)
    assert store.find_by_entity(EntityKind.SALE_ORDER, "S00042") == [message.id]
    assert store.find_by_entity(EntityKind.SALE_ORDER, "S99999") == []


def test_same_mail_without_message_id_is_keyed_by_content(store: MessageStore) -> None:
    raw = _fixture("no_message_id_no_date.eml")
    message = parse_message(raw)
    assert message.key.startswith("sha256:")
    assert store.add(message, raw).outcome is StoreOutcome.STORED
    assert store.add(parse_message(raw), raw).outcome is StoreOutcome.DUPLICATE


def test_text_with_nul_and_odd_bytes_is_stored(store: MessageStore) -> None:
    raw = b"From: a@b.example\nSubject: nul \x00 here \xff\nMessage-ID: <nul@x>\n\nbody \x00 end\n"
    message = parse_message(raw)
    assert store.add(message, raw).outcome is StoreOutcome.STORED
    stored = store.get(message.id)
    assert stored is not None and "\x00" not in stored.subject + stored.text


def test_failures_are_recorded_once_with_reason(store: MessageStore) -> None:
    store.record_failure("file", "junk.bin", b"\x00\x01garbage", "not mail")
    store.record_failure("file", "junk-again.bin", b"\x00\x01garbage", "not mail")
    assert store.failures() == [("junk.bin", "not mail")]


def test_concurrent_writers_store_one_copy(engine: Engine) -> None:
    raw = _fixture("gmail_reply.eml")
    stores = [MessageStore(make_sessionmaker(engine)) for _ in range(4)]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda s: s.add(parse_message(raw), raw), stores))
    outcomes = sorted(r.outcome.value for r in results)
    assert outcomes == ["duplicate", "duplicate", "duplicate", "stored"]
    assert stores[0].count() == 1


def test_migrations_match_the_tables(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_a_reused_message_id_on_a_different_mail_is_kept(store: MessageStore) -> None:
    first = b"From: a@shop.example\nSubject: order\nMessage-ID: <1@x>\n\nfirst\n"
    other = b"From: b@else.example\nSubject: pay here\nMessage-ID: <1@x>\n\nsecond\n"
    assert store.add(parse_message(first), first).outcome is StoreOutcome.STORED
    kept = store.add(parse_message(other), other)
    assert kept.outcome is StoreOutcome.STORED and kept.message_id != parse_message(first).id
    assert kept.message is not None and kept.message.id == kept.message_id
    stored = store.get(kept.message_id or "")
    assert stored is not None and stored.has_defect(DefectCode.REUSED_MESSAGE_ID)
    assert store.add(parse_message(other), other).outcome is StoreOutcome.DUPLICATE
    assert store.count() == 2


def test_same_message_id_from_and_subject_with_another_body_is_another_mail(
    store: MessageStore,
) -> None:
    first = b"From: a@shop.example\nSubject: order\nMessage-ID: <1@x>\n\nfirst\n"
    changed = first.replace(b"first", b"first, but cancel line 2")
    assert store.add(parse_message(first), first).outcome is StoreOutcome.STORED
    again = store.add(parse_message(changed), changed)
    assert again.outcome is StoreOutcome.STORED and again.message_id != parse_message(first).id
    assert store.add(parse_message(changed), changed).outcome is StoreOutcome.DUPLICATE
    assert store.count() == 2


def test_one_mail_delivered_to_two_mailboxes_is_stored_once(store: MessageStore) -> None:
    """Transport headers differ between two deliveries of one mail; the mail is the same."""
    mail = b"From: a@shop.example\r\nSubject: order\r\nMessage-ID: <2@x>\r\n\r\nS00042?\r\n"
    orders = b"Received: from mx1 by orders\r\nDelivered-To: orders@us.example\r\n" + mail
    accounts = b"Received: from mx2 by accounts\r\nDelivered-To: accounts@us.example\r\n" + mail
    assert store.add(parse_message(orders), orders).outcome is StoreOutcome.STORED
    assert store.add(parse_message(accounts), accounts).outcome is StoreOutcome.DUPLICATE
    assert store.count() == 1


def test_oversized_fields_and_mail_are_kept_whole(store: MessageStore) -> None:
    sender = "x" * 400 + "@example.com"
    raw = f"From: {sender}\nMessage-ID: <big@x>\nSubject: big\n\n".encode() + b"A" * 3000
    message = parse_message(raw, options=ParseOptions(max_bytes=1000))
    assert store.add(message, raw).outcome is StoreOutcome.STORED
    assert store.raw(message.id) == raw
