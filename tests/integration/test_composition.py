"""How the parts are put together: the LLM SDK stays out of a process that has no LLM."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
ROOT = Path(__file__).parents[2]
SDKS = ("openai", "langchain_openai", "langchain_core")
PROBE = f"""
import sys
from api.app import create_app
from triage.config import Settings
create_app(Settings(data_dir=sys.argv[1], llm_base_url=sys.argv[2] or None))
print(",".join(m for m in {SDKS!r} if m in sys.modules))
"""


def _loaded(tmp_path: Path, llm_url: str) -> set[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIAGE_")}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path), llm_url],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return {m for m in done.stdout.strip().split(",") if m}


def test_the_llm_sdk_is_imported_only_when_an_llm_is_configured(tmp_path: Path) -> None:
    assert _loaded(tmp_path / "off", "") == set()
    assert _loaded(tmp_path / "on", "http://127.0.0.1:9/v1") == set(SDKS)
