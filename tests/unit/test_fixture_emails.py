"""One test per hand-written fixture mail: what a correct parser must find in each."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from models import Message
from parsers import parse_message

FIXTURES = Path(__file__).parent.parent / "fixtures" / "emails"
EXPECTED: dict[str, dict[str, Any]] = json.loads(
    (FIXTURES.parent / "expected_emails.json").read_text()
)


def test_every_fixture_has_expectations() -> None:
    files = {p.name for p in FIXTURES.glob("*.eml")}
    assert files == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture(name: str) -> None:
    msg = parse_message((FIXTURES / name).read_bytes(), position=name)
    expected = EXPECTED[name]
    _check_headers(msg, expected)
    _check_text(msg, expected)
    _check_attachments(msg, expected)
    _check_markers(msg, expected)
    _check_entities(msg, expected)


def _check_headers(msg: Message, expected: dict[str, Any]) -> None:
    if "subject" in expected:
        assert msg.subject == expected["subject"]
    if "from_email" in expected:
        assert msg.from_ is not None and msg.from_.email == expected["from_email"]
    if "from_name" in expected:
        assert msg.from_ is not None and msg.from_.name == expected["from_name"]
    if "message_id" in expected:
        assert msg.message_id == expected["message_id"]


def _check_text(msg: Message, expected: dict[str, Any]) -> None:
    for needle in expected.get("text_contains", []):
        assert needle in msg.text, f"{needle!r} missing from text:\n{msg.text}"
    for needle in expected.get("text_excludes", []):
        assert needle not in msg.text, f"{needle!r} should not be in text:\n{msg.text}"
    for needle in expected.get("quoted_contains", []):
        assert needle in msg.quoted, f"{needle!r} missing from quoted:\n{msg.quoted}"
    for needle in expected.get("signature_contains", []):
        assert needle in msg.signature, f"{needle!r} missing from signature:\n{msg.signature}"


def _check_attachments(msg: Message, expected: dict[str, Any]) -> None:
    if "attachments" in expected:
        found = [
            {"name": a.name, "content_type": a.content_type, "size": a.size}
            for a in msg.attachments
        ]
        assert found == expected["attachments"]
        assert all(len(a.sha256) == 64 for a in msg.attachments)


def _check_markers(msg: Message, expected: dict[str, Any]) -> None:
    if "auto" in expected:
        assert msg.auto == expected["auto"], msg.auto_reason
    if "language" in expected:
        assert msg.language == expected["language"]
    codes = {d.code for d in msg.defects}
    for code in expected.get("defects", []):
        assert code in codes, f"defect {code} missing from {msg.defects}"
    if "bounce_recipients" in expected:
        assert msg.bounce is not None and msg.bounce.recipients == expected["bounce_recipients"]
    if "bounce_status" in expected:
        assert msg.bounce is not None and msg.bounce.status == expected["bounce_status"]


def _check_entities(msg: Message, expected: dict[str, Any]) -> None:
    found = {(e.kind.value, e.value) for e in msg.entities if e.field != "quoted"}
    for entity in expected.get("entities", []):
        assert (entity["kind"], entity["value"]) in found, f"{entity} not in {sorted(found)}"
