"""Random bytes and random header mutations never make the parser raise."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models import Message
from parsers import parse_message

BASE = (
    b"From: Anna <anna@example.com>\r\nTo: orders@example.com\r\nSubject: S00042 late\r\n"
    b"Message-ID: <abc@example.com>\r\nDate: Tue, 4 Mar 2025 10:12:00 +0100\r\n"
    b"MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=B\r\n\r\n"
    b"--B\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nWhere is S00042?\r\n"
    b"--B\r\nContent-Type: text/html\r\n\r\n<p>Where is <b>S00042</b>?</p>\r\n--B--\r\n"
)
HEADER_NAMES = st.sampled_from(
    [
        b"From",
        b"To",
        b"Subject",
        b"Date",
        b"Message-ID",
        b"Content-Type",
        b"References",
        b"Content-Transfer-Encoding",
        b"Auto-Submitted",
        b"List-Id",
        b"Content-Disposition",
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096))
def test_random_bytes(raw: bytes) -> None:
    message = parse_message(raw)
    assert isinstance(message, Message)
    message.model_dump_json()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=HEADER_NAMES, value=st.binary(max_size=200), cut=st.integers(0, len(BASE)))
def test_header_mutations(name: bytes, value: bytes, cut: int) -> None:
    mutated = name + b": " + value + b"\r\n" + BASE
    for raw in (mutated, BASE[:cut] + value + BASE[cut:]):
        message = parse_message(raw)
        assert isinstance(message, Message)
        Message.model_validate_json(message.model_dump_json(by_alias=True))
