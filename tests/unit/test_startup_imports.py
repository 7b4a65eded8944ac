"""`triage` starts without the heavy libraries: commands import them when they run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import typer.core
import typer.main

from triage.cli import app

# Loaded by the commands that use them (model, plots, LLM, database), never at start.
FORBIDDEN = {
    "sklearn",
    "skops",
    "scipy",
    "numpy",
    "matplotlib",
    "langchain",
    "langchain_core",
    "langchain_openai",
    "openai",
    "sqlalchemy",
}


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, check=False, timeout=120)


def test_importing_the_cli_loads_no_heavy_library() -> None:
    listing = "import triage.cli, sys; print('\\n'.join(sorted(sys.modules)))"
    result = _run(sys.executable, "-c", listing)
    assert result.returncode == 0, result.stderr
    loaded = {name.split(".")[0] for name in result.stdout.split()}
    assert "triage" in loaded  # the listing is the CLI's, not an empty interpreter's
    assert loaded & FORBIDDEN == set()


def test_help_lists_every_command() -> None:
    result = _run(str(Path(sys.executable).parent / "triage"), "--help")
    assert result.returncode == 0, result.stderr
    group = typer.main.get_command(app)
    assert isinstance(group, typer.core.TyperGroup)
    commands = group.commands
    assert {"classify", "ingest", "serve", "user"} <= set(commands)
    for name in commands:
        assert f" {name} " in result.stdout, name
