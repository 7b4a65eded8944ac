"""The real-world corpus nobody on the team wrote: every file yields a Message."""

from __future__ import annotations

from pathlib import Path

import pytest

from models import Message
from parsers import parse_message
from tests.conftest import CORPORA

pytestmark = pytest.mark.corpus


def _corpus_files() -> list[Path]:
    return sorted(p for p in CORPORA.rglob("*") if p.is_file() and p.name != "README.md")


@pytest.mark.skipif(not CORPORA.is_dir(), reason=f"shared corpus not present at {CORPORA}")
def test_every_corpus_message_parses() -> None:
    files = _corpus_files()
    assert len(files) > 5000
    failures = []
    for path in files:
        try:
            message = parse_message(path.read_bytes(), position=str(path))
        except Exception as exc:  # collect them all to report every failing file at once
            failures.append(f"{path}: {exc!r}")
            continue
        assert isinstance(message, Message)
    assert failures == []
