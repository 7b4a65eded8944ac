"""A key revoked from the CLI is refused by a running server (another process) within a second."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.integration.test_pipeline_recovery import _serving

pytestmark = pytest.mark.integration
TRIAGE = [sys.executable, "-m", "triage"]


def _status(port: int, key: str) -> int:
    """The HTTP status of an authenticated request."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/metrics", headers={"Authorization": f"Bearer {key}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return int(reply.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def _cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([*TRIAGE, *args], env=env, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.decode().strip()


def test_a_key_revoked_from_the_cli_is_refused_by_a_running_server_within_a_second(
    database_url: str, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIAGE_")}
    env |= {
        "TRIAGE_DATABASE_URL": database_url,
        "TRIAGE_DATA_DIR": str(tmp_path),
        "TRIAGE_WORKER__ENABLED": "false",
    }
    key = _cli(env, "apikey", "create", "leaving-service")
    with _serving(env, tmp_path / "serve.log") as (port, _):
        assert _status(port, key) == 200  # verified, and now in the server's memory
        assert _status(port, key) == 200
        _cli(env, "apikey", "revoke", "leaving-service")
        deadline, refused = time.monotonic() + 1.0, False
        while not refused and time.monotonic() < deadline:
            refused = _status(port, key) == 401
            time.sleep(0.0 if refused else 0.05)
        assert refused, "the revoked key still worked a second after `triage apikey revoke`"
