"""One watcher per folder: the second lease on the same folder is refused until released."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from triage.ingest.lease import make_lease

pytestmark = pytest.mark.integration


def test_second_lease_waits_for_the_first(engine: Engine, tmp_path: Path) -> None:
    first = make_lease(engine, tmp_path / "locks", "orders", "INBOX")
    second = make_lease(engine, tmp_path / "locks", "orders", "INBOX")
    other_folder = make_lease(engine, tmp_path / "locks", "orders", "Archive")
    try:
        assert first.acquire()
        assert first.acquire()  # holding it already
        assert not second.acquire()
        assert other_folder.acquire()
        first.release()
        assert second.acquire()
    finally:
        for lease in (first, second, other_folder):
            lease.release()
