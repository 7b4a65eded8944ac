"""`triage ingest`, `triage parse` and `triage db upgrade` end to end on a SQLite file."""

from __future__ import annotations

import json
import mailbox
from pathlib import Path

import pytest
from typer.testing import CliRunner

from parsers import parse_message
from tests.conftest import CORPORA, FIXTURES
from triage.cli import app
from triage.config import get_settings
from triage.runtime import build_runtime

pytestmark = pytest.mark.integration
runner = CliRunner()


@pytest.fixture(autouse=True)
def data_dir(cli_data_dir: Path) -> Path:
    return cli_data_dir


def _run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _summary(output: str) -> str:
    return [line for line in output.splitlines() if line.startswith("ingested ")][-1]


def test_ingest_twice_stores_each_mail_once() -> None:
    count = len(list(FIXTURES.glob("*.eml")))
    assert _summary(_run("ingest", str(FIXTURES))) == f"ingested {count}, duplicates 0, failed 0"
    assert _summary(_run("ingest", str(FIXTURES))) == f"ingested 0, duplicates {count}, failed 0"


def test_ingested_mail_gets_a_signal() -> None:
    _run("ingest", str(FIXTURES / "dsn_bounce.eml"))
    runtime = build_runtime(get_settings())
    message = parse_message((FIXTURES / "dsn_bounce.eml").read_bytes())
    signal = runtime.store.signal(message.id)
    assert signal is not None and signal.intent == "bounce"
    runtime.engine.dispose()


def test_ingest_mbox_and_maildir(tmp_path: Path) -> None:
    names = ["gmail_reply.eml", "apple_mail.eml", "newsletter.eml"]
    box = mailbox.mbox(tmp_path / "inbox.mbox")
    for name in names:
        box.add((FIXTURES / name).read_bytes())
    box.close()
    maildir = mailbox.Maildir(tmp_path / "Maildir")
    maildir.add((FIXTURES / "german_reply.eml").read_bytes())
    maildir.add((FIXTURES / "gmail_reply.eml").read_bytes())
    output = _run("ingest", str(tmp_path / "inbox.mbox"), str(tmp_path / "Maildir"))
    assert _summary(output) == "ingested 4, duplicates 1, failed 0"


def test_input_that_is_not_mail_is_recorded_as_failed(tmp_path: Path) -> None:
    junk = tmp_path / "junk.bin"
    junk.write_bytes(bytes(range(256)) * 8)
    output = _run("ingest", str(junk), str(FIXTURES / "empty_body.eml"))
    assert _summary(output) == "ingested 1, duplicates 0, failed 1"
    assert "junk.bin" in output and "not mail" in output


def test_missing_path_is_a_clear_error() -> None:
    result = runner.invoke(app, ["ingest", "/no/such/place"])
    assert result.exit_code != 0
    assert "no such file or folder" in str(result.exception)


def test_parse_prints_the_message_as_json() -> None:
    output = _run("parse", str(FIXTURES / "every_reference.eml"))
    parsed = json.loads(output)
    kinds = {(e["kind"], e["value"]) for e in parsed["entities"]}
    assert ("sale_order", "S00042") in kinds
    assert parsed["from"]["email"] == "maria.lopez@lopez-catering.example"


def test_db_upgrade_creates_the_database(data_dir: Path) -> None:
    assert "database at head" in _run("db", "upgrade")
    assert (data_dir / "triage.db").is_file()


@pytest.mark.corpus
@pytest.mark.skipif(not CORPORA.is_dir(), reason=f"shared corpus not present at {CORPORA}")
def test_ingest_the_real_corpus_twice() -> None:
    first = _summary(_run("ingest", str(CORPORA)))
    stored, duplicates, failed = (int(part.split()[-1]) for part in first.split(", "))
    assert stored > 4000
    second = _summary(_run("ingest", str(CORPORA)))
    assert second == f"ingested 0, duplicates {stored + duplicates}, failed {failed}"
