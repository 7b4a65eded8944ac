"""The cached header policy reads every corpus message exactly as `email.policy.default`."""

from __future__ import annotations

import email
from collections.abc import Callable
from email import policy
from email.message import Message as StdMessage
from pathlib import Path
from typing import Any

import pytest

from parsers.mime_policy import CACHED, MAX_CACHED_CHARS
from tests.conftest import CORPORA, FIXTURES

# A deterministic third of the corpus keeps this near 10 s; the whole of it was compared
# once by hand (every message identical) when the policy was introduced.
SAMPLE_STEP = 3


def _reading(raw: bytes, chosen: policy.Policy) -> list[object]:
    """What our parser reads from a message: every part's headers, type, params and bytes."""
    parsed = email.message_from_bytes(raw, policy=chosen)
    parts: list[object] = [[type(d).__name__ for d in parsed.defects]]
    for part in parsed.walk():
        parts.append(_part(part))
    return parts


def _part(part: StdMessage) -> tuple[object, ...]:
    headers = [
        _outcome(lambda n=name, v=value: _header(part.policy.header_fetch_parse(n, v)))
        for name, value in part.raw_items()
    ]
    readers = (
        part.get_content_type,
        part.get_params,
        part.get_filename,
        part.get_content_charset,
        lambda: None if part.is_multipart() else part.get_payload(decode=True),
    )
    return (headers, [type(d).__name__ for d in part.defects], *map(_outcome, readers))


def _header(value: Any) -> tuple[object, ...]:
    return value.name, str(value), type(value).__name__, [type(d).__name__ for d in value.defects]


def _outcome(reader: Callable[[], object]) -> object:
    """A reader's answer, or the exception it raised (the stdlib raises on some broken mail)."""
    try:
        return reader()
    except Exception as exc:  # noqa: BLE001 - the same exception on both sides is the same reading
        return ("raised", type(exc).__name__, str(exc))


def _mail_files() -> list[Path]:
    folders = [f for f in (CORPORA, FIXTURES) if f.is_dir()]
    return sorted(p for f in folders for p in f.rglob("*") if p.is_file() and p.suffix != ".md")


@pytest.mark.corpus
@pytest.mark.skipif(not CORPORA.is_dir(), reason=f"shared corpus not present at {CORPORA}")
def test_every_corpus_message_reads_the_same_as_the_default_policy() -> None:
    files = _mail_files()[::SAMPLE_STEP]
    assert len(files) > 1_500
    different = [
        str(path)
        for path in files
        if _reading(raw := path.read_bytes(), policy.default) != _reading(raw, CACHED)
    ]
    assert different == []


def test_a_long_header_is_parsed_but_not_kept() -> None:
    long_subject = "x" * (MAX_CACHED_CHARS + 1)
    raw = f"Subject: {long_subject}\r\nContent-Type: text/plain\r\n\r\nbody\r\n".encode()
    message = email.message_from_bytes(raw, policy=CACHED)
    assert str(message["Subject"]) == long_subject
    assert message["Subject"] is not message["Subject"]  # parsed on each access, never cached


def test_a_short_header_object_is_shared() -> None:
    raw = b"Subject: hello\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nbody\r\n"
    first = email.message_from_bytes(raw, policy=CACHED)
    second = email.message_from_bytes(raw, policy=CACHED)
    assert first["Content-Type"] is second["Content-Type"]
    assert first.get_content_charset() == "utf-8"
